import type { Engine } from "../databases.ts";
import { describeAnalyticsEvents } from "./analytics.ts";
import { describeChanges } from "./changes.ts";
import { describeConcurrency } from "./concurrency.ts";
import { describeConstraints } from "./constraints.ts";
import { useMigratedStore } from "./context.ts";
import { describePageCaptures } from "./page-captures.ts";
import { describeRowLevelSecurity } from "./rls.ts";
import { describeRuns } from "./runs.ts";
import { describeWeeklyScans } from "./weekly-scans.ts";

/** Every behaviour the database and the Postgres adapter promise, on one engine. */
export function describeStoreContract(engine: Engine) {
  const ctx = useMigratedStore(engine);
  describeRuns(ctx);
  describeChanges(ctx);
  describePageCaptures(ctx);
  describeConstraints(ctx);
  describeAnalyticsEvents(ctx);
  describeRowLevelSecurity(ctx);
  describeConcurrency(ctx);
  describeWeeklyScans(ctx);
}
