import { parseSync } from "oxc-parser";
import { lineIndex } from "../runner/line-index.ts";
import { bindingNames, langOf, type Unit } from "./module-facts.ts";

/*
 * Start-up code builds state once; requests read parts of it. When a change reaches a function the
 * app shell calls to build that state (`createShopState()` returning `{ accounts, orders, … }`), the
 * requests it can affect are the ones that read the parts the change flows into, not every request.
 * This follows the change through the function's statements to the properties of the object it
 * returns. Anything it cannot follow — the function writes outside itself, returns the tainted value
 * whole, or is not a plain function returning an object literal — answers "everything".
 */

type Node = { type: string; start: number; end: number; [key: string]: unknown };

/** What reaches the function: names it refers to, property names it reads, and lines changed inside it. */
export interface StateInflow {
  names: ReadonlySet<string>;
  members: ReadonlySet<string>;
  lines: ReadonlyArray<{ start: number; end: number }>;
}

/** The properties of the returned object the change flows into, or "all" when that cannot be told. */
export type StateOutflow = { members: string[] } | "all";

const SKIP = new Set([
  "type",
  "start",
  "end",
  "range",
  "loc",
  "typeAnnotation",
  "returnType",
  "typeParameters",
]);
const FUNCTION = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

export function stateMembersReached(
  file: string,
  text: string,
  unit: Unit,
  inflow: StateInflow,
): StateOutflow {
  const fn = findFunction(file, text, unit);
  if (!fn) return "all";
  const lineOf = lineIndex(text);
  const line = (offset: number) => lineOf(offset);
  const locals = new Set<string>();
  for (const param of fn.params as Node[]) patternNames(param, locals);
  const body = fn.body as Node;
  if (body.type !== "BlockStatement") return "all";

  // Leaf statements, each with the loop and branch headers around it (a tainted header taints its body).
  const leaves: Array<{ node: Node; headers: Node[] }> = [];
  const returns: Array<{ node: Node; headers: Node[] }> = [];
  const flatten = (node: Node | null | undefined, headers: Node[]): void => {
    if (!node) return;
    switch (node.type) {
      case "BlockStatement":
        for (const s of node.body as Node[]) flatten(s, headers);
        return;
      case "IfStatement":
        flatten(node.consequent as Node, [...headers, node.test as Node]);
        flatten(node.alternate as Node | null, [...headers, node.test as Node]);
        return;
      case "ForOfStatement":
      case "ForInStatement":
        patternNames(node.left as Node, locals);
        leaves.push({ node: node.left as Node, headers: [...headers, node.right as Node] });
        flatten(node.body as Node, [...headers, node.right as Node]);
        return;
      case "ForStatement":
      case "WhileStatement":
      case "DoWhileStatement": {
        const head = [node.init, node.test, node.update].filter(Boolean) as Node[];
        flatten(node.body as Node, [...headers, ...head]);
        for (const h of head) leaves.push({ node: h, headers });
        return;
      }
      case "TryStatement":
        flatten(node.block as Node, headers);
        patternNames((node.handler as Node | null)?.param as Node | undefined, locals);
        flatten((node.handler as Node | null)?.body as Node | undefined, headers);
        flatten(node.finalizer as Node | null, headers);
        return;
      case "ReturnStatement":
        returns.push({ node, headers });
        return;
      case "VariableDeclaration":
        for (const d of node.declarations as Node[]) patternNames(d.id as Node, locals);
        leaves.push({ node, headers });
        return;
      case "FunctionDeclaration":
        locals.add((node.id as Node).name as string);
        leaves.push({ node, headers });
        return;
      default:
        // A return inside a switch or label: not followed, so nothing can be said.
        if (containsReturn(node)) opaque = true;
        leaves.push({ node, headers });
    }
  };
  let opaque = false;
  flatten(body, []);
  if (opaque) return "all";
  if (returns.length === 0) return { members: [] };

  const tainted = new Set<string>();
  const readsTaint = (node: Node): boolean => {
    const seen = mentions(node);
    if ([...seen.names].some((n) => inflow.names.has(n) || tainted.has(n))) return true;
    if ([...seen.members].some((m) => inflow.members.has(m))) return true;
    const from = line(node.start);
    const to = line(Math.max(node.start, node.end - 1));
    return inflow.lines.some((r) => r.start <= to && r.end >= from);
  };
  // Taint spreads until nothing new is written by a statement that reads tainted data.
  for (let changed = true; changed; ) {
    changed = false;
    for (const leaf of leaves) {
      if (![leaf.node, ...leaf.headers].some(readsTaint)) continue;
      for (const name of writes(leaf.node)) {
        if (!locals.has(name)) return "all";
        if (!tainted.has(name)) {
          tainted.add(name);
          changed = true;
        }
      }
    }
  }

  const members = new Set<string>();
  for (const { node, headers } of returns) {
    let value = node.argument as Node | null;
    while (value && (value.type === "AwaitExpression" || value.type === "ParenthesizedExpression"))
      value = value.argument as Node;
    if (!value) continue;
    const guarded = headers.some(readsTaint);
    if (value.type !== "ObjectExpression") {
      if (guarded || readsTaint(value)) return "all";
      continue;
    }
    for (const property of value.properties as Node[]) {
      const key =
        property.type === "Property" && !property.computed ? keyName(property.key as Node) : undefined;
      const taints = guarded || readsTaint(property);
      if (!taints) continue;
      if (!key) return "all";
      members.add(key);
    }
  }
  return { members: [...members] };
}

function findFunction(file: string, text: string, unit: Unit): Node | undefined {
  if (unit.owner !== undefined || unit.names.length !== 1) return undefined;
  const lang = langOf(file) ?? "ts";
  let body: Node[];
  try {
    const result = parseSync(`x.${lang}`, text, { lang, sourceType: "module" });
    if (result.errors.some((e) => e.severity === "Error")) return undefined;
    body = (result.program as unknown as { body: Node[] }).body;
  } catch {
    return undefined;
  }
  const name = unit.names[0];
  for (let statement of body) {
    if (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration")
      statement = (statement.declaration as Node | null) ?? statement;
    if (FUNCTION.has(statement.type) && (statement.id as Node | null)?.name === name) return statement;
    if (statement.type === "VariableDeclaration") {
      for (const d of statement.declarations as Node[]) {
        const init = d.init as Node | null;
        if ((d.id as Node).name === name && init && FUNCTION.has(init.type)) return init;
      }
    }
  }
  return undefined;
}

/** Identifiers and property names a node mentions, including inside nested functions. */
function mentions(node: Node): { names: Set<string>; members: Set<string> } {
  const names = new Set<string>();
  const members = new Set<string>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    const n = value as Node;
    if (typeof n.type !== "string") return;
    if (n.type === "Identifier") names.add(n.name as string);
    if (n.type === "MemberExpression" && !n.computed) {
      const property = n.property as Node;
      members.add(property.type === "PrivateIdentifier" ? `#${property.name}` : (property.name as string));
      visit(n.object);
      return;
    }
    if (n.type === "Property" && !n.computed) {
      visit(n.value);
      return;
    }
    for (const key in n) if (!SKIP.has(key)) visit(n[key]);
  };
  visit(node);
  return { names, members };
}

/**
 * The variables a statement can change: what it declares or assigns, the objects it calls methods
 * on (`orders.add(…)`), and the variables it hands to a call (which may mutate them).
 */
function writes(node: Node): Set<string> {
  const out = new Set<string>();
  // Names a callback declares for itself; its writes to outer variables still count.
  const inner = new Set<string>();
  let depth = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    const n = value as Node;
    if (typeof n.type !== "string") return;
    switch (n.type) {
      case "FunctionDeclaration":
        out.add((n.id as Node).name as string);
        break;
      case "VariableDeclarator":
        patternNames(n.id as Node, depth > 0 ? inner : out);
        break;
      case "AssignmentExpression":
        rootNames(n.left as Node, out);
        break;
      case "UpdateExpression":
        rootNames(n.argument as Node, out);
        break;
      case "CallExpression":
      case "NewExpression": {
        const callee = n.callee as Node;
        if (callee.type === "MemberExpression") rootNames(callee.object as Node, out);
        for (const arg of n.arguments as Node[]) if (arg.type === "Identifier") out.add(arg.name as string);
        break;
      }
    }
    if (FUNCTION.has(n.type)) {
      depth++;
      for (const param of n.params as Node[]) patternNames(param, inner);
      visit(n.body);
      depth--;
      return;
    }
    for (const key in n) if (!SKIP.has(key)) visit(n[key]);
  };
  if (node.type === "Identifier" || node.type.endsWith("Pattern")) patternNames(node, out);
  else visit(node);
  for (const name of inner) out.delete(name);
  return out;
}

function containsReturn(node: unknown): boolean {
  if (!node || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some(containsReturn);
  const n = node as Node;
  if (n.type === "ReturnStatement") return true;
  if (FUNCTION.has(n.type)) return false;
  for (const key in n) if (!SKIP.has(key) && containsReturn(n[key])) return true;
  return false;
}

function rootNames(node: Node, into: Set<string>): void {
  let current: Node | undefined = node;
  while (current && (current.type === "MemberExpression" || current.type === "TSNonNullExpression"))
    current = (current.object ?? current.expression) as Node;
  if (current?.type === "Identifier") into.add(current.name as string);
  else if (current?.type === "ThisExpression") into.add("this");
  else if (current?.type.endsWith("Pattern")) patternNames(current, into);
}

function patternNames(pattern: Node | null | undefined, into: Set<string>): void {
  bindingNames(pattern, (name) => into.add(name));
}

function keyName(key: Node): string | undefined {
  if (key.type === "Identifier") return key.name as string;
  if (key.type === "Literal") return String(key.value);
  return undefined;
}
