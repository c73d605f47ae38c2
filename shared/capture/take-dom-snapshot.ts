import type { Page } from "playwright-core";
import type { DomSnapshot } from "../visual/index.ts";

/** Records what people read on the page: title, description, headings, buttons, links, images, forms, sections. */
export async function takeDomSnapshot(page: Page): Promise<DomSnapshot> {
  return page.evaluate(collectSnapshot);
}

// Runs in the page: self-contained, no imports.
function collectSnapshot(): DomSnapshot {
  const clean = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim();
  const visible = (el: Element) => {
    const rect = el.getBoundingClientRect();
    // 1×1 clipped boxes are the visually-hidden pattern (skip links, screen-reader text).
    if (rect.width <= 1 || rect.height <= 1) return false;
    // Off-screen tricks (skip links, visually-hidden text) are not read by sighted people.
    if (rect.right + scrollX <= 0 || rect.bottom + scrollY <= 0) return false;
    if (el.closest(".visually-hidden, .sr-only")) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0;
  };
  const boxOf = (el: Element) => {
    const r = el.getBoundingClientRect();
    return {
      x: Math.round(r.left + scrollX),
      y: Math.round(r.top + scrollY),
      width: Math.round(r.width),
      height: Math.round(r.height),
    };
  };
  const pathOf = (el: Element) => {
    const parts: string[] = [];
    let node: Element | null = el;
    while (node && node !== document.body && node.parentElement) {
      const tag = node.tagName.toLowerCase();
      const same = [...node.parentElement.children].filter((c) => c.tagName === node?.tagName);
      parts.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(node) + 1})` : tag);
      node = node.parentElement;
    }
    return parts.join(">");
  };
  const keyOf = (el: Element) => {
    const testId = el.getAttribute("data-testid");
    if (testId) return `[data-testid="${testId}"]`;
    return el.id ? `#${el.id}` : undefined;
  };
  const labelledBy = (el: Element) =>
    clean(
      (el.getAttribute("aria-labelledby") ?? "")
        .split(/\s+/)
        .map((id) => (id ? document.getElementById(id)?.textContent : ""))
        .join(" "),
    );
  const nameOf = (el: Element): string => {
    const aria = clean(el.getAttribute("aria-label")) || labelledBy(el);
    if (aria) return aria;
    if (el instanceof HTMLInputElement) return clean(el.value || el.placeholder);
    if (el instanceof HTMLImageElement) return clean(el.alt);
    // biome-ignore lint/performance/useDomNodeTextContent: people read the rendered text, not hidden nodes
    const text = clean((el as HTMLElement).innerText ?? el.textContent);
    if (text) return text;
    return clean(el.querySelector("img[alt]")?.getAttribute("alt") ?? el.getAttribute("title"));
  };
  const SECTION_SELECTOR =
    "header, nav, main > section, section, aside, footer, form, [role=banner], [role=navigation], [role=region], [role=alert], [role=status], [role=complementary], [role=contentinfo], [role=dialog], [class*=banner i], [id*=banner i]";
  const IMPLICIT_ROLES: Record<string, string> = {
    header: "banner",
    nav: "navigation",
    footer: "contentinfo",
    aside: "complementary",
    section: "region",
  };
  const LANDMARK_NAMES: Record<string, string> = { header: "Header", footer: "Footer" };
  const sectionName = (el: Element) => {
    const aria = clean(el.getAttribute("aria-label")) || labelledBy(el);
    if (aria) return aria;
    const landmark = LANDMARK_NAMES[el.tagName.toLowerCase()];
    if (landmark && el.parentElement === document.body) return landmark;
    const heading = el.querySelector("h1, h2, h3, h4, h5, h6");
    if (heading) return clean(heading.textContent);
    // biome-ignore lint/performance/useDomNodeTextContent: people read the rendered text, not hidden nodes
    return clean((el as HTMLElement).innerText).slice(0, 60);
  };
  const sectionOf = (el: Element) => {
    const owner = el.parentElement?.closest(SECTION_SELECTOR);
    return owner && owner.tagName !== "FORM" ? sectionName(owner) : "";
  };
  const STYLE_PROPS = ["color", "background-color", "border-color", "font-size", "font-weight"];
  const styleOf = (el: Element) => {
    const style = getComputedStyle(el);
    return Object.fromEntries(STYLE_PROPS.map((p) => [p, style.getPropertyValue(p)]));
  };

  const elements: DomSnapshot["elements"] = [];
  const add = (
    el: Element,
    entry: Omit<DomSnapshot["elements"][number], "tag" | "path" | "box" | "section">,
  ) => {
    const key = keyOf(el);
    elements.push({
      ...entry,
      tag: el.tagName.toLowerCase(),
      section: sectionOf(el),
      path: pathOf(el),
      box: boxOf(el),
      ...(key ? { key } : {}),
    });
  };
  const all = document.body.querySelectorAll(
    `${SECTION_SELECTOR}, h1, h2, h3, h4, h5, h6, [role=heading], button, [role=button], input[type=submit], input[type=button], a[href], img`,
  );
  for (const el of all) {
    if (!visible(el)) continue;
    const tag = el.tagName.toLowerCase();
    const role = el.getAttribute("role") ?? "";
    if (/^h[1-6]$/.test(tag) || role === "heading") {
      const level = Number(el.getAttribute("aria-level") ?? tag.slice(1)) || 2;
      add(el, { kind: "heading", text: nameOf(el), level, style: styleOf(el) });
    } else if (tag === "button" || role === "button" || tag === "input") {
      add(el, { kind: "button", text: nameOf(el), style: styleOf(el) });
    } else if (tag === "a") {
      const href = el.getAttribute("href") ?? "";
      const looksLikeButton = /\b(btn|button|cta)\b/i.test(el.className);
      add(el, {
        kind: looksLikeButton ? "cta" : "link",
        text: nameOf(el),
        href,
        ...(looksLikeButton ? { style: styleOf(el) } : {}),
      });
    } else if (tag === "img") {
      add(el, {
        kind: "image",
        text: clean((el as HTMLImageElement).alt),
        src: el.getAttribute("src") ?? "",
      });
    } else if (tag === "form") {
      const fields = [...el.querySelectorAll("input:not([type=hidden]), select, textarea")]
        .filter(visible)
        .map((field) => {
          const labels = (field as HTMLInputElement).labels;
          return (
            clean(labels?.[0]?.textContent) ||
            clean(field.getAttribute("aria-label")) ||
            clean(field.getAttribute("name"))
          );
        });
      add(el, { kind: "form", text: sectionName(el) || clean(el.getAttribute("action")), fields });
    } else {
      add(el, { kind: "section", text: sectionName(el), role: role || IMPLICIT_ROLES[tag] || "region" });
    }
  }
  return {
    url: location.href,
    title: clean(document.title),
    description: clean(document.querySelector('meta[name="description"]')?.getAttribute("content")),
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
    elements,
  };
}
