import { type FunnelDefinition, stepMatchesUrl, stripOrigin } from "../funnel-definition.ts";
import type { Device, SessionEvent } from "../session-event.ts";

/** Per funnel, what the plainest possible matching finds: the truth the streaming matcher must equal. */
export interface ReferenceFigures {
  entered: number;
  completed: number;
  /** Sessions that stopped having reached exactly k steps (k ≥ 1, k < steps). */
  stoppedAfter: Record<number, number>;
  enteredBy: Partial<Record<Device, number>>;
  completedBy: Partial<Record<Device, number>>;
  durationsMs: number[];
}

/** Groups every event by session, sorts each by time, walks each funnel greedily. Slow and obvious. */
export function referenceMatch(
  funnels: readonly FunnelDefinition[],
  events: readonly SessionEvent[],
): Map<string, ReferenceFigures> {
  const sessions = new Map<string, SessionEvent[]>();
  for (const event of events) {
    const list = sessions.get(event.sessionId) ?? [];
    list.push(event);
    sessions.set(event.sessionId, list);
  }
  const figures = new Map<string, ReferenceFigures>();
  for (const funnel of funnels) {
    const f: ReferenceFigures = {
      entered: 0,
      completed: 0,
      stoppedAfter: {},
      enteredBy: {},
      completedBy: {},
      durationsMs: [],
    };
    for (const list of sessions.values()) {
      const sorted = [...list].sort((a, b) => a.time - b.time);
      let k = 0;
      let first = 0;
      let last = 0;
      for (const event of sorted) {
        const step = funnel.steps[k];
        if (!step) break;
        const hit =
          step.kind === "event"
            ? event.event === step.name
            : event.url !== undefined && stepMatchesUrl(step, stripOrigin(event.url));
        if (!hit) continue;
        if (k === 0) first = event.time;
        last = event.time;
        k++;
      }
      if (k === 0) continue;
      const device = sorted[0]?.device ?? "other";
      f.entered++;
      f.enteredBy[device] = (f.enteredBy[device] ?? 0) + 1;
      if (k === funnel.steps.length) {
        f.completed++;
        f.completedBy[device] = (f.completedBy[device] ?? 0) + 1;
        f.durationsMs.push(last - first);
      } else f.stoppedAfter[k] = (f.stoppedAfter[k] ?? 0) + 1;
    }
    figures.set(funnel.name, f);
  }
  return figures;
}
