import { formatDuration } from "../report/index.ts";
import type { FlowResult, RunEvent } from "../runner/index.ts";

export interface Output {
  write(text: string): void;
  isTTY?: boolean;
}

const MARKS: Record<FlowResult["status"], string> = { passed: "✓", failed: "✗", flaky: "!", skipped: "-" };

/**
 * Prints run progress: on a terminal one line that redraws (flows done / total, the current step);
 * elsewhere (CI logs, pipes) one plain line per finished flow.
 */
export function createProgress(out: Output): (event: RunEvent) => void {
  let total = 0;
  let done = 0;
  let current = "";
  const tty = out.isTTY === true;
  const redraw = () => {
    if (tty) out.write(`\r\x1b[2K[${done}/${total}] ${current}`.slice(0, 200));
  };
  return (event) => {
    switch (event.type) {
      case "run-start":
        total = event.total;
        out.write(
          `Running ${total} flow${total === 1 ? "" : "s"} on ${event.workers} worker${event.workers === 1 ? "" : "s"}\n`,
        );
        break;
      case "step-start":
        current = `${event.flow}${event.attempt > 1 ? ` (retry ${event.attempt - 1})` : ""} › ${event.title}`;
        redraw();
        break;
      case "attempt-end":
        if (event.willRetry) {
          if (tty) out.write("\r\x1b[2K");
          out.write(`  ↻ ${event.flow} failed on attempt ${event.attempt}, retrying\n`);
        }
        break;
      case "flow-end": {
        done++;
        const r = event.result;
        if (tty) out.write("\r\x1b[2K");
        const failure = r.attempts.find((a) => a.status === "failed")?.error;
        const detail =
          r.status === "failed" && failure
            ? `\n    ${failure.message}`
            : r.status === "flaky"
              ? " — passed on retry"
              : "";
        out.write(`${MARKS[r.status]} ${r.name} (${formatDuration(r.durationMs)})${detail}\n`);
        if (tty && done < total) redraw();
        break;
      }
      default:
        break;
    }
  };
}
