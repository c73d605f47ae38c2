import { visitorKeys } from "oxc-parser";
import { lineIndex } from "../runner/line-index.ts";
import { parseProgram } from "./parse-program.ts";

/*
 * What the observer needs from one JavaScript or TypeScript module, read from oxc-parser's AST:
 * its imports (with the names they bind), its exports, and its "units" — top-level declarations and
 * statements, plus the members of top-level object literals and classes — each with the lines it
 * spans, the identifiers it refers to, the property names it reads and the strings it contains.
 */

export interface ImportBinding {
  local: string;
  /** The exported name it binds: a name, "default", or "*" for a namespace. */
  imported: string;
}

export interface ImportRecord {
  specifier: string;
  kind: "static" | "dynamic" | "require" | "reexport";
  typeOnly: boolean;
  bindings: ImportBinding[];
  /** For `export … from`: exported name → imported name ("*" for `export *`). */
  reexports: Array<{ exported: string; imported: string }>;
  line: number;
  /** The declaration's last line, when it spans several (`import {\n a,\n b\n} from`). */
  end?: number;
  /** Dynamic imports with a template: the text before and after the expression, to match files. */
  pattern?: { prefix: string; suffix: string };
}

export interface Unit {
  /** Declared names, or a label such as `<statement 3>` for a bare statement. */
  label: string;
  names: string[];
  start: number;
  end: number;
  /** Identifiers it mentions (a superset of the free ones: enough to follow changes). */
  refs: Set<string>;
  /** Property names it reads: `a.b`, `a["b"]`, `const { b } = a`. */
  members: Set<string>;
  /** String and template text, for asset references and markup tokens. */
  literals: string[];
  /** Imports it loads by itself (dynamic `import()` and `require`), as indexes into `imports`. */
  loads: number[];
  /** Runs when the module is loaded (a bare statement). */
  sideEffect: boolean;
  /** A type, interface or declaration: no runtime behaviour. */
  typeOnly: boolean;
  /** For a member of an object literal or class: the owning unit's index and the member's key. */
  owner?: number;
  key?: string;
}

export interface DomQuery {
  selector: string;
  line: number;
  /** The statement the query sits in, and the function around it: what its result governs. */
  statement: { start: number; end: number };
  scope: { start: number; end: number };
}

export interface ModuleFacts {
  imports: ImportRecord[];
  units: Unit[];
  /** Exported name → local binding name ("default" exports of expressions use the unit label). */
  exports: Map<string, string>;
  domQueries: DomQuery[];
  parseError?: string;
}

type Node = { type: string; start: number; end: number; [key: string]: unknown };
export type AstNode = Node;

const DOM_QUERIES = new Set([
  "querySelector",
  "querySelectorAll",
  "closest",
  "matches",
  "getElementById",
  "getElementsByClassName",
]);
const SKIP_KEYS = new Set([
  "type",
  "start",
  "end",
  "range",
  "loc",
  "typeAnnotation",
  "returnType",
  "typeParameters",
  "typeArguments",
  "superTypeArguments",
  "decorators",
]);
const TS_EXPRESSION_WRAPPERS = new Set([
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSNonNullExpression",
  "TSTypeAssertion",
  "TSInstantiationExpression",
]);
const TYPE_ONLY_DECLARATIONS = new Set([
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
  "TSImportEqualsDeclaration",
]);

export function langOf(path: string): "js" | "jsx" | "ts" | "tsx" | undefined {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "ts" || ext === "mts" || ext === "cts") return path.endsWith(".d.ts") ? undefined : "ts";
  if (ext === "tsx") return "tsx";
  if (ext === "jsx") return "jsx";
  if (ext === "js" || ext === "mjs" || ext === "cjs") return "js";
  return undefined;
}

/**
 * One string per distinct name across the modules of a graph. The impact walk compares names and
 * looks them up in sets many times over; equal names that are one string compare at once, and
 * twenty thousand modules' copies of the same names stop costing memory.
 */
export type NamePool = Map<string, string>;

/**
 * Parses a module; `lineOffset` shifts lines for scripts cut out of .vue/.svelte/.astro/.html files,
 * and `names` shares the names it finds with other modules'.
 */
export function readModuleFacts(path: string, text: string, lineOffset = 0, names?: NamePool): ModuleFacts {
  const lang = langOf(path) ?? "ts";
  let program: { body: Node[] };
  try {
    let result = parseProgram(lang, text);
    // React apps write JSX in .js files (Create React App, Next.js): read those as JSX.
    if (lang === "js" && result.errors.length > 0 && text.includes("<")) {
      const jsx = parseProgram("jsx", text);
      if (jsx.errors.length < result.errors.length) result = jsx;
    }
    if (result.errors.length > 0 && result.program.body.length === 0) {
      return emptyFacts(result.errors[0]?.message ?? "parse error");
    }
    program = result.program as unknown as { body: Node[] };
    if (result.errors.some((e) => e.severity === "Error")) {
      const facts = collectFacts(program.body, lineIndex(text), lineOffset, names);
      facts.parseError = result.errors[0]?.message ?? "parse error";
      return facts;
    }
  } catch (error) {
    return emptyFacts(error instanceof Error ? error.message : String(error));
  }
  return collectFacts(program.body, lineIndex(text), lineOffset, names);
}

/** Per node type, the keys that hold child nodes, less the type annotations (oxc's visitor keys). */
const CHILD_KEYS = new Map<string, readonly string[]>();

function childKeys(type: string, node: Node): readonly string[] {
  let keys = CHILD_KEYS.get(type);
  if (!keys) {
    const known = (visitorKeys as Record<string, readonly string[] | undefined>)[type];
    // A type oxc does not list (none known): every key, as a generic walk would.
    if (!known) return Object.keys(node).filter((key) => !SKIP_KEYS.has(key));
    keys = known.filter((key) => !SKIP_KEYS.has(key));
    CHILD_KEYS.set(type, keys);
  }
  return keys;
}

/** A node's child nodes (oxc's visitor keys, type annotations left out), for walks outside this module. */
export function astChildren(node: Node): Node[] {
  const children: Node[] = [];
  for (const key of childKeys(node.type, node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isAstNode(item)) children.push(item);
    } else if (isAstNode(value)) children.push(value);
  }
  return children;
}

export function isAstNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as Node).type === "string";
}

function emptyFacts(parseError: string): ModuleFacts {
  return { imports: [], units: [], exports: new Map(), domQueries: [], parseError };
}

interface Collector {
  refs: Set<string>;
  members: Set<string>;
  literals: string[];
  loads: number[];
}

function collectFacts(
  body: Node[],
  lineOf: (offset: number) => number,
  offset: number,
  pool: NamePool | undefined,
): ModuleFacts {
  const line = (at: number) => lineOf(at) + offset;
  const name = (value: string): string => {
    if (!pool) return detached(value);
    const known = pool.get(value);
    if (known !== undefined) return known;
    const own = detached(value);
    pool.set(own, own);
    return own;
  };
  const facts: ModuleFacts = { imports: [], units: [], exports: new Map(), domQueries: [] };
  const functionStack: Node[] = [];
  const statementStack: Node[] = [];

  const newUnit = (node: Node, label: string, names: string[], extra: Partial<Unit> = {}): Unit => ({
    label,
    names,
    start: line(node.start),
    end: line(Math.max(node.start, node.end - 1)),
    refs: new Set(),
    members: new Set(),
    literals: [],
    loads: [],
    sideEffect: false,
    typeOnly: false,
    ...extra,
  });

  const addImport = (record: Omit<ImportRecord, "line">, at: number, until?: number): number => {
    const first = line(at);
    const last = until === undefined ? first : line(Math.max(at, until - 1));
    facts.imports.push({ ...record, line: first, ...(last > first ? { end: last } : {}) });
    return facts.imports.length - 1;
  };

  const visit = (node: unknown, into: Collector): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, into);
      return;
    }
    const n = node as Node;
    const type = n.type;
    if (typeof type !== "string") return;
    if (TS_EXPRESSION_WRAPPERS.has(type)) {
      visit(n.expression, into);
      return;
    }
    if (type.startsWith("TS") && type !== "TSEnumDeclaration" && type !== "TSModuleDeclaration") return;
    switch (type) {
      case "Identifier":
        into.refs.add(name(n.name as string));
        return;
      case "JSXIdentifier": {
        const tag = n.name as string;
        if (/^[A-Z]/.test(tag)) into.refs.add(name(tag));
        return;
      }
      case "JSXMemberExpression": {
        // `<Icons.check />` reads the member `check` of `Icons`.
        visit(n.object, into);
        const property = n.property as Node;
        if (property.type === "JSXIdentifier") into.members.add(name(property.name as string));
        return;
      }
      case "JSXAttribute": {
        const name = n.name as Node;
        if (name.type === "JSXIdentifier") into.literals.push(name.name as string);
        visit(n.value, into);
        return;
      }
      case "JSXText":
        into.literals.push(n.value as string);
        return;
      case "Literal":
        if (typeof n.value === "string") into.literals.push(n.value);
        return;
      case "TemplateElement": {
        const value = n.value as { cooked: string | null; raw: string };
        into.literals.push(value.cooked ?? value.raw);
        return;
      }
      case "MemberExpression": {
        visit(n.object, into);
        const property = n.property as Node;
        if (!n.computed && property.type === "Identifier") into.members.add(name(property.name as string));
        else if (!n.computed && property.type === "PrivateIdentifier")
          into.members.add(name(`#${property.name}`));
        else {
          if (property.type === "Literal" && typeof property.value === "string")
            into.members.add(name(property.value));
          visit(property, into);
        }
        return;
      }
      case "Property": {
        if (n.computed) visit(n.key, into);
        visit(n.value, into);
        return;
      }
      case "ObjectPattern": {
        for (const p of n.properties as Node[]) {
          if (p.type === "Property") {
            const key = p.key as Node;
            if (!p.computed && key.type === "Identifier") into.members.add(name(key.name as string));
            else if (key.type === "Literal" && typeof key.value === "string")
              into.members.add(name(key.value));
          }
          visit(p, into);
        }
        return;
      }
      case "MethodDefinition":
      case "PropertyDefinition":
      case "AccessorProperty":
        if (n.computed) visit(n.key, into);
        visit(n.value, into);
        return;
      case "LabeledStatement":
        visit(n.body, into);
        return;
      case "BreakStatement":
      case "ContinueStatement":
        return;
      case "ImportExpression": {
        const index = dynamicImport(n.source as Node, n.start);
        if (index !== undefined) into.loads.push(index);
        else visit(n.source, into);
        return;
      }
      case "CallExpression": {
        const callee = n.callee as Node;
        const args = n.arguments as Node[];
        const first = args[0];
        if (callee.type === "Identifier" && callee.name === "require" && first) {
          const index = dynamicImport(first, n.start, "require");
          if (index !== undefined) {
            into.loads.push(index);
            return;
          }
        }
        if (callee.type === "MemberExpression" && !callee.computed) {
          const method = (callee.property as Node).name as string;
          if (DOM_QUERIES.has(method) && first?.type === "Literal" && typeof first.value === "string") {
            const statement = statementStack[statementStack.length - 1] ?? n;
            const scope = functionStack[functionStack.length - 1] ?? statement;
            const selector =
              method === "getElementById"
                ? `#${first.value}`
                : method === "getElementsByClassName"
                  ? first.value
                      .split(/\s+/)
                      .filter(Boolean)
                      .map((c) => `.${c}`)
                      .join("")
                  : first.value;
            facts.domQueries.push({
              selector,
              line: line(n.start),
              statement: { start: line(statement.start), end: line(statement.end - 1) },
              scope: { start: line(scope.start), end: line(scope.end - 1) },
            });
          }
        }
        break;
      }
    }
    const isFunction =
      type === "FunctionDeclaration" || type === "FunctionExpression" || type === "ArrowFunctionExpression";
    const isStatement = type.endsWith("Statement") || type === "VariableDeclaration";
    if (isFunction) functionStack.push(n);
    if (isStatement) statementStack.push(n);
    for (const key of childKeys(type, n)) {
      const child = n[key];
      if (child && typeof child === "object") visit(child, into);
    }
    if (isFunction) functionStack.pop();
    if (isStatement) statementStack.pop();
  };

  const dynamicImport = (
    source: Node,
    at: number,
    kind: "dynamic" | "require" = "dynamic",
  ): number | undefined => {
    if (source.type === "Literal" && typeof source.value === "string") {
      return addImport({ specifier: source.value, kind, typeOnly: false, bindings: [], reexports: [] }, at);
    }
    if (source.type === "TemplateLiteral") {
      const quasis = source.quasis as Array<{ value: { cooked: string | null; raw: string } }>;
      const prefix = quasis[0]?.value.cooked ?? "";
      const suffix = quasis[quasis.length - 1]?.value.cooked ?? "";
      if (prefix.startsWith(".") || prefix.startsWith("/") || prefix.startsWith("@")) {
        return addImport(
          {
            specifier: prefix,
            kind,
            typeOnly: false,
            bindings: [],
            reexports: [],
            pattern: { prefix, suffix },
          },
          at,
        );
      }
    }
    return undefined;
  };

  const pushUnit = (unit: Unit, walk: unknown): number => {
    facts.units.push(unit);
    if (!unit.typeOnly) visit(walk, unit);
    return facts.units.length - 1;
  };

  /** A declaration, with its object-literal or class members as units of their own. */
  const declare = (decl: Node, exported: boolean, index: number): void => {
    if (TYPE_ONLY_DECLARATIONS.has(decl.type) || decl.declare === true) {
      const id = decl.id as Node | undefined;
      pushUnit(newUnit(decl, (id?.name as string) ?? `<type ${index}>`, [], { typeOnly: true }), null);
      return;
    }
    const names = declaredNames(decl).map(name);
    if (exported) for (const name of names) facts.exports.set(name, name);
    const label = names.join(", ") || `<statement ${index + 1}>`;
    if (decl.type === "ClassDeclaration") {
      const owner = newUnit(decl, label, names);
      const ownerIndex = facts.units.push(owner) - 1;
      visit(decl.superClass, owner);
      for (const element of (decl.body as { body: Node[] }).body) {
        const key = element.key as Node | undefined;
        const keyName = !element.computed && key ? propertyName(key, name) : undefined;
        if (element.type === "MethodDefinition" && element.kind !== "constructor" && keyName) {
          pushUnit(newUnit(element, `${label}.${keyName}`, [], { owner: ownerIndex, key: keyName }), element);
        } else visit(element, owner);
      }
      return;
    }
    if (decl.type === "VariableDeclaration") {
      const declarators = decl.declarations as Node[];
      const only = declarators.length === 1 ? declarators[0] : undefined;
      const init = only ? unwrap(only.init as Node | null) : undefined;
      if (only && init?.type === "ObjectExpression") {
        const owner = newUnit(decl, label, names);
        const ownerIndex = facts.units.push(owner) - 1;
        visit(only.id, owner);
        for (const property of init.properties as Node[]) {
          const key = property.key as Node | undefined;
          const keyName =
            property.type === "Property" && !property.computed && key ? propertyName(key, name) : undefined;
          if (keyName) {
            pushUnit(
              newUnit(property, `${label}.${keyName}`, [], { owner: ownerIndex, key: keyName }),
              property.value,
            );
          } else visit(property, owner);
        }
        return;
      }
    }
    pushUnit(newUnit(decl, label, names), decl);
  };

  body.forEach((statement, index) => {
    statementStack.length = 0;
    functionStack.length = 0;
    switch (statement.type) {
      case "ImportDeclaration": {
        const typeOnly = statement.importKind === "type";
        const specifiers = (statement.specifiers as Node[]) ?? [];
        const bindings: ImportBinding[] = [];
        let allTypes = specifiers.length > 0;
        for (const s of specifiers) {
          const local = name((s.local as Node).name as string);
          if (s.type === "ImportDefaultSpecifier") bindings.push({ local, imported: "default" });
          else if (s.type === "ImportNamespaceSpecifier") bindings.push({ local, imported: "*" });
          else if (s.importKind !== "type")
            bindings.push({ local, imported: name(propertyName(s.imported as Node) ?? local) });
          if (s.importKind !== "type") allTypes = false;
        }
        addImport(
          {
            specifier: (statement.source as Node).value as string,
            kind: "static",
            typeOnly: typeOnly || allTypes,
            bindings,
            reexports: [],
          },
          statement.start,
          statement.end,
        );
        return;
      }
      case "ExportAllDeclaration": {
        const exported = statement.exported as Node | null;
        addImport(
          {
            specifier: (statement.source as Node).value as string,
            kind: "reexport",
            typeOnly: statement.exportKind === "type",
            bindings: [],
            reexports: [{ exported: exported ? name(propertyName(exported) ?? "*") : "*", imported: "*" }],
          },
          statement.start,
          statement.end,
        );
        return;
      }
      case "ExportNamedDeclaration": {
        const source = statement.source as Node | null;
        const specifiers = (statement.specifiers as Node[]) ?? [];
        if (source) {
          addImport(
            {
              specifier: source.value as string,
              kind: "reexport",
              typeOnly: statement.exportKind === "type",
              bindings: [],
              reexports: specifiers
                .filter((s) => s.exportKind !== "type")
                .map((s) => ({
                  exported: name(propertyName(s.exported as Node) ?? ""),
                  imported: name(propertyName(s.local as Node) ?? ""),
                })),
            },
            statement.start,
            statement.end,
          );
          return;
        }
        if (statement.declaration) {
          declare(statement.declaration as Node, true, index);
          return;
        }
        if (statement.exportKind === "type") return;
        for (const s of specifiers) {
          if (s.exportKind === "type") continue;
          const local = propertyName(s.local as Node);
          const exported = propertyName(s.exported as Node);
          if (local && exported) facts.exports.set(name(exported), name(local));
        }
        return;
      }
      case "ExportDefaultDeclaration": {
        const decl = statement.declaration as Node;
        const id = decl.id as Node | null | undefined;
        if ((decl.type === "FunctionDeclaration" || decl.type === "ClassDeclaration") && id) {
          facts.exports.set("default", name(id.name as string));
          declare(decl, false, index);
          return;
        }
        if (decl.type === "Identifier") {
          // `import { NoteEditor } from "./__note-editor"; export default NoteEditor`: a re-export.
          const local = name(decl.name as string);
          const from = facts.imports.find((r) => !r.typeOnly && r.bindings.some((b) => b.local === local));
          const imported = from?.bindings.find((b) => b.local === local)?.imported;
          if (from && imported && imported !== "*") {
            addImport(
              {
                specifier: from.specifier,
                kind: "reexport",
                typeOnly: false,
                bindings: [],
                reexports: [{ exported: name("default"), imported }],
              },
              statement.start,
            );
            return;
          }
          facts.exports.set("default", local);
          return;
        }
        facts.exports.set("default", "default");
        pushUnit(newUnit(statement, "default", ["default"]), decl);
        return;
      }
      case "TSExportAssignment":
      case "TSNamespaceExportDeclaration":
        return;
      default:
        if (
          statement.type.endsWith("Declaration") ||
          TYPE_ONLY_DECLARATIONS.has(statement.type) ||
          statement.type === "TSEnumDeclaration"
        ) {
          declare(statement, false, index);
          return;
        }
        pushUnit(newUnit(statement, `<statement ${index + 1}>`, [], { sideEffect: true }), statement);
    }
  });
  return compact(facts);
}

/**
 * A copy of a string that holds no other. oxc gives names and literals as slices of the module's
 * source, and V8 keeps the whole source alive for as long as a slice of 13 or more characters:
 * facts kept for 20,000 modules would keep their sources too (2,000 modules of 50 KB, each
 * declaring one long name: 107 MB of heap kept, against 10 MB with the names copied). Flattening a
 * concatenation copies the characters into a string of their own.
 */
function detached(value: string): string {
  return value.length < 13 ? value : ` ${value}`.slice(1);
}

const NO_STRINGS: string[] = [];
const NO_NUMBERS: number[] = [];
const NO_NAMES = new Set<string>();

/**
 * The facts of every module of a repository stay in memory for the whole selection: arrays grown by
 * push keep spare room and empty sets still cost a table. Exact-size copies, and one shared empty set
 * or array, halve what each module keeps (and what the garbage collector copies).
 */
function compact(facts: ModuleFacts): ModuleFacts {
  const units = facts.units.map(
    (u): Unit => ({
      label: u.label,
      names: u.names.length === 0 ? NO_STRINGS : u.names.slice(),
      start: u.start,
      end: u.end,
      refs: u.refs.size === 0 ? NO_NAMES : u.refs,
      members: u.members.size === 0 ? NO_NAMES : u.members,
      literals: u.literals.length === 0 ? NO_STRINGS : u.literals.map(detached),
      loads: u.loads.length === 0 ? NO_NUMBERS : u.loads.slice(),
      sideEffect: u.sideEffect,
      typeOnly: u.typeOnly,
      ...(u.owner !== undefined ? { owner: u.owner, ...(u.key !== undefined ? { key: u.key } : {}) } : {}),
    }),
  );
  return {
    imports: facts.imports.map((r) => ({
      ...r,
      specifier: detached(r.specifier),
      bindings: r.bindings.slice(),
      ...(r.pattern
        ? { pattern: { prefix: detached(r.pattern.prefix), suffix: detached(r.pattern.suffix) } }
        : {}),
    })),
    units,
    exports: facts.exports,
    domQueries:
      facts.domQueries.length === 0
        ? []
        : facts.domQueries.map((q) => ({ ...q, selector: detached(q.selector) })),
    ...(facts.parseError !== undefined ? { parseError: facts.parseError } : {}),
  };
}

function unwrap(node: Node | null | undefined): Node | undefined {
  let current = node ?? undefined;
  while (current && TS_EXPRESSION_WRAPPERS.has(current.type)) current = current.expression as Node;
  return current;
}

function propertyName(key: Node, name: (value: string) => string = (value) => value): string | undefined {
  if (key.type === "Identifier") return name(key.name as string);
  if (key.type === "Literal") return name(String(key.value));
  return undefined;
}

function declaredNames(decl: Node): string[] {
  const id = decl.id as Node | null | undefined;
  if (id?.type === "Identifier") return [id.name as string];
  if (decl.type === "VariableDeclaration") {
    const names: string[] = [];
    bindingNames(decl, (name) => names.push(name));
    return names;
  }
  return [];
}

/** Each name a binding pattern (or a variable declaration) declares: `{ a, b: [c], ...d } = …`. */
export function bindingNames(pattern: Node | null | undefined, add: (name: string) => void): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      add(pattern.name as string);
      return;
    case "ObjectPattern":
      for (const p of pattern.properties as Node[]) bindingNames((p.value ?? p.argument) as Node, add);
      return;
    case "ArrayPattern":
      for (const e of pattern.elements as Node[]) bindingNames(e, add);
      return;
    case "RestElement":
      bindingNames(pattern.argument as Node, add);
      return;
    case "AssignmentPattern":
      bindingNames(pattern.left as Node, add);
      return;
    case "VariableDeclaration":
      for (const d of pattern.declarations as Node[]) bindingNames(d.id as Node, add);
      return;
  }
}
