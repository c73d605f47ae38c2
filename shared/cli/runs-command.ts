import { formatDuration, renderSummaryMarkdown } from "../report/index.ts";
import { openStore } from "../store/index.ts";
import { type CliIo, EXIT, parse, positiveInt, UsageError } from "./cli-io.ts";

/** `perceo runs list | show <id>`: runs recorded by earlier `perceo run`s, read back from the store. */
export async function commandRuns(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "list" && sub !== "show") {
    throw new UsageError(
      sub ? `unknown runs command "${sub}"; use list or show` : "perceo runs needs list or show",
    );
  }
  const { values, positionals } = parse(
    rest,
    { limit: { type: "string" }, json: { type: "boolean" }, project: { type: "string" } },
    sub === "show" ? 1 : 0,
  );
  const store = await openStore({ env: io.env, cwd: io.cwd });
  try {
    if (sub === "list") {
      const runs = await store.listRuns({
        limit: positiveInt(values.limit, "--limit", 1) ?? 20,
        ...(values.project ? { project: values.project } : {}),
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        return EXIT.passed;
      }
      if (runs.length === 0) {
        io.stdout.write("No runs recorded yet: `perceo run` (or `perceo demo`) records one.\n");
        return EXIT.passed;
      }
      io.stdout.write(
        "ID                                    STARTED (UTC)        PROJECT  STATUS  PASSED FAILED FLAKY  DURATION\n",
      );
      for (const r of runs) {
        const started = r.startedAt.replace("T", " ").slice(0, 19);
        const { passed, failed, flaky } = r.totals;
        io.stdout.write(
          `${r.id.padEnd(36)}  ${started}  ${r.project.padEnd(7)}  ${r.status.padEnd(6)}  ${String(passed).padStart(6)} ${String(failed).padStart(6)} ${String(flaky).padStart(5)}  ${formatDuration(r.durationMs)}\n`,
        );
      }
      return EXIT.passed;
    }
    const id = positionals[0];
    if (!id) throw new UsageError("perceo runs show needs a run id (see perceo runs list)");
    const run = await store.getRun(id, values.project ? { project: values.project } : {});
    if (!run)
      throw new UsageError(`no run "${id}" in the store; \`perceo runs list\` shows the recorded ones`);
    io.stdout.write(values.json ? `${JSON.stringify(run, null, 2)}\n` : renderSummaryMarkdown(run));
    return EXIT.passed;
  } finally {
    await store.close();
  }
}
