import path from "node:path";
import { loadProject } from "../config/index.ts";
import { openAiSteps } from "../llm/index.ts";
import { AI_CACHE_FILE } from "../runner/index.ts";
import { type CliIo, EXIT, parse, UsageError } from "./cli-io.ts";
import { executeRun, selectFlows } from "./run-command.ts";

/**
 * `perceo flows resolve [--dir DIR] [--base-url URL] [--flows a,b] [--force]`: runs the flows that
 * have ai steps with Claude at hand, so every ai step gets a resolution in `.perceo/ai-cache.json`
 * (a cached one that still replays is kept; `--force` asks again), and drops resolutions no step
 * asks for any more. Commit the file: runs without a key replay it.
 */
export async function commandResolve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    dir: { type: "string" },
    "base-url": { type: "string" },
    flows: { type: "string" },
    force: { type: "boolean" },
  });
  const apiKey = io.env.ANTHROPIC_API_KEY;
  if (!apiKey)
    throw new UsageError(
      `perceo flows resolve needs ANTHROPIC_API_KEY: Claude resolves the ai steps, and ${AI_CACHE_FILE} keeps what it found so runs without the key replay it`,
    );
  const root = path.resolve(io.cwd, values.dir ?? ".");
  const project = await loadProject(root, { cwd: io.cwd });
  const baseUrl = values["base-url"] ?? project.config.baseUrl;
  const flows = selectFlows(project, values.flows).filter((f) => f.steps.some((s) => "ai" in s));
  if (flows.length === 0) {
    io.stdout.write("No flow has an ai step: nothing to resolve.\n");
    return EXIT.passed;
  }
  const ai = await openAiSteps({
    projectRoot: root,
    flows,
    apiKey,
    settings: project.config.ai,
    ...(values.force ? { refresh: true } : {}),
  });
  const asked = new Set(
    project.flows.flatMap((f) =>
      f.steps.flatMap((s) => ("ai" in s ? [JSON.stringify([f.name, s.ai, s.outcome ?? null])] : [])),
    ),
  );
  const dropped = ai?.options.cache.prune((r) =>
    asked.has(JSON.stringify([r.flow, r.step, r.expect ?? null])),
  );
  if (dropped)
    io.stdout.write(`Dropped ${dropped} resolution${dropped === 1 ? "" : "s"} no ai step asks for.\n`);
  return executeRun(project, flows, io, {
    baseUrl,
    workers: 1,
    retries: 0,
    report: path.resolve(io.cwd, "perceo-report"),
    record: false,
    ...(ai ? { ai } : {}),
  });
}
