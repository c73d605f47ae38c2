/**
 * HTML built with the `html` tag escapes every interpolated value unless it is itself `Html`,
 * so user input (search terms, names, form values) can never become markup.
 */
const HTML = Symbol("html");

export interface Html {
  readonly [HTML]: true;
  readonly text: string;
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Marks text as already-safe markup. Only for strings this program wrote itself. */
export function trustedHtml(text: string): Html {
  return { [HTML]: true, text };
}

function isHtml(value: unknown): value is Html {
  return typeof value === "object" && value !== null && HTML in value;
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false || value === true) return "";
  if (isHtml(value)) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let text = strings[0] ?? "";
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? "");
  });
  return trustedHtml(text);
}

/** Embeds data for client scripts in a `<script type="application/json">` without letting it close the tag. */
export function jsonScript(id: string, data: unknown): Html {
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return trustedHtml(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}
