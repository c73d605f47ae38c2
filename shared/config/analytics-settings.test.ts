import { describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "./errors.ts";
import { parseProject } from "./project.ts";

const BASE = "project: shop\nbaseUrl: http://localhost:3000\n";
const FLOW = {
  path: ".perceo/flows/home.yml",
  text: "name: home\ndescription: Open the shop\npriority: low\nsteps:\n  - goto: /\n",
};

function load(extra: string) {
  return parseProject({
    root: ".",
    config: { path: ".perceo/config.yml", text: BASE + extra },
    flows: [FLOW],
  });
}

function problems(extra: string): string[] {
  try {
    load(extra);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("analytics and weeklyScan in .perceo/config.yml", () => {
  it("reads a PostHog project with the App's stored secret's name and fills the defaults", () => {
    const { config } = load("analytics:\n  provider: posthog\n  projectId: 12345\n  secret: posthog-key\n");
    expect(config.analytics).toStrictEqual({
      provider: "posthog",
      projectId: "12345",
      host: "us",
      secret: "posthog-key",
    });
    expect(config.weeklyScan).toBeUndefined();
  });

  it("reads GA4 and a weekly schedule", () => {
    const { config } = load(
      "analytics:\n  provider: ga4\n  propertyId: '987654321'\n  keyEnv: GA4_KEY\nweeklyScan:\n  day: friday\n  hour: 15\n",
    );
    expect(config.analytics).toStrictEqual({ provider: "ga4", propertyId: "987654321", keyEnv: "GA4_KEY" });
    expect(config.weeklyScan).toStrictEqual({ enabled: true, day: "friday", hour: 15 });
  });

  it("refuses a key pasted into the config, naming the line", () => {
    expect(
      problems("analytics:\n  provider: posthog\n  projectId: 1\n  keyEnv: phx_abcdef0123456789\n"),
    ).toStrictEqual([
      ".perceo/config.yml:6:11 name the environment variable that holds the key (like PERCEO_POSTHOG_API_KEY), never the key itself",
    ]);
  });

  it("refuses a GA4 measurement id, an unknown host, an unknown provider and a bad hour, each at its line", () => {
    expect(problems("analytics:\n  provider: ga4\n  propertyId: G-ABC123\n")).toStrictEqual([
      '.perceo/config.yml:5:15 the numeric property id (Admin → Property settings), not the G- measurement id; found "G-ABC123"',
    ]);
    expect(
      problems("analytics:\n  provider: posthog\n  projectId: 1\n  host: posthog.example.com\n"),
    ).toStrictEqual([
      '.perceo/config.yml:6:9 "posthog.example.com" is not allowed here; expected one of: us, eu',
    ]);
    expect(problems("analytics:\n  provider: amplitude\n")[0]).toMatch(/^\.perceo\/config\.yml:4:13 /);
    expect(problems("weeklyScan:\n  hour: 24\n")[0]).toMatch(/^\.perceo\/config\.yml:4:9 /);
  });
});

describe("analytics.outcomes in .perceo/config.yml", () => {
  const outcomes = (tables: string) =>
    `analytics:\n  provider: mixpanel\n  projectId: 3141592\n  outcomes:\n    database: postgres\n    tables:\n${tables}`;

  it("reads tables with their timestamp columns and fills the schema", () => {
    const { config } = load(outcomes("      - table: signups\n        timestamp: created_at\n"));
    expect(config.analytics).toStrictEqual({
      provider: "mixpanel",
      projectId: "3141592",
      residency: "us",
      outcomes: {
        database: "postgres",
        schema: "public",
        tables: [{ table: "signups", timestamp: "created_at" }],
      },
    });
  });

  it("refuses SQL in a table or column name, naming the line", () => {
    expect(
      problems(
        outcomes(
          '      - table: "signups; drop table users"\n        timestamp: created_at\n      - table: orders\n        timestamp: \'created_at") or 1=1 --\'\n',
        ),
      ),
    ).toStrictEqual([
      ".perceo/config.yml:9:16 a plain table, view or column name: letters, digits and underscores, not starting with a digit (no quotes, dots, spaces or SQL)",
      ".perceo/config.yml:12:20 a plain table, view or column name: letters, digits and underscores, not starting with a digit (no quotes, dots, spaces or SQL)",
    ]);
    expect(
      problems(outcomes(`      - table: ${"t".repeat(64)}\n        timestamp: created_at\n`)),
    ).toStrictEqual([`.perceo/config.yml:9:16 expected at most 63 characters, found "${"t".repeat(40)}…"`]);
    expect(problems(outcomes('      - table: public.signups\n        timestamp: "2fa_at"\n'))).toHaveLength(
      2,
    );
  });

  it("wants Supabase's project URL over https", () => {
    expect(
      problems(
        "analytics:\n  provider: ga4\n  propertyId: 1\n  outcomes:\n    database: supabase\n    url: http://abc.supabase.co\n    tables:\n      - { table: orders, timestamp: placed_at }\n",
      ),
    ).toStrictEqual([
      ".perceo/config.yml:8:10 the Supabase project's https URL, like https://abcdefghijklmnop.supabase.co",
    ]);
  });
});
