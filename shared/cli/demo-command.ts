import { realpathSync } from "node:fs";
import path from "node:path";
import { loadProject } from "../config/index.ts";
import { type CliIo, parse, positiveInt } from "./cli-io.ts";
import { executeRun } from "./run-command.ts";

/** `perceo demo`: the example shop's flows in Chromium, recorded like a run; ends with how to see them. */
export async function commandDemo(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    report: { type: "string" },
    workers: { type: "string" },
    retries: { type: "string" },
    "no-record": { type: "boolean" },
  });
  const shopDir = path.resolve(path.dirname(realpathSync(new URL(import.meta.url))), "../../examples/shop");
  const { startShop } = (await import(
    path.join(shopDir, "server.ts")
  )) as typeof import("../../examples/shop/server.ts");
  const project = await loadProject(shopDir, { cwd: io.cwd });
  const shop = await startShop();
  io.stdout.write(`Example shop running at ${shop.url}\n`);
  let code: number;
  try {
    code = await executeRun(project, project.flows, io, {
      baseUrl: shop.url,
      workers: positiveInt(values.workers, "--workers", 1),
      retries: positiveInt(values.retries, "--retries"),
      report: path.resolve(io.cwd, values.report ?? "perceo-report"),
      record: !values["no-record"],
    });
  } finally {
    await shop.close();
  }
  // The dashboard reads the store of the folder it starts in: the one the run was recorded in.
  if (!values["no-record"]) io.stdout.write("See the runs in the dashboard: perceo dashboard\n");
  return code;
}
