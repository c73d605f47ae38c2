import { Document, isMap, isSeq } from "yaml";
import { parseFlowFile, type Step } from "../config/index.ts";
import type { PageReading } from "./read-page.ts";

/** A flow name from a route: `/` → home, `/products/:slug` → products-slug, `/about.html` → about. */
export function flowNameForRoute(pattern: string): string {
  if (pattern === "/") return "home";
  const name = pattern
    .replace(/\.html?$/i, "")
    .replace(/\/index$/i, "")
    .replace(/\*/g, "rest")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name || "page";
}

/** `name`, or `name-2`, `name-3`… when taken. */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name}-${n}`)) return `${name}-${n}`;
}

/**
 * The text of `.perceo/flows/<name>.yml` for a page: open it, expect its main heading (or, with
 * none, its title), take a screenshot. Checked with the flow loader before it is returned, so what
 * `perceo init` writes always validates.
 */
export function renderStarterFlow(input: {
  name: string;
  /** The path to open, relative to baseUrl. */
  path: string;
  reading: PageReading;
  priority: "high" | "medium";
}): string {
  const { name, path, reading } = input;
  const sees = reading.heading
    ? `sees "${reading.heading.name}"`
    : reading.title
      ? `sees the title "${reading.title}"`
      : "sees it load";
  const steps: Step[] = [{ goto: path }];
  if (reading.heading) steps.push({ expect: { visible: reading.heading.locator } });
  else if (reading.title) steps.push({ expect: { title: reading.title } });
  steps.push({ screenshot: name });
  const doc = new Document({
    name,
    description: `A visitor opens ${path} and ${sees}.`,
    priority: input.priority,
    steps,
  });
  // Locators inline, as people write them: `expect: { visible: { role: heading, name: … } }`.
  const stepList = doc.get("steps");
  if (isSeq(stepList)) {
    for (const item of stepList.items) {
      if (!isMap(item)) continue;
      for (const pair of item.items) if (isMap(pair.value)) pair.value.flow = true;
    }
  }
  const text = `# Written by perceo init from ${reading.finalUrl}\n${doc.toString({ lineWidth: 0 })}`;
  const checked = parseFlowFile({ path: `${name}.yml`, text }, {}, false);
  if (!checked.flow) {
    throw new Error(
      `perceo init wrote a flow that does not validate (a bug): ${checked.issues.map((i) => i.message).join("; ")}`,
    );
  }
  return text;
}
