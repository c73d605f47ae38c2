import path from "node:path";
import { lineIndex } from "../../runner/line-index.ts";
import { langOf } from "../module-facts.ts";
import { parseProgram } from "../parse-program.ts";
import { normalizePattern, type RouteDef, type RouteEntry } from "./route.ts";

/*
 * Routes registered in code rather than by file name, found in the AST:
 * - objects with a path key and a handler key: `{ pattern: "/cart", handle: showCart }`,
 *   React Router's `{ path, element | Component | lazy, children }`;
 * - `app.get("/cart", showCart)` and the other HTTP methods (Express, Hono, Fastify, Koa routers);
 * - JSX `<Route path="/cart" element={<Cart />} />`;
 * - React Router's `routes.ts`: `route("cart", "routes/cart.tsx")`, `index(...)`, `layout(...)`.
 * Handlers name imports or local functions; each becomes a route entry.
 */

type Node = { type: string; start: number; end: number; [key: string]: unknown };

const PATH_KEYS = new Set(["path", "pattern", "route", "url"]);
const HANDLER_KEYS = new Set([
  "handle",
  "handler",
  "component",
  "Component",
  "element",
  "page",
  "view",
  "render",
  "loader",
  "action",
  "lazy",
  "controller",
]);
const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete", "all", "head", "options"]);
const CANDIDATE =
  /(path|pattern|route|url)\s*[:=]|\.(get|post|put|patch|delete|all)\s*\(\s*["'`]\/|<Route\b|\broute\s*\(/;

export type ResolveImport = (from: string, specifier: string) => string | undefined;

/** Whether a module's text may register routes (cheap filter before parsing). */
export function mayRegisterRoutes(text: string): boolean {
  return CANDIDATE.test(text);
}

export function findRouteRegistrations(file: string, text: string, resolve: ResolveImport): RouteDef[] {
  const lang = langOf(file) ?? "tsx";
  let program: { body: Node[] };
  try {
    program = parseProgram(lang, text).program as { body: Node[] };
  } catch {
    return [];
  }
  const lineOf = lineIndex(text);

  const imports = new Map<string, { file: string; name: string }>();
  const locals = new Set<string>();
  for (const statement of program.body) {
    if (statement.type === "ImportDeclaration" && statement.importKind !== "type") {
      const target = resolve(file, (statement.source as Node).value as string);
      if (!target) continue;
      for (const s of statement.specifiers as Node[]) {
        const local = (s.local as Node).name as string;
        const imported =
          s.type === "ImportDefaultSpecifier"
            ? "default"
            : s.type === "ImportNamespaceSpecifier"
              ? "*"
              : (((s.imported as Node).name ?? (s.imported as Node).value) as string);
        imports.set(local, { file: target, name: imported });
      }
    }
    const decl = (
      statement.type === "ExportNamedDeclaration" ? statement.declaration : statement
    ) as Node | null;
    if (decl?.type === "FunctionDeclaration" || decl?.type === "ClassDeclaration") {
      const id = decl.id as Node | null;
      if (id) locals.add(id.name as string);
    } else if (decl?.type === "VariableDeclaration") {
      for (const d of decl.declarations as Node[]) {
        const id = d.id as Node;
        if (id.type === "Identifier") locals.add(id.name as string);
      }
    }
  }

  const routes: RouteDef[] = [];
  const entriesOf = (node: unknown): RouteEntry[] => {
    const entries: RouteEntry[] = [];
    const seen = new Set<string>();
    const add = (entry: RouteEntry) => {
      const key = `${entry.file}#${entry.symbol ?? ""}`;
      if (!seen.has(key)) {
        seen.add(key);
        entries.push(entry);
      }
    };
    const walk = (n: unknown): void => {
      if (!n || typeof n !== "object") return;
      if (Array.isArray(n)) {
        n.forEach(walk);
        return;
      }
      const node = n as Node;
      if (
        node.type === "Identifier" ||
        (node.type === "JSXIdentifier" && /^[A-Z]/.test(node.name as string))
      ) {
        const name = node.name as string;
        const imported = imports.get(name);
        if (imported)
          add(
            imported.name === "*" ? { file: imported.file } : { file: imported.file, symbol: imported.name },
          );
        else if (locals.has(name)) add({ file, symbol: name });
        return;
      }
      if (node.type === "ImportExpression") {
        const source = node.source as Node;
        if (source.type === "Literal") {
          const target = resolve(file, source.value as string);
          if (target) add({ file: target });
        }
        return;
      }
      if (node.type === "MemberExpression") {
        walk(node.object);
        return;
      }
      for (const key in node) if (key !== "type" && key !== "start" && key !== "end") walk(node[key]);
    };
    walk(node);
    return entries;
  };
  const register = (pattern: string, handlers: unknown, at: Node, kind: RouteDef["kind"] = "page") => {
    const entries = entriesOf(handlers);
    const start = lineOf(at.start);
    routes.push({
      pattern: normalizePattern(pattern),
      entries,
      layouts: [],
      kind,
      source: `${file}:${start}`,
      host: file,
      span: { start, end: lineOf(Math.max(at.start, at.end - 1)) },
    });
  };
  const join = (parent: string, child: string) =>
    child.startsWith("/") ? child : `${parent.replace(/\/$/, "")}/${child}`;

  const stringOf = (node: Node | undefined): string | undefined =>
    node?.type === "Literal" && typeof node.value === "string"
      ? node.value
      : node?.type === "TemplateLiteral" && (node.expressions as unknown[]).length === 0
        ? ((node.quasis as Array<{ value: { cooked: string } }>)[0]?.value.cooked ?? undefined)
        : undefined;

  const visit = (n: unknown, base: string): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const child of n) visit(child, base);
      return;
    }
    const node = n as Node;
    if (node.type === "ObjectExpression") {
      const props = (node.properties as Node[]).filter((p) => p.type === "Property" && !p.computed);
      const keyOf = (p: Node) => ((p.key as Node).name ?? (p.key as Node).value) as string;
      const pathProp = props.find((p) => PATH_KEYS.has(keyOf(p)) && stringOf(p.value as Node) !== undefined);
      const handlers = props.filter((p) => HANDLER_KEYS.has(keyOf(p)));
      const children = props.find((p) => keyOf(p) === "children");
      const index = props.find((p) => keyOf(p) === "index");
      if ((pathProp || index) && (handlers.length > 0 || children)) {
        const own = pathProp ? join(base, stringOf(pathProp.value as Node) as string) : base;
        if (handlers.length > 0)
          register(
            own,
            handlers.map((h) => h.value),
            node,
          );
        if (children) visit(children.value, own);
        return;
      }
    }
    if (node.type === "CallExpression") {
      const callee = node.callee as Node;
      const args = node.arguments as Node[];
      const first = stringOf(args[0]);
      if (callee.type === "MemberExpression" && !callee.computed) {
        const method = (callee.property as Node).name as string;
        if (HTTP_METHODS.has(method) && first?.startsWith("/") && args.length > 1) {
          register(join(base, first), args.slice(1), node, method === "get" ? "page" : "endpoint");
          return;
        }
      }
      if (callee.type === "Identifier") {
        const fn = callee.name as string;
        const fileArg = (i: number) => {
          const value = stringOf(args[i]);
          return value && /\.(tsx|jsx|ts|js)$/.test(value) ? value : undefined;
        };
        const configRoute = (pattern: string, target: string | undefined, children?: Node) => {
          if (target) {
            const resolved = [
              path.posix.join(path.posix.dirname(file), target),
              path.posix.join(path.posix.dirname(file), "app", target),
            ].find((candidate) =>
              resolve(file, `./${path.posix.relative(path.posix.dirname(file), candidate)}`),
            );
            if (resolved) {
              const start = lineOf(node.start);
              routes.push({
                pattern: normalizePattern(pattern),
                entries: [{ file: resolved }],
                layouts: [],
                kind: "page",
                source: `${file}:${start}`,
                host: file,
                span: { start, end: lineOf(node.end - 1) },
              });
            }
          }
          if (children) visit(children, pattern);
        };
        if (fn === "route" && first !== undefined && fileArg(1)) {
          configRoute(join(base, first), fileArg(1), args[2]);
          return;
        }
        if (fn === "index" && fileArg(0)) {
          configRoute(base || "/", fileArg(0));
          return;
        }
        if (fn === "layout" && fileArg(0)) {
          configRoute(base || "/", fileArg(0), args[1]);
          return;
        }
        if (fn === "prefix" && first !== undefined) {
          visit(args[1], join(base, first));
          return;
        }
      }
    }
    if (node.type === "JSXElement") {
      const opening = node.openingElement as Node;
      const name = opening.name as Node;
      if (name.type === "JSXIdentifier" && name.name === "Route") {
        const attrs = (opening.attributes as Node[]).filter((a) => a.type === "JSXAttribute");
        const attr = (key: string) => attrs.find((a) => (a.name as Node).name === key);
        const pathAttr = attr("path");
        const own = pathAttr ? join(base, stringOf(pathAttr.value as Node) ?? "") : base;
        const handlers = attrs.filter((a) =>
          ["element", "component", "Component", "render", "lazy"].includes((a.name as Node).name as string),
        );
        if (handlers.length > 0 && (pathAttr || attr("index")))
          register(
            own,
            handlers.map((h) => h.value),
            node,
          );
        visit(node.children, own);
        return;
      }
    }
    for (const key in node) if (key !== "type" && key !== "start" && key !== "end") visit(node[key], base);
  };
  visit(program.body, "");
  return routes.filter((r) => r.entries.length > 0);
}
