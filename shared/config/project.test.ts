import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "./errors.ts";
import { loadProject, parseProject } from "./project.ts";

const CONFIG = { path: ".perceo/config.yml", text: "project: shop\nbaseUrl: http://localhost:3000\n" };
const PERSONAS = {
  path: ".perceo/personas.yml",
  text: "personas:\n  shopper:\n    description: A returning customer\n    data: { email: ada@example.com }\n",
};

function flowFile(steps: string, header = "name: checkout\ndescription: Buy a lamp\npriority: critical\n") {
  return { path: ".perceo/flows/checkout.yml", text: `${header}steps:\n${steps}` };
}

/** Every issue as `file:line:col message`, the way a person reads them. */
function problems(files: { config?: typeof CONFIG; flows: Array<{ path: string; text: string }> }): string[] {
  try {
    parseProject({ root: ".", config: files.config ?? CONFIG, personas: PERSONAS, flows: files.flows });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseProject", () => {
  it("parses a valid flow with every step kind and keeps each step's line", () => {
    const project = parseProject({
      root: ".",
      config: CONFIG,
      personas: PERSONAS,
      flows: [
        flowFile(
          [
            "  - goto: /products/lamp",
            "  - click: { role: button, name: Add to cart }",
            "  - fill: { label: Email, value: '{{persona.email}}' }",
            "  - fill:",
            "      - { placeholder: Card number, value: 4242 }",
            "      - { testId: zip, value: '10115' }",
            "  - select: { label: Country, option: Germany }",
            "  - check: { label: I accept the terms }",
            "  - uncheck: { label: Newsletter }",
            "  - press: Enter",
            "  - press: { css: input, key: Tab }",
            "  - hover: Menu",
            "  - waitFor: { url: { contains: /orders/ } }",
            "  - waitFor: { text: Saved, state: hidden }",
            "  - expect: { visible: { role: heading, name: Thanks, level: 1 } }",
            "  - expect: { hidden: { text: Loading } }",
            "  - expect: { disabled: { role: button, name: Sold out } }",
            "  - expect: { url: { matches: '^/orders/\\d+$' } }",
            "  - expect: { title: { contains: Order } }",
            "  - expect: { element: { testId: cart-count }, text: 1 }",
            "  - expect: { element: { label: Email }, value: ada@example.com }",
            "  - expect: { element: { role: listitem }, count: 3 }",
            "  - screenshot: cart",
            "  - screenshot: { name: done, fullPage: true, mask: [{ testId: clock }] }",
            "    name: Final picture",
            "    timeout: 5000",
            "    optional: true",
          ].join("\n"),
          "name: checkout\ndescription: Buy a lamp\npriority: critical\npersona: shopper\nviewport: mobile\n",
        ),
      ],
    });
    const [flow] = project.flows;
    expect(flow?.steps).toHaveLength(22);
    expect(flow?.viewport).toBe("mobile");
    expect(flow?.tags).toEqual([]);
    expect(flow?.stepLocations[1]).toEqual({ file: ".perceo/flows/checkout.yml", line: 8, col: 5 });
    expect(flow?.steps[17]).toEqual({ expect: { element: { testId: "cart-count" }, text: "1" } });
    expect(project.config.runner).toEqual({
      retries: 1,
      stepTimeout: 10_000,
      navigationTimeout: 30_000,
      trace: "auto",
    });
  });

  const cases: Array<[string, string, string]> = [
    [
      "a misspelt step",
      "  - clik: { role: button, name: Buy }",
      '.perceo/flows/checkout.yml:5:5 unknown step "clik" — did you mean "click"?',
    ],
    [
      "a misspelt role",
      "  - click: { role: buton, name: Buy }",
      '.perceo/flows/checkout.yml:5:20 "buton" is not allowed here — did you mean "button"?',
    ],
    [
      "a misspelt locator key",
      "  - click: { rol: button, name: Buy }",
      '.perceo/flows/checkout.yml:5:14 unknown key "rol" — did you mean "role"?',
    ],
    [
      "two locators on one element",
      "  - click: { text: Buy, css: .buy }",
      '.perceo/flows/checkout.yml:5:25 one locator per element: found both "text" and "css"',
    ],
    [
      "fill without a value",
      "  - fill: { label: Email }",
      '.perceo/flows/checkout.yml:5:11 missing "value" (the text to type) beside the locator',
    ],
    [
      "two actions in one step",
      "  - goto: /\n    click: Buy",
      '.perceo/flows/checkout.yml:6:5 a step does one thing: found both "goto" and "click"; split them into two steps',
    ],
    [
      "a step that is a bare word",
      "  - click",
      '.perceo/flows/checkout.yml:5:5 a step is a mapping such as "click: …", found "click"',
    ],
    [
      "a timeout that is not a number",
      "  - goto: /\n    timeout: fast",
      '.perceo/flows/checkout.yml:6:14 expected a number, found "fast"',
    ],
    [
      "an expect with two assertions",
      "  - expect: { visible: Buy, hidden: Sold out }",
      ".perceo/flows/checkout.yml:5:13 one assertion per step: found visible and hidden; split them",
    ],
    [
      "an element expect without an assertion",
      "  - expect: { element: { testId: total } }",
      ".perceo/flows/checkout.yml:5:13 element: needs exactly one of text, value or count; found none",
    ],
    [
      "a count that is text",
      "  - expect: { element: { role: row }, count: many }",
      '.perceo/flows/checkout.yml:5:46 expected a number, found "many"',
    ],
    [
      "an unknown key in expect",
      "  - expect: { visble: Buy }",
      '.perceo/flows/checkout.yml:5:15 unknown key "visble" in expect — did you mean "visible"?',
    ],
    [
      "a screenshot mask that is not a locator",
      "  - screenshot: { name: cart, mask: [42] }",
      ".perceo/flows/checkout.yml:5:38 expected a locator such as { role: button, name: Buy }, { label: Email } or { text: Welcome }, found 42",
    ],
    [
      "a waitFor with a bad state",
      "  - waitFor: { text: Saved, state: gone }",
      '.perceo/flows/checkout.yml:5:36 "gone" is not allowed here; expected one of: visible, hidden, attached, detached',
    ],
    [
      "a locator with no kind",
      "  - click: { name: Buy }",
      ".perceo/flows/checkout.yml:5:12 missing a locator: add one of role, text, label, placeholder, testId, css (for example { role: button, name: Buy }, { label: Email } or { text: Welcome })",
    ],
    [
      "a step that is a list",
      "  - [goto, /]",
      ".perceo/flows/checkout.yml:5:5 a step is a mapping such as - click: { role: button, name: Add to cart }, found a list",
    ],
  ];
  it.each(cases)("reports %s at its file, line and column", (_label, steps, message) => {
    expect(problems({ flows: [flowFile(`${steps}\n`)] })).toEqual([message]);
  });

  it("reports a misspelt priority, an unknown persona and a misspelt flow key together", () => {
    const header = "name: checkout\ndescripton: Buy a lamp\npriority: critcal\npersona: shoper\n";
    expect(problems({ flows: [flowFile("  - goto: /\n", header)] })).toEqual([
      '.perceo/flows/checkout.yml:1:1 missing required key "description" (text)',
      '.perceo/flows/checkout.yml:2:1 unknown key "descripton" — did you mean "description"?',
      '.perceo/flows/checkout.yml:3:11 "critcal" is not allowed here — did you mean "critical"?',
      '.perceo/flows/checkout.yml:4:10 unknown persona "shoper" — did you mean "shopper"?',
    ]);
  });

  it("reports every broken file in one pass, config included", () => {
    const config = {
      path: ".perceo/config.yml",
      text: "project: shop\nbaseUrl: localhost:3000\nrunner:\n  workrs: 2\n",
    };
    const second = {
      path: ".perceo/flows/login.yml",
      text: "name: Login Flow\ndescription: x\npriority: high\nsteps: []\n",
    };
    expect(problems({ config, flows: [flowFile("  - clik: Buy\n"), second] })).toEqual([
      '.perceo/config.yml:2:10 expected a full http(s) URL such as http://localhost:3000, found "localhost:3000"',
      '.perceo/config.yml:4:3 unknown key "workrs" — did you mean "workers"?',
      '.perceo/flows/checkout.yml:5:5 unknown step "clik" — did you mean "click"?',
      '.perceo/flows/login.yml:1:7 a flow name uses lowercase letters, digits and dashes, like checkout-guest; found "Login Flow"',
      ".perceo/flows/login.yml:4:8 expected at least 1 item(s), found a list",
    ]);
  });

  it("reports invalid YAML with the parser's position", () => {
    const broken = { path: ".perceo/flows/checkout.yml", text: "name: checkout\nsteps:\n  - goto: [/\n" };
    const [first] = problems({ flows: [broken] });
    expect(first).toMatch(/^\.perceo\/flows\/checkout\.yml:\d+:\d+ invalid YAML: /);
  });

  it("reports a duplicate flow name at the second file", () => {
    const copy = { ...flowFile("  - goto: /\n"), path: ".perceo/flows/checkout-copy.yml" };
    expect(problems({ flows: [flowFile("  - goto: /\n"), copy] })).toEqual([
      '.perceo/flows/checkout-copy.yml:1:7 flow name "checkout" is already used by .perceo/flows/checkout.yml; names must be unique',
    ]);
  });
});

describe("loadProject", () => {
  it("reads .perceo/ from disk and shows paths relative to the working folder", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "perceo-config-"));
    await mkdir(path.join(root, ".perceo/flows"), { recursive: true });
    await writeFile(path.join(root, ".perceo/config.yml"), CONFIG.text);
    await writeFile(
      path.join(root, ".perceo/flows/a.yml"),
      "name: a\ndescription: A\npriority: low\nsteps:\n  - goto: /\n",
    );
    await writeFile(
      path.join(root, ".perceo/flows/b.yaml"),
      "name: b\ndescription: B\npriority: low\nsteps:\n  - clik: x\n",
    );
    const error = await loadProject(root, { cwd: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      '.perceo/flows/b.yaml:5:5 unknown step "clik" — did you mean "click"?',
    ]);
  });

  it("says how to start when .perceo/config.yml is missing", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "perceo-empty-"));
    const error = (await loadProject(root, { cwd: root }).catch((e: unknown) => e)) as ConfigError;
    expect(error.issues.map(formatIssue)).toEqual([
      ".perceo/config.yml:1:1 missing: create it with `project: <name>` and `baseUrl: http://localhost:3000`",
    ]);
  });
});
