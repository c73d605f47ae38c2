import path from "node:path";
import { loadProject } from "../config/index.ts";
import { stepTitle } from "../runner/step-title.ts";
import { type CliIo, EXIT, parse, UsageError } from "./cli-io.ts";
import { selectFlows } from "./run-command.ts";

export async function commandFlows(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, { dir: { type: "string" } }, sub === "show" ? 1 : 0);
  const root = path.resolve(io.cwd, values.dir ?? ".");
  switch (sub) {
    case "validate": {
      const project = await loadProject(root, { cwd: io.cwd });
      io.stdout.write(`✓ ${project.flows.length} flows valid in ${path.join(project.root, ".perceo")}\n`);
      return EXIT.passed;
    }
    case "list": {
      const project = await loadProject(root, { cwd: io.cwd });
      const width = Math.max(4, ...project.flows.map((f) => f.name.length));
      io.stdout.write(`${"NAME".padEnd(width)}  PRIORITY  STEPS  DESCRIPTION\n`);
      for (const f of project.flows) {
        io.stdout.write(
          `${f.name.padEnd(width)}  ${f.priority.padEnd(8)}  ${String(f.steps.length).padStart(5)}  ${f.description}\n`,
        );
      }
      return EXIT.passed;
    }
    case "show": {
      const name = positionals[0];
      if (!name) throw new UsageError("perceo flows show needs a flow name");
      const project = await loadProject(root, { cwd: io.cwd });
      const [flow] = selectFlows(project, name);
      if (!flow) throw new UsageError(`unknown flow "${name}"`);
      io.stdout.write(
        [
          `${flow.name} (${flow.priority}) — ${flow.description}`,
          `file: ${flow.file}`,
          ...(flow.persona ? [`persona: ${flow.persona}`] : []),
          ...(flow.tags.length ? [`tags: ${flow.tags.join(", ")}`] : []),
          ...(flow.covers.length ? [`covers: ${flow.covers.join(", ")}`] : []),
          `viewport: ${typeof flow.viewport === "string" ? flow.viewport : `${flow.viewport.width}×${flow.viewport.height}`}`,
          "steps:",
          ...flow.steps.map(
            (s, i) =>
              `  ${String(i + 1).padStart(2)}. ${stepTitle(s)}  (line ${flow.stepLocations[i]?.line})`,
          ),
          "",
        ].join("\n"),
      );
      return EXIT.passed;
    }
    default:
      throw new UsageError(
        sub
          ? `unknown flows command "${sub}"; use list, show or validate`
          : "perceo flows needs list, show or validate",
      );
  }
}
