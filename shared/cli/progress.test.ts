import { describe, expect, it } from "vitest";
import { buildFailedFlow, buildFlow } from "../runner/testing/run-factory.ts";
import { createProgress } from "./progress.ts";

function recorder(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { write: (t: string) => void chunks.push(t), isTTY }, chunks };
}

describe("createProgress", () => {
  it("on a terminal redraws one line with flows done / total and the current step", () => {
    const { out, chunks } = recorder(true);
    const progress = createProgress(out);
    progress({ type: "run-start", total: 2, workers: 1 });
    progress({ type: "step-start", flow: "checkout", attempt: 1, index: 0, title: "go to /cart" });
    expect(chunks.at(-1)).toBe("\r\x1b[2K[0/2] checkout › go to /cart");
    progress({ type: "flow-end", result: buildFlow({ name: "checkout" }) });
    expect(chunks).toContain("✓ checkout (1.0 s)\n");
    expect(chunks.at(-1)).toBe("\r\x1b[2K[1/2] checkout › go to /cart");
  });

  it("in a log prints one plain line per finished flow, with the failure's file and line", () => {
    const { out, chunks } = recorder(false);
    const progress = createProgress(out);
    progress({ type: "run-start", total: 1, workers: 1 });
    progress({ type: "step-start", flow: "checkout", attempt: 1, index: 0, title: "go to /cart" });
    progress({ type: "flow-end", result: buildFailedFlow() });
    expect(chunks.join("")).toBe(
      "Running 1 flow on 1 worker\n" +
        '✗ checkout (1.0 s)\n    .perceo/flows/checkout.yml:9:5 step 2 (click button "Add to cart"): click: no element matches button "Add to cart"\n',
    );
  });
});
