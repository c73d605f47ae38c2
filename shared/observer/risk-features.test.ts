import { describe, expect, it } from "vitest";
import { riskFeatures } from "./risk-features.ts";
import type { ChangedFile, Reason } from "./types.ts";

const calm = { runs: 0, failures: 0, flaky: 0 };

function modified(
  path: string,
  removed: string,
  added: string,
): { change: ChangedFile; lines: Array<{ start: number; end: number }> } {
  return {
    change: {
      path,
      status: "modified",
      patch: `@@ -3,3 +3,3 @@\n context\n-${removed}\n+${added}\n context`,
    },
    lines: [{ start: 4, end: 4 }],
  };
}

const routeReason = (file: string, chain: string[], extra: Partial<Reason> = {}): Reason => ({
  signal: "imports",
  file,
  chain,
  route: "/cart",
  routeSource: "src/routes.ts:4",
  detail: `${file} reaches route /cart`,
  weight: 0.9,
  ...extra,
});

describe("risk features", () => {
  it("a logic edit in the route's own file: route 1, no hops beyond it, logic, one line", () => {
    const edit = modified(
      "src/pages/cart.ts",
      "  const total = sum(lines);",
      "  const total = sum(lines) + 1;",
    );
    const x = riskFeatures({
      reasons: [routeReason("src/pages/cart.ts", ["src/pages/cart.ts#renderCart"])],
      changes: [edit],
      priority: "critical",
      history: calm,
      coFailures: 0,
    });
    expect(x).toMatchObject({
      route: 1,
      hops: 0,
      layout: 0,
      logic: 1,
      markup: 0,
      copy: 0,
      styling: 0,
      lines: 1,
      priority: 1,
    });
  });

  it("counts the imports between a shared module and the route, and a layout when only it wraps the route", () => {
    const edit = modified("src/components/price.ts", "  return `$${cents}`;", "  return `USD $${cents}`;");
    const chain = [
      "src/components/price.ts#formatPrice",
      "src/components/header.ts#header",
      "src/components/layout.ts#layout",
    ];
    const x = riskFeatures({
      reasons: [routeReason("src/components/price.ts", chain, { layout: "src/components/layout.ts" })],
      changes: [edit],
      priority: "low",
      history: { runs: 10, failures: 2, flaky: 1 },
      coFailures: 5,
    });
    expect(x).toMatchObject({
      route: 0,
      hops: 2,
      layout: 1,
      priority: 0,
      failRate: 0.2,
      flakyRate: 0.1,
      coFailures: 3,
    });
  });

  it("tells markup from logic, and a wording edit the observer classed as copy", () => {
    const markup = modified(
      "src/pages/order.ts",
      '  <td data-x="1">{total}</td>',
      '  <th data-x="1">{total}</th>',
    );
    const copy = modified(
      "src/copy.ts",
      '  heroTitle: "Light, wood and linen",',
      '  heroTitle: "Warm light",',
    );
    const of = (entry: typeof markup) =>
      riskFeatures({
        reasons: [routeReason(entry.change.path, [entry.change.path])],
        changes: [entry],
        priority: "medium",
        history: calm,
        coFailures: 0,
      });
    expect(of(markup)).toMatchObject({ markup: 1, logic: 0, copy: 0 });
    expect(of(copy)).toMatchObject({ copy: 1, logic: 0, markup: 0 });
  });

  it("a global file alone is global; beside a route link it is not", () => {
    const lockfile: Reason = {
      signal: "global",
      file: "package-lock.json",
      detail: "the lockfile changed",
      weight: 1,
    };
    const edit = modified("src/pages/cart.ts", "  a();", "  b();");
    const base = { changes: [edit], priority: "high" as const, history: calm, coFailures: 0 };
    expect(riskFeatures({ ...base, reasons: [lockfile] })).toMatchObject({ global: 1, route: 0 });
    expect(
      riskFeatures({ ...base, reasons: [lockfile, routeReason("src/pages/cart.ts", ["src/pages/cart.ts"])] }),
    ).toMatchObject({
      global: 0,
      route: 1,
    });
    const everyRequest: Reason = {
      signal: "imports",
      file: "src/handle-request.ts",
      chain: ["src/handle-request.ts"],
      detail: "code every request runs",
      weight: 0.85,
    };
    expect(riskFeatures({ ...base, reasons: [everyRequest] })).toMatchObject({
      everyPage: 1,
      route: 0,
      hops: 0,
    });
  });

  it("styling only when every reaching edit is styling; coverage and covers as their signals say", () => {
    const css: Reason = { ...routeReason("public/css/shop.css", ["public/css/shop.css"]), change: "styling" };
    const cssEdit = {
      change: {
        path: "public/css/shop.css",
        status: "modified" as const,
        patch: "@@ -1 +1 @@\n-a{color:red}\n+a{color:blue}",
      },
      lines: [{ start: 1, end: 1 }],
    };
    const ran: Reason = {
      signal: "coverage",
      file: "public/js/cart.js",
      detail: "the recorded run executed it",
      weight: 0.95,
    };
    const named: Reason = {
      signal: "covers",
      file: "src/pages/cart.ts",
      detail: "covers names it",
      weight: 0.9,
    };
    const x = riskFeatures({
      reasons: [css],
      changes: [cssEdit],
      priority: "high",
      history: calm,
      coFailures: 0,
    });
    expect(x).toMatchObject({ styling: 1, logic: 0 });
    const y = riskFeatures({
      reasons: [css, ran, named],
      changes: [cssEdit, { change: { path: "public/js/cart.js", status: "added" } }],
      priority: "high",
      history: calm,
      coFailures: 0,
    });
    // A new file has no patch: its whole body counts 50 lines.
    expect(y).toMatchObject({
      styling: 0,
      logic: 1,
      coverage: 1,
      covers: 1,
      lines: Math.round(Math.log2(52) * 1000) / 1000,
    });
  });
});
