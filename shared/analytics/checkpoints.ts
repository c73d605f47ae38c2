import type {
  ChangeStatus,
  CheckpointHorizon,
  CheckpointInput,
  DetectedChange,
  Store,
} from "../store/index.ts";
import {
  assessWindows,
  type CheckpointAssessment,
  checkpointWindows,
  DECIDING_HORIZON,
  describeOutcome,
  dueHorizons,
  NEUTRAL_VALIDATES_AT,
  verdictOf,
} from "./correlation.ts";
import type { MetricsSource } from "./metrics-source.ts";
import type { OutcomeSource } from "./outcome-source.ts";

/** A detected change with what it is measured on: its page, and the flows that pass through it. */
export interface TrackedChange {
  change: DetectedChange;
  pageUrl: string;
  /** The page's name under `pages:` in the config, which reports use instead of its URL. */
  pageName?: string;
  flows: readonly string[];
}

export interface CheckpointRecord {
  changeId: string;
  horizonDays: CheckpointHorizon;
  /** False when the checkpoint was already there: the stored one stands and is what is returned. */
  created: boolean;
  verdict: CheckpointInput["verdict"];
  /** What this run measured (when it created the checkpoint). */
  assessment: CheckpointAssessment;
  /** The status the change moved to because of this checkpoint. */
  movedTo?: ChangeStatus;
}

/**
 * 1. find the horizons due today, 2. measure both windows, 3. record each checkpoint once,
 * 4. move the change's status by the stored verdict (never by a re-measurement).
 */
export async function recordDueCheckpoints(input: {
  store: Store;
  source: MetricsSource;
  changes: readonly TrackedChange[];
  /** YYYY-MM-DD (UTC). */
  today: string;
  actor?: string;
  /** The team's outcome tables, counted in both windows of every checkpoint. */
  outcomes?: OutcomeSource;
}): Promise<CheckpointRecord[]> {
  const records: CheckpointRecord[] = [];
  for (const tracked of input.changes) {
    let status = tracked.change.status;
    for (const horizonDays of dueHorizons(tracked.change.firstDetectedDate, input.today)) {
      const assessment = await measureCheckpoint(input.source, tracked, horizonDays, input.outcomes);
      const { checkpoint, created } = await input.store.recordCheckpoint({
        changeId: tracked.change.id,
        horizonDays,
        verdict: verdictOf(assessment.outcome),
        metrics: {
          outcome: assessment.outcome,
          before: assessment.before,
          after: assessment.after,
          comparisons: assessment.comparisons,
          ...(assessment.outcomes ? { outcomes: assessment.outcomes } : {}),
          ...(assessment.outcomesError ? { outcomesError: assessment.outcomesError } : {}),
        },
      });
      const record: CheckpointRecord = {
        changeId: tracked.change.id,
        horizonDays,
        created,
        verdict: checkpoint.verdict,
        assessment,
      };
      const next = statusAfterCheckpoint(horizonDays, checkpoint.verdict);
      if (next && status === "watching") {
        await input.store.transitionChange(tracked.change.id, next, {
          reason: `${horizonDays}-day checkpoint: ${checkpoint.verdict}`,
          actor: input.actor ?? "perceo",
        });
        status = next;
        record.movedTo = next;
      }
      records.push(record);
    }
  }
  return records;
}

export async function measureCheckpoint(
  source: MetricsSource,
  tracked: TrackedChange,
  horizonDays: CheckpointHorizon,
  outcomes?: OutcomeSource,
): Promise<CheckpointAssessment> {
  const windows = checkpointWindows(tracked.change.firstDetectedDate, horizonDays);
  const query = { pageUrl: tracked.pageUrl, flows: tracked.flows };
  const before = await source.windowMetrics({ ...query, range: windows.before });
  const after = await source.windowMetrics({ ...query, range: windows.after });
  const assessment = assessWindows(horizonDays, windows, before, after);
  if (!outcomes) return assessment;
  // A checkpoint is recorded once: when the database cannot be read, it says so rather than failing
  // the page's verdict, which stands on the analytics alone.
  try {
    const [inBefore = [], inAfter = []] = await outcomes.countWindows([windows.before, windows.after]);
    assessment.outcomes = inBefore.map((b, i) => ({
      name: b.name,
      before: b.count,
      after: inAfter[i]?.count ?? 0,
    }));
    assessment.reasons.push(...assessment.outcomes.map((o) => describeOutcome(o, horizonDays)));
  } catch (error) {
    assessment.outcomesError = (error as Error).message;
    assessment.reasons.push(`outcomes: not counted (${assessment.outcomesError})`);
  }
  return assessment;
}

/** Only a change still being watched moves; the 7-day checkpoint is recorded but settles nothing. */
export function statusAfterCheckpoint(
  horizonDays: CheckpointHorizon,
  verdict: CheckpointInput["verdict"],
): ChangeStatus | undefined {
  if (horizonDays < DECIDING_HORIZON) return undefined;
  if (verdict === "worsened") return "regressed";
  if (verdict === "improved") return "validated";
  if (verdict === "neutral" && horizonDays >= NEUTRAL_VALIDATES_AT) return "validated";
  if (verdict === "insufficient_data" && horizonDays === 90) return "inconclusive";
  return undefined;
}
