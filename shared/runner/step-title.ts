import type { Step, TextMatcher } from "../config/index.ts";
import { describeLocator } from "./locator.ts";

/** What a report shows for a step: its own name, or one made from what it does. */
export function stepTitle(step: Step): string {
  if (step.name) return step.name;
  if ("ai" in step) return `ai "${step.ai}"`;
  if ("goto" in step) return `go to ${step.goto}`;
  if ("click" in step) return `click ${describeLocator(step.click)}`;
  if ("fill" in step) {
    const fields = Array.isArray(step.fill) ? step.fill : [step.fill];
    return `fill ${fields.map((f) => describeLocator(f)).join(", ")}`;
  }
  if ("select" in step)
    return `select "${[step.select.option].flat().join(", ")}" in ${describeLocator(step.select)}`;
  if ("check" in step) return `check ${describeLocator(step.check)}`;
  if ("uncheck" in step) return `uncheck ${describeLocator(step.uncheck)}`;
  if ("press" in step) {
    return typeof step.press === "string"
      ? `press ${step.press}`
      : `press ${step.press.key} in ${describeLocator(step.press)}`;
  }
  if ("hover" in step) return `hover ${describeLocator(step.hover)}`;
  if ("waitFor" in step) {
    const w = step.waitFor;
    return "url" in w && typeof w.url !== "undefined" && !("role" in w)
      ? `wait for URL ${describeMatcher(w.url as TextMatcher)}`
      : `wait for ${describeLocator(w as never)}${"state" in w && w.state ? ` ${w.state}` : ""}`;
  }
  if ("expect" in step) {
    const e = step.expect;
    if ("visible" in e) return `expect ${describeLocator(e.visible)} visible`;
    if ("hidden" in e) return `expect ${describeLocator(e.hidden)} hidden`;
    if ("enabled" in e) return `expect ${describeLocator(e.enabled)} enabled`;
    if ("disabled" in e) return `expect ${describeLocator(e.disabled)} disabled`;
    if ("url" in e) return `expect URL ${describeMatcher(e.url)}`;
    if ("title" in e) return `expect title ${describeMatcher(e.title)}`;
    if ("text" in e) return `expect ${describeLocator(e.element)} text ${describeMatcher(e.text)}`;
    if ("value" in e) return `expect ${describeLocator(e.element)} value ${describeMatcher(e.value)}`;
    return `expect ${e.count} × ${describeLocator(e.element)}`;
  }
  return `screenshot "${typeof step.screenshot === "string" ? step.screenshot : step.screenshot.name}"`;
}

export function describeMatcher(matcher: TextMatcher): string {
  if (typeof matcher === "string") return `= "${matcher}"`;
  if ("equals" in matcher) return `= "${matcher.equals}"`;
  if ("contains" in matcher) return `contains "${matcher.contains}"`;
  return `matches /${matcher.matches}/`;
}

export function stepAction(step: Step): string {
  return Object.keys(step).find((k) => k !== "name" && k !== "timeout" && k !== "optional") ?? "unknown";
}
