import type { Page, Locator as PwLocator } from "playwright-core";
import type { Locator } from "../config/index.ts";

type LocatorObject = Exclude<Locator, string>;

/** Compiles a flow's locator to the Playwright user-facing locator a person would write by hand. */
export function compileLocator(page: Page, locator: Locator): PwLocator {
  const spec: LocatorObject = typeof locator === "string" ? { text: locator } : locator;
  const exact = spec.exact;
  let compiled: PwLocator;
  if ("role" in spec) {
    compiled = page.getByRole(spec.role, {
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(spec.level !== undefined ? { level: spec.level } : {}),
      ...(exact !== undefined ? { exact } : {}),
    });
  } else if ("text" in spec) compiled = page.getByText(spec.text, exactOption(exact));
  else if ("label" in spec) compiled = page.getByLabel(spec.label, exactOption(exact));
  else if ("placeholder" in spec) compiled = page.getByPlaceholder(spec.placeholder, exactOption(exact));
  else if ("testId" in spec) compiled = page.getByTestId(spec.testId);
  else compiled = page.locator(spec.css);
  return spec.nth !== undefined ? compiled.nth(spec.nth) : compiled;
}

function exactOption(exact: boolean | undefined) {
  return exact !== undefined ? { exact } : undefined;
}

/** How a person would name the element: button "Add to cart", field "Email", text "Welcome". */
export function describeLocator(locator: Locator): string {
  const spec: LocatorObject = typeof locator === "string" ? { text: locator } : locator;
  const nth = spec.nth !== undefined ? ` (#${spec.nth + 1})` : "";
  if ("role" in spec) return `${spec.role}${spec.name !== undefined ? ` "${spec.name}"` : ""}${nth}`;
  if ("text" in spec) return `text "${spec.text}"${nth}`;
  if ("label" in spec) return `field "${spec.label}"${nth}`;
  if ("placeholder" in spec) return `field with placeholder "${spec.placeholder}"${nth}`;
  if ("testId" in spec) return `test id "${spec.testId}"${nth}`;
  return `css "${spec.css}"${nth}`;
}
