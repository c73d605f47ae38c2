import { DAY_MS } from "../analytics/index.ts";
import { WEEKDAYS, type WeeklyScanSettings } from "../config/index.ts";

/** Monday (UTC) of the ISO week `time` falls in, YYYY-MM-DD. */
export function isoWeekStart(time: Date): string {
  const day = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(day - weekday * DAY_MS).toISOString().slice(0, 10);
}

/** When the scan of the week starting `weekStart` is due. */
export function scheduledAt(weekStart: string, schedule: Pick<WeeklyScanSettings, "day" | "hour">): Date {
  const offset = WEEKDAYS.indexOf(schedule.day);
  return new Date(Date.parse(`${weekStart}T00:00:00Z`) + offset * DAY_MS + schedule.hour * 3_600_000);
}

export function weeklyIssueTitle(scanDate: Date): string {
  return `Perceo weekly scan — ${scanDate.toISOString().slice(0, 10)}`;
}
