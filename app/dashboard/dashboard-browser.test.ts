import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRequestReviewPath } from "../../shared/dashboard/index.ts";
import { seedReview } from "../../shared/dashboard/testing.ts";
import { launchBrowser } from "../../shared/runner/index.ts";
import type { RunningApp } from "../server/start.ts";
import { useAppHarness } from "../testing/app-harness.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  collaboratorPermission,
  DASHBOARD_SETTINGS,
  FULL_NAME,
  LOGIN,
  USER_TOKEN,
  userSeesRepository,
} from "../testing/dashboard-session.ts";
import { REPO } from "../testing/fixtures.ts";

/*
 * A person in a real Chromium signs in to the App's dashboard and approves a change with the
 * review's keys: the cookies, the redirects through "GitHub" (its authorize page answered by the
 * browser's route, its token and API by nock in the App) and the pages' scripts under the App's CSP.
 */

let app: RunningApp;
let browser: Browser;
/**
 * GitHub's authorize page, where the person says yes and is sent back with a code. A browser's
 * redirects cannot be routed by Playwright, so "GitHub" is a loopback origin (as GHE_HOST would
 * be); its token endpoint is still behind nock, in the App.
 */
let github: Server;
let githubOrigin = "";
const authorized: URL[] = [];

useAppHarness({ app: (a) => (app = a) }, () => ({
  settings: { dashboard: { ...DASHBOARD_SETTINGS, githubUrl: githubOrigin } },
}));

beforeAll(async () => {
  github = createServer((req, res) => {
    const asked = new URL(req.url ?? "/", "http://github.invalid");
    if (asked.pathname !== "/login/oauth/authorize") return void res.writeHead(404).end();
    authorized.push(asked);
    const back = new URL(asked.searchParams.get("redirect_uri") ?? "");
    back.searchParams.set("code", "browser-code");
    back.searchParams.set("state", asked.searchParams.get("state") ?? "");
    res.writeHead(302, { location: back.toString() }).end();
  });
  await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
  githubOrigin = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => github?.close(resolve));
});

describe("the App's dashboard in Chromium", () => {
  it("signs in through GitHub, lands on the review it asked for, and approves with `a`", async () => {
    const scenario = await seedReview(app.deps.store, { project: FULL_NAME, prNumber: 7 });
    await app.deps.store.ensureProject({ fullName: FULL_NAME, installationId: 1, repositoryId: REPO.id });
    const origin = `http://127.0.0.1:${app.port}`;
    const review = pullRequestReviewPath("/dashboard", FULL_NAME, 7);

    nock(githubOrigin)
      .post("/login/oauth/access_token", {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code: "browser-code",
        redirect_uri: `${origin}/dashboard/callback`,
      })
      .reply(200, { access_token: USER_TOKEN, expires_in: 28_800, token_type: "bearer" });
    nock("https://api.github.com").get("/user").reply(200, { id: 583231, login: LOGIN });
    userSeesRepository();
    collaboratorPermission("write").post(`/repos/${FULL_NAME}/issues/7/comments`).reply(201, { id: 1 });

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });

    await page.goto(`${origin}${review}`, { waitUntil: "load" });
    expect(authorized).toHaveLength(1);
    expect(authorized[0]?.searchParams.get("client_id")).toBe(CLIENT_ID);
    expect(page.url()).toBe(`${origin}${review}`);
    expect(await page.locator("h1").textContent()).toContain("visual review");
    const cookies = await context.cookies(`${origin}/dashboard/`);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toStrictEqual([
      ["perceo_session", true, "Lax"],
    ]);

    const first = page.locator("section.change").nth(0);
    const pendingIds = async () =>
      (await app.deps.store.listPendingScreenshots(scenario.projectId, scenario.headSha)).map((s) => s.id);
    const waiting = await pendingIds();
    await first.click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("a");
    await expect.poll(() => first.getAttribute("data-state"), { timeout: 20_000 }).toBe("approved");
    const left = new Set(await pendingIds());
    const approved = waiting.filter((id) => !left.has(id));
    expect(approved.length).toBeGreaterThan(0);
    const { rows } = await app.deps.pool.query<{ reviewed_by: string }>(
      "select distinct reviewed_by from public.screenshots where id = any($1::uuid[])",
      [approved],
    );
    expect(rows).toStrictEqual([{ reviewed_by: LOGIN }]);
    // No CSP violation (an inline script or style would show here), no failed request.
    expect(errors).toStrictEqual([]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    await context.close();
  }, 120_000);
});
