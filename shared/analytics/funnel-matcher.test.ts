import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../config/index.ts";
import {
  describeSteps,
  type FunnelDefinition,
  funnelsFromFlows,
  stepMatchesUrl,
} from "./funnel-definition.ts";
import { createFunnelMatcher, matchFunnels } from "./funnel-matcher.ts";
import type { SessionEvent } from "./session-event.ts";
import { generateSessionEvents, type IntendedSession } from "./testing/generate-events.ts";
import { referenceMatch } from "./testing/reference-matcher.ts";

const SHOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/shop");
const T0 = Date.UTC(2025, 2, 3, 9);
const abc: FunnelDefinition = {
  name: "abc",
  steps: [
    { kind: "page", path: "/a", query: [] },
    { kind: "page", path: "/b", query: [] },
    { kind: "page", path: "/c", query: [] },
  ],
};

function session(id: string, urls: string[], options: Partial<SessionEvent> = {}): SessionEvent[] {
  return urls.map((url, i) => ({
    sessionId: id,
    userId: `u-${id}`,
    device: "desktop",
    time: T0 + i * 10_000,
    url,
    ...options,
  }));
}

describe("funnel matching", () => {
  it("completes a flow whose steps come in order with other pages between them", () => {
    const report = matchFunnels(
      [abc],
      session("1", ["/a", "/x", "/b?ref=1", "/y", "https://shop.example/c/"]),
    );
    expect(report.flows[0]).toMatchObject({ entered: 1, completed: 1, successRate: 1, topExitStep: null });
    expect(report.flows[0]?.medianDurationMs).toBeCloseTo(40_000, -3);
  });

  it("puts events delivered out of order back in time order before matching", () => {
    const events = session("1", ["/a", "/b", "/c"]);
    const report = matchFunnels([abc], [events[2], events[0], events[1]] as SessionEvent[]);
    expect(report.flows[0]).toMatchObject({ entered: 1, completed: 1 });
  });

  it("counts a session with repeated steps once and times it from the first step", () => {
    const report = matchFunnels([abc], session("1", ["/a", "/a", "/b", "/a", "/b", "/c", "/c"]));
    expect(report.flows[0]).toMatchObject({ entered: 1, completed: 1 });
    expect(report.flows[0]?.medianDurationMs).toBeCloseTo(50_000, -3);
  });

  it("reports where abandoned sessions stopped as the top exit step", () => {
    const events = [
      ...session("1", ["/a", "/b"]),
      ...session("2", ["/a", "/b"]),
      ...session("3", ["/a"]),
      ...session("4", ["/a", "/b", "/c"]),
      ...session("5", ["/b", "/c"]),
    ];
    const flow = matchFunnels([abc], events).flows[0];
    expect(flow).toMatchObject({ entered: 4, completed: 1, successRate: 0.25 });
    expect(flow?.topExitStep).toEqual({ index: 2, step: "/c", sessions: 2 });
  });

  it("does not complete a flow whose steps happened in the wrong order", () => {
    const flow = matchFunnels([abc], session("1", ["/b", "/c", "/a"])).flows[0];
    expect(flow).toMatchObject({ entered: 1, completed: 0 });
  });

  it("breaks success down by device", () => {
    const events = [
      ...session("d1", ["/a", "/b", "/c"]),
      ...session("m1", ["/a", "/b", "/c"], { device: "mobile" }),
      ...session("m2", ["/a"], { device: "mobile" }),
    ];
    const devices = matchFunnels([abc], events).flows[0]?.devices;
    expect(devices?.desktop).toEqual({ entered: 1, completed: 1, successRate: 1 });
    expect(devices?.mobile).toEqual({ entered: 2, completed: 1, successRate: 0.5 });
    expect(devices?.tablet.successRate).toBeNull();
  });

  it("matches named events as steps", () => {
    const signup: FunnelDefinition = {
      name: "signup",
      steps: [
        { kind: "page", path: "/signup", query: [] },
        { kind: "event", name: "signup_completed" },
      ],
    };
    const events: SessionEvent[] = [
      { sessionId: "1", time: T0, url: "/signup" },
      { sessionId: "1", time: T0 + 5_000, event: "signup_completed" },
      { sessionId: "2", time: T0, event: "signup_completed" },
    ];
    expect(matchFunnels([signup], events).flows[0]).toMatchObject({ entered: 1, completed: 1 });
  });

  it("counts distinct users per day, averaged over the days the data spans", () => {
    const events = [
      ...session("1", ["/a"], { userId: "ann" }),
      ...session("2", ["/a"], { userId: "ann" }),
      ...session("3", ["/a"], { userId: "bob", time: T0 + 86_400_000 }),
    ];
    const flow = matchFunnels([abc], events).flows[0];
    expect(flow?.daily.map((d) => [d.day, d.users])).toEqual([
      ["2025-03-03", 1],
      ["2025-03-04", 1],
    ]);
    expect(flow?.dailyUsers).toBe(1);
  });

  it("ends a session after 30 idle minutes and starts a new one with the same id", () => {
    const events = [
      { sessionId: "1", time: T0, url: "/a" },
      { sessionId: "1", time: T0 + 5 * 60_000, url: "/b" },
      { sessionId: "1", time: T0 + 36 * 60_000, url: "/c" },
      { sessionId: "2", time: T0 + 62 * 60_000, url: "/x" },
    ];
    const report = matchFunnels([abc], events);
    expect(report.sessions).toBe(3);
    expect(report.flows[0]).toMatchObject({ entered: 1, completed: 0 });
  });

  it("keeps memory bounded by open sessions while streaming many sessions", () => {
    const matcher = createFunnelMatcher([abc]);
    let maxOpen = 0;
    let n = 0;
    for (const event of generateSessionEvents([abc], { sessions: 20_000, days: 30 })) {
      matcher.push(event);
      if (++n % 1000 === 0) maxOpen = Math.max(maxOpen, matcher.openSessions);
    }
    const report = matcher.finish();
    expect(report.sessions).toBe(20_000);
    // 20,000 sessions over 30 days: one starts every ~2 minutes, so a few dozen are open at a time.
    expect(maxOpen).toBeLessThan(1_000);
  });

  it("lists pages no funnel step visits as uncovered, most visited first", () => {
    const pages = matchFunnels(
      [abc],
      [...session("1", ["/a", "/gift-cards"]), ...session("2", ["/gift-cards"])],
    ).pages;
    expect(pages[0]).toEqual({ path: "/gift-cards", pageviews: 2, sessions: 2, covered: false });
    expect(pages.find((p) => p.path === "/a")?.covered).toBe(true);
  });
});

describe("funnel matching on the example shop's flows", () => {
  let funnels: FunnelDefinition[];
  beforeAll(async () => {
    const project = await loadProject(SHOP);
    funnels = funnelsFromFlows(project.flows);
  });

  it("derives each flow's funnel from its goto and URL steps", () => {
    const checkout = funnels.find((f) => f.name === "checkout");
    expect(checkout?.steps).toEqual([
      { kind: "page", path: "/products/aurora-lamp", query: [] },
      { kind: "url-matches", regex: "^/orders/\\d+$" },
    ]);
    const search = funnels.find((f) => f.name === "search");
    expect(search?.steps.map((s) => s.kind)).toEqual(["page", "url-contains", "page"]);
    expect(funnels.length).toBe(17);
  });

  it("generalises a goto to its route when routes are given", () => {
    const project = { name: "p", steps: [{ goto: "/products/aurora-lamp" }] };
    expect(funnelsFromFlows([project], { routes: ["/products/:slug"] })[0]?.steps).toEqual([
      { kind: "route", pattern: "/products/:slug" },
    ]);
  });

  it("finds exactly what a plain per-session walk finds on generated sessions", () => {
    const intended: IntendedSession[] = [];
    const events = [
      ...generateSessionEvents(
        funnels,
        { sessions: 5_000, seed: 7, outOfOrder: 0.1, repeats: 0.1 },
        intended,
      ),
    ];
    const report = matchFunnels(funnels, events);
    const truth = referenceMatch(funnels, events);
    expect(report.sessions).toBe(5_000);
    for (const flow of report.flows) {
      const want = truth.get(flow.flow);
      expect(flow.entered, flow.flow).toBe(want?.entered);
      expect(flow.completed, flow.flow).toBe(want?.completed);
      expect(flow.devices.mobile.entered, flow.flow).toBe(want?.enteredBy.mobile ?? 0);
      expect(flow.devices.desktop.completed, flow.flow).toBe(want?.completedBy.desktop ?? 0);
      const stopped = Object.entries(want?.stoppedAfter ?? {}).sort((a, b) => b[1] - a[1])[0];
      expect(flow.topExitStep?.sessions ?? 0, flow.flow).toBe(stopped?.[1] ?? 0);
      const durations = [...(want?.durationsMs ?? [])].sort((a, b) => a - b);
      if (durations.length > 0) {
        const median = durations[Math.floor((durations.length - 1) / 2)] as number;
        expect(Math.abs((flow.medianDurationMs ?? 0) - median), flow.flow).toBeLessThanOrEqual(250);
      }
    }
    // The planted drop-offs show: phones finish checkout less often than desktops.
    const checkout = report.flows.find((f) => f.flow === "checkout");
    expect(checkout?.devices.mobile.successRate).toBeLessThan(checkout?.devices.desktop.successRate ?? 0);
    // Every intended checkout that reached the end is counted.
    const plantedCheckouts = intended.filter((s) => s.funnel === "checkout" && s.stepsReached === 2).length;
    expect(checkout?.completed).toBeGreaterThanOrEqual(plantedCheckouts);
  });
});

describe("funnels from a recorded coverage map", () => {
  const origin = "http://127.0.0.1:41234";
  const coverage = {
    flows: {
      login: { urls: [`${origin}/`, `${origin}/login`, `${origin}/account`] },
      signup: { urls: [`${origin}/`, `${origin}/signup`, `${origin}/signup#form`, `${origin}/account`] },
      "account-orders": {
        urls: [
          `${origin}/login?next=%2Faccount`,
          `${origin}/account`,
          `${origin}/orders/1001`,
          "https://pay.example/",
        ],
      },
    },
  };
  let flows: Awaited<ReturnType<typeof loadProject>>["flows"];
  beforeAll(async () => {
    flows = (await loadProject(SHOP)).flows;
  });

  it("follows the pages each flow visited, ids generalised, other sites and repeats left out", () => {
    const funnels = funnelsFromFlows(flows, { coverage });
    const steps = (name: string) => describeSteps(funnels.find((f) => f.name === name)?.steps ?? []);
    expect(steps("login")).toEqual(["/", "/login", "/account"]);
    expect(steps("signup")).toEqual(["/", "/signup", "/account"]);
    expect(steps("account-orders")).toEqual(["/login?next=%2Faccount", "/account", "/orders/:id"]);
    // Without a recording, the steps: goto and URL expectations, named the way a person reads them.
    expect(steps("checkout")).toEqual(["/products/aurora-lamp", "/orders/:id"]);
    expect(steps("catalog-filter")).toEqual(["/products", "/products?category=Furniture"]);
    expect(
      describeSteps(funnelsFromFlows(flows).find((f) => f.name === "account-orders")?.steps ?? []),
    ).toEqual(["/account", "/login?next=…", "/orders/1001"]);
  });

  it("names a URL pattern that is no route by its pattern", () => {
    expect(describeSteps([{ kind: "url-matches", regex: "^/(en|de)/cart$" }])).toEqual([
      "URL matching ^/(en|de)/cart$",
    ]);
    expect(describeSteps([{ kind: "url-matches", regex: "^/products/[^/]+$" }])).toEqual([
      "/products/:param",
    ]);
    expect(describeSteps([{ kind: "url-contains", text: "q=lamp" }])).toEqual(["URL containing q=lamp"]);
  });

  it("tells login from signup on sessions of known truth, where the flows' steps alone could not", () => {
    const sessions = [
      ...session("l1", ["/", "/login", "/account"]),
      ...session("l2", ["/", "/products", "/login", "/account"]),
      ...session("l3", ["/", "/login"]),
      ...session("s1", ["/", "/signup", "/account"]),
      ...session("b1", ["/", "/account"]),
    ];
    const recorded = matchFunnels(funnelsFromFlows(flows, { coverage }), sessions).flows;
    const byName = (name: string) => recorded.find((f) => f.flow === name);
    expect([byName("login")?.entered, byName("login")?.completed]).toEqual([5, 2]);
    expect([byName("signup")?.entered, byName("signup")?.completed]).toEqual([5, 1]);
    expect(byName("login")?.topExitStep).toEqual({ index: 1, step: "/login", sessions: 2 });
    // From the steps alone both are / → /account, and both count every session that got there.
    const fromSteps = matchFunnels(funnelsFromFlows(flows), sessions).flows;
    expect(fromSteps.find((f) => f.flow === "login")?.completed).toBe(4);
    expect(fromSteps.find((f) => f.flow === "signup")?.completed).toBe(4);
  });

  it("finds exactly what a plain per-session walk finds on sessions generated along the recorded pages", () => {
    const funnels = funnelsFromFlows(flows, { coverage });
    const intended: IntendedSession[] = [];
    const events = [...generateSessionEvents(funnels, { sessions: 3_000, seed: 5 }, intended)];
    const report = matchFunnels(funnels, events);
    const truth = referenceMatch(funnels, events);
    for (const flow of report.flows) {
      expect(flow.entered, flow.flow).toBe(truth.get(flow.flow)?.entered);
      expect(flow.completed, flow.flow).toBe(truth.get(flow.flow)?.completed);
    }
    // Every planted signup that went all the way is a signup, and none of them is a login.
    const planted = (name: string) =>
      intended.filter((s) => s.funnel === name && s.stepsReached === 3).length;
    const signup = report.flows.find((f) => f.flow === "signup");
    expect(signup?.completed).toBeGreaterThanOrEqual(planted("signup"));
    expect(events.some((e) => e.url === "/login")).toBe(true);
    expect(events.some((e) => e.url?.startsWith("/orders/") && /^\/orders\/\d+$/.test(e.url))).toBe(true);
    expect(report.flows.find((f) => f.flow === "login")?.completed).not.toBe(signup?.completed);
  });

  it("a flow's catastrophic regex against a production URL answers at once, and one that does not compile matches nothing", () => {
    // The App matches every production URL of the week against it: /^\/(a|a)*$/ would backtrack 2^64 times here.
    const url = `/${"a".repeat(64)}!`;
    expect(stepMatchesUrl({ kind: "url-matches", regex: "^/(a|a)*$" }, url)).toBe(false);
    expect(stepMatchesUrl({ kind: "url-matches", regex: "^/(a|a)*$" }, "/aaaa")).toBe(true);
    expect(stepMatchesUrl({ kind: "url-matches", regex: "^/orders/([0-9]+$" }, "/orders/1")).toBe(false);
  });
});
