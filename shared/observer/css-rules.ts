/*
 * Just enough of CSS to answer "which markup does this changed rule style": each rule's selectors
 * and line span, the custom properties it defines and uses, and its @import / url() references.
 */

export interface CssRule {
  selectors: string[];
  start: number;
  end: number;
  defines: string[];
  uses: string[];
  /** Inside @keyframes or @font-face: styles no element by selector. */
  atRule?: string;
}

export interface CssFacts {
  rules: CssRule[];
  imports: Array<{ specifier: string; line: number }>;
  urls: Array<{ specifier: string; line: number }>;
}

export function readCssFacts(text: string): CssFacts {
  const facts: CssFacts = { rules: [], imports: [], urls: [] };
  const clean = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "));
  let line = 1;
  let prelude = "";
  let preludeLine = 1;
  const stack: Array<{ rule?: CssRule; at?: string }> = [];
  let body = "";
  for (let i = 0; i < clean.length; i++) {
    const ch = clean[i] as string;
    if (ch === "\n") line++;
    const top = stack[stack.length - 1];
    if (ch === "{") {
      const head = prelude.trim();
      if (head.startsWith("@")) {
        const name = /^@([\w-]+)/.exec(head)?.[1] ?? "";
        if (name === "font-face" || name === "page") {
          const rule: CssRule = {
            selectors: [],
            start: preludeLine,
            end: line,
            defines: [],
            uses: [],
            atRule: name,
          };
          facts.rules.push(rule);
          stack.push({ rule });
        } else stack.push({ at: name });
      } else if (top?.at === "keyframes" || top?.at?.endsWith("keyframes")) {
        stack.push({});
      } else {
        const rule: CssRule = {
          selectors: splitSelectors(head),
          start: preludeLine,
          end: line,
          defines: [],
          uses: [],
          ...(top?.at ? { atRule: top.at } : {}),
        };
        facts.rules.push(rule);
        stack.push({ rule });
      }
      prelude = "";
      body = "";
      continue;
    }
    if (ch === "}") {
      const closed = stack.pop();
      if (closed?.rule) {
        closed.rule.end = line;
        readDeclarations(body, closed.rule);
      }
      prelude = "";
      body = "";
      continue;
    }
    if (ch === ";" && !top?.rule) {
      const statement = prelude.trim();
      const imported = /^@import\s+(?:url\()?\s*["']?([^"')\s]+)/.exec(statement);
      if (imported?.[1]) facts.imports.push({ specifier: imported[1], line: preludeLine });
      prelude = "";
      continue;
    }
    if (top?.rule) {
      body += ch;
      continue;
    }
    if (prelude.trim() === "" && !/\s/.test(ch)) preludeLine = line;
    prelude += ch;
  }
  let at = 1;
  for (const [index, row] of clean.split("\n").entries()) {
    at = index + 1;
    for (const match of row.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
      if (match[1] && !match[1].startsWith("data:")) facts.urls.push({ specifier: match[1], line: at });
    }
  }
  return facts;
}

function readDeclarations(body: string, rule: CssRule): void {
  for (const match of body.matchAll(/(--[\w-]+)\s*:/g)) if (match[1]) rule.defines.push(match[1]);
  for (const match of body.matchAll(/var\(\s*(--[\w-]+)/g)) if (match[1]) rule.uses.push(match[1]);
}

function splitSelectors(prelude: string): string[] {
  const selectors: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of prelude) {
    if (ch === "(" || ch === "[") depth++;
    if (ch === ")" || ch === "]") depth--;
    if (ch === "," && depth === 0) {
      selectors.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim()) selectors.push(current.trim());
  return selectors;
}

/**
 * The tokens that name the element a selector styles: classes, ids, data-* attributes and
 * data-testid values of its last compound that has any (`.site-header .cart-count` → cart-count).
 * Undefined when the selector has none (`body`, `h1 + p`): it may style any page.
 */
export function selectorTokens(selector: string): string[] | undefined {
  const compounds = selector
    .replace(/::?[\w-]+(\([^)]*\))?/g, (pseudo) => {
      const inner = /\((.*)\)/.exec(pseudo)?.[1];
      return /^:(not|has|where|is)/.test(pseudo) || !inner ? "" : ` ${inner}`;
    })
    .split(/\s*[\s>+~]\s*/)
    .filter(Boolean);
  for (let i = compounds.length - 1; i >= 0; i--) {
    const tokens = compoundTokens(compounds[i] as string);
    if (tokens.length > 0) return tokens;
  }
  return undefined;
}

function compoundTokens(compound: string): string[] {
  const tokens: string[] = [];
  for (const match of compound.matchAll(/[.#](-?[_a-zA-Z][\w-]*)/g)) if (match[1]) tokens.push(match[1]);
  for (const match of compound.matchAll(/\[\s*([\w-]+)\s*(?:[~|^$*]?=\s*["']?([^"'\]]*)["']?)?\s*\]/g)) {
    const [, name, value] = match;
    if (!name) continue;
    if ((name === "data-testid" || name === "id" || name === "class") && value) tokens.push(value);
    else if (name.startsWith("data-") && name !== "data-testid") tokens.push(name);
  }
  return tokens;
}

/** Whether markup text mentions a token as a whole word (class, id, attribute name or value). */
export function mentionsToken(text: string, token: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(token, from);
    if (at === -1) return false;
    const before = text[at - 1];
    const after = text[at + token.length];
    // `<button` and `</button>` name a tag, not the class "button".
    if ((before === undefined || !/[\w-</]/.test(before)) && (after === undefined || !/[\w-]/.test(after)))
      return true;
    from = at + 1;
  }
}
