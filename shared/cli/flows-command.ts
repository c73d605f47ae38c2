import path from "node:path";
import type { LoadedFlow } from "../config/index.ts";
import { loadProjectWithTests } from "../playwright/index.ts";
import { stepTitle } from "../runner/step-title.ts";
import { type CliIo, childEnv, EXIT, parse, UsageError } from "./cli-io.ts";
import { commandResolve } from "./resolve-command.ts";
import { selectFlows } from "./run-command.ts";

export async function commandFlows(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "resolve") return commandResolve(rest, io);
  const { values, positionals } = parse(rest, { dir: { type: "string" } }, sub === "show" ? 1 : 0);
  const root = path.resolve(io.cwd, values.dir ?? ".");
  const load = () => loadProjectWithTests(root, { cwd: io.cwd, env: childEnv(io) });
  switch (sub) {
    case "validate": {
      const project = await load();
      const tests = project.flows.filter((f) => f.test).length;
      const yaml = project.flows.length - tests;
      io.stdout.write(
        `✓ ${yaml} flows valid in ${path.join(project.root, ".perceo")}${project.playwright ? `; ${tests} Playwright tests in ${path.relative(io.cwd, project.playwright.configFile)}` : ""}\n`,
      );
      return EXIT.passed;
    }
    case "list": {
      const project = await load();
      const width = Math.max(4, ...project.flows.map((f) => f.name.length));
      io.stdout.write(`${"NAME".padEnd(width)}  PRIORITY  STEPS  DESCRIPTION\n`);
      for (const f of project.flows) {
        // A Playwright test's steps are its own code: the STEPS column says so.
        const steps = f.test ? "test" : String(f.steps.length);
        const description = f.test ? `${f.description} (${f.file}:${f.test.lines.start})` : f.description;
        io.stdout.write(
          `${f.name.padEnd(width)}  ${f.priority.padEnd(8)}  ${steps.padStart(5)}  ${description}\n`,
        );
      }
      return EXIT.passed;
    }
    case "show": {
      const name = positionals[0];
      if (!name) throw new UsageError("perceo flows show needs a flow name");
      const project = await load();
      const [flow] = selectFlows(project, name);
      if (!flow) throw new UsageError(`unknown flow "${name}"`);
      if (flow.test) {
        io.stdout.write(describeTest(flow));
        return EXIT.passed;
      }
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
          ? `unknown flows command "${sub}"; use list, show, validate or resolve`
          : "perceo flows needs list, show, validate or resolve",
      );
  }
}

/** A Playwright test as Perceo sees it: where it is, what it visits and which local modules it uses. */
function describeTest(flow: LoadedFlow): string {
  const test = flow.test;
  if (!test) return "";
  return [
    `${flow.name} (${flow.priority}) — Playwright test ${flow.description}`,
    `file: ${flow.file}:${test.lines.start}`,
    `config: ${test.config}${test.projects.length ? ` (projects: ${test.projects.join(", ")})` : ""}`,
    ...(flow.tags.length ? [`tags: ${flow.tags.join(", ")}`] : []),
    ...(flow.covers.length ? [`covers: ${flow.covers.join(", ")}`] : []),
    ...(test.unreadable ? [`unreadable: ${test.unreadable}; a change to it selects this test`] : []),
    ...(flow.steps.length
      ? [
          "visits:",
          ...flow.steps.map(
            (s, i) => `  ${stepTitle(s)}  (${flow.stepLocations[i]?.file}:${flow.stepLocations[i]?.line})`,
          ),
        ]
      : []),
    ...(test.imports.length ? ["uses:", ...test.imports.map((i) => `  ${i.chain.join(" → ")}`)] : []),
    "",
  ].join("\n");
}
