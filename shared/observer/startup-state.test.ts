import { describe, expect, it } from "vitest";
import { readModuleFacts } from "./module-facts.ts";
import { type StateInflow, stateMembersReached } from "./startup-state.ts";

function outflow(source: string, fn: string, inflow: Partial<StateInflow>) {
  const facts = readModuleFacts("state.ts", source);
  const unit = facts.units.find((u) => u.names.includes(fn));
  if (!unit) throw new Error(`${fn} not found`);
  return stateMembersReached("state.ts", source, unit, {
    names: new Set(),
    members: new Set(),
    lines: [],
    ...inflow,
  });
}

const SHOP_STATE = `import { orderTotals } from "./orders.ts";
import { SEEDS } from "./seeds.ts";
export async function createState(copy) {
  const accounts = new AccountBook();
  const orders = new OrderBook();
  for (const seed of SEEDS) {
    await accounts.create(seed.name, seed.email);
    for (const order of seed.orders) {
      const lines = [...order.lines];
      orders.add({ ...order, lines, totals: orderTotals(lines) });
    }
  }
  const clock = makeClock();
  return { copy, accounts, orders, sessions: new SessionBook(), now: () => clock.now() };
}`;

describe("state built at start-up", () => {
  it("a change flowing into one collection reaches only that member of the returned state", () => {
    expect(outflow(SHOP_STATE, "createState", { names: new Set(["orderTotals"]) })).toEqual({
      members: ["orders"],
    });
  });

  it("data a loop header reads taints everything the loop writes", () => {
    const result = outflow(SHOP_STATE, "createState", { names: new Set(["SEEDS"]) });
    expect(result).not.toBe("all");
    expect(result === "all" ? [] : [...result.members].sort()).toEqual(["accounts", "orders"]);
  });

  it("a changed line inside the function taints what that statement writes, closures included", () => {
    const line = SHOP_STATE.split("\n").findIndex((l) => l.includes("makeClock")) + 1;
    expect(outflow(SHOP_STATE, "createState", { lines: [{ start: line, end: line }] })).toEqual({
      members: ["now"],
    });
  });

  it("a read property name is followed like a name", () => {
    expect(outflow(SHOP_STATE, "createState", { members: new Set(["email"]) })).toEqual({
      members: ["accounts"],
    });
  });

  it("a function that writes outside itself affects everything", () => {
    const source = `import { LIMIT } from "./limits.ts";
let shared = 0;
export function createState() {
  shared = LIMIT;
  return { limit: 1 };
}`;
    expect(outflow(source, "createState", { names: new Set(["LIMIT"]) })).toBe("all");
  });

  it("a tainted value returned whole, or a return it cannot follow, affects everything", () => {
    const whole = `import { LIMIT } from "./limits.ts";
export function createState() {
  const state = { limit: LIMIT };
  return state;
}`;
    expect(outflow(whole, "createState", { names: new Set(["LIMIT"]) })).toBe("all");
    const switched = `import { MODE } from "./mode.ts";
export function createState(kind) {
  switch (kind) {
    case "a":
      return { mode: MODE };
  }
  return {};
}`;
    expect(outflow(switched, "createState", { names: new Set(["MODE"]) })).toBe("all");
  });

  it("something that is not a function returning an object is not followed", () => {
    expect(
      outflow(`import { A } from "./a.ts";\nexport const state = { a: A };`, "state", {
        names: new Set(["A"]),
      }),
    ).toBe("all");
  });
});
