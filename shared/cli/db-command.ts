import { migrateConfiguredDatabase } from "../store/index.ts";
import { type CliIo, EXIT, parse, UsageError } from "./cli-io.ts";

/** `perceo db migrate`: applies pending migrations to the configured database; again, it changes nothing. */
export async function commandDb(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "migrate")
    throw new UsageError(sub ? `unknown db command "${sub}"; use migrate` : "perceo db needs migrate");
  parse(rest, {});
  const result = await migrateConfiguredDatabase({ env: io.env, cwd: io.cwd });
  if (result.applied.length === 0) {
    io.stdout.write(`${result.target}: up to date, nothing to apply.\n`);
  } else {
    io.stdout.write(`${result.target}: applied ${result.applied.length} migration(s):\n`);
    for (const m of result.applied) io.stdout.write(`  ${m.version}_${m.name}\n`);
  }
  return EXIT.passed;
}
