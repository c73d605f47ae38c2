import { type AstNode, astChildren, isAstNode, langOf, parseProgram } from "../observer/index.ts";
import { lineIndex } from "../runner/line-index.ts";

/*
 * What a spec file says about each of its tests, read from oxc's AST: the URLs the test opens or
 * expects (`page.goto`, `toHaveURL`, `waitForURL`), the words it names (locators, expected text),
 * and the members of local modules it uses (page objects, fixtures, helpers). A test's own body,
 * the hooks around it and, transitively, the page-object methods and fixtures it calls all count.
 * Page-object calls are resolved by name, narrowed to the class when the variable was made with
 * `new SomePage(...)`: an over-approximation where names repeat, never a miss.
 */

type Node = AstNode;

/** A URL as a test names it: a path, the fixed start of a template, or a regular expression. */
export interface TestUrl {
  kind: "path" | "prefix" | "regex";
  value: string;
  /** Where it is written: file and 1-based line. */
  file: string;
  line: number;
}

/** What one function-like piece of code does, before following its calls. */
interface Facts {
  urls: TestUrl[];
  words: Set<string>;
  /** Identifiers it mentions: imported bindings, fixtures it destructures, helpers it calls. */
  names: Set<string>;
  /** `x.m(...)`, `this.m(...)`, `new C(...)` as `C.constructor`: class-qualified when known. */
  calls: Set<string>;
}

/** A named piece of a module: a function, a class method, an object property, a constant. */
interface Member {
  module: string;
  /** `Class.method` for class members, the plain name otherwise. */
  key: string;
  name: string;
  facts: Facts;
  line: number;
}

export interface ParsedModule {
  file: string;
  /** Relative imports: specifier and the local names they bind (type-only imports left out). */
  imports: Array<{ specifier: string; names: string[]; line: number }>;
  members: Member[];
  /** Calls of the form `<callee>(title, …, fn)` by the offset of their callee's last name. */
  calls: Map<number, Node>;
  program: Node;
  lineOf: (offset: number) => number;
  offsetOf: (line: number, column: number) => number;
  /** Hooks (beforeEach, beforeAll, afterEach, afterAll) with the range of the block they belong to. */
  hooks: Array<{ scope: { start: number; end: number }; facts: Facts }>;
  parseError?: string;
}

const HOOKS = new Set(["beforeEach", "beforeAll", "afterEach", "afterAll"]);
const URL_CALLS = new Set(["goto", "toHaveURL", "waitForURL"]);
function isFunction(node: Node | undefined): node is Node {
  return (
    node?.type === "ArrowFunctionExpression" ||
    node?.type === "FunctionExpression" ||
    node?.type === "FunctionDeclaration"
  );
}

function nameOf(node: unknown): string | undefined {
  if (!isAstNode(node)) return undefined;
  if (node.type === "Identifier" || node.type === "PrivateIdentifier") return node.name as string;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  return undefined;
}

/** Parses one module; a module oxc cannot parse comes back with `parseError` and no facts. */
export function parseModule(file: string, text: string): ParsedModule {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  const lineOf = lineIndex(text);
  const offsetOf = (line: number, column: number) => (starts[line - 1] ?? text.length) + column - 1;
  const empty: ParsedModule = {
    file,
    imports: [],
    members: [],
    calls: new Map(),
    program: { type: "Program", start: 0, end: text.length, body: [] },
    lineOf,
    offsetOf,
    hooks: [],
  };
  let program: Node;
  try {
    const result = parseProgram(langOf(file) ?? "ts", text);
    const error = result.errors.find((e) => e.severity === "Error");
    if (error) return { ...empty, parseError: error.message };
    program = result.program as unknown as Node;
  } catch (error) {
    return { ...empty, parseError: (error as Error).message };
  }
  const module: ParsedModule = { ...empty, program };
  for (const statement of program.body as Node[]) {
    if (statement.type !== "ImportDeclaration" || statement.importKind === "type") continue;
    const specifier = nameOf(statement.source);
    if (!specifier?.startsWith(".")) continue;
    const names = ((statement.specifiers as Node[]) ?? [])
      .filter((s) => s.importKind !== "type")
      .flatMap((s) => nameOf(s.local) ?? []);
    module.imports.push({ specifier, names, line: lineOf(statement.start) });
  }
  collectMembers(module, program);
  return module;
}

function collectMembers(module: ParsedModule, program: Node): void {
  const add = (key: string, name: string, node: Node, owner?: string) => {
    module.members.push({
      module: module.file,
      key,
      name,
      facts: collectFacts(node, module, owner),
      line: module.lineOf(node.start),
    });
  };
  const visit = (node: Node, className: string | undefined, scope: { start: number; end: number }) => {
    switch (node.type) {
      case "ClassDeclaration":
      case "ClassExpression": {
        const name = nameOf(node.id) ?? className;
        for (const child of astChildren(node)) visit(child, name, scope);
        return;
      }
      case "MethodDefinition":
      case "PropertyDefinition": {
        const key = nameOf(node.key);
        const value = node.value as Node | undefined;
        if (key && value && (node.type === "MethodDefinition" || isFunction(value))) {
          add(className ? `${className}.${key}` : key, key, value, className);
          return;
        }
        break;
      }
      case "Property": {
        const key = nameOf(node.key);
        const value = node.value as Node | undefined;
        if (key && isFunction(value)) add(key, key, value, className);
        break;
      }
      case "FunctionDeclaration": {
        const key = nameOf(node.id);
        if (key) add(key, key, node, className);
        break;
      }
      case "VariableDeclarator": {
        const key = nameOf(node.id);
        const init = node.init as Node | undefined;
        if (key && init && !isTestCall(init)) add(key, key, init, className);
        break;
      }
      case "CallExpression": {
        const callee = node.callee as Node;
        const last = callee.type === "MemberExpression" ? (callee.property as Node) : callee;
        if (callee.type === "MemberExpression" && HOOKS.has(nameOf(callee.property) ?? "")) {
          const fn = (node.arguments as Node[]).find(isFunction);
          if (fn) module.hooks.push({ scope, facts: collectFacts(fn, module, className) });
        }
        if ((node.arguments as Node[]).some(isFunction)) module.calls.set(last.start, node);
        break;
      }
    }
    const inner = isFunction(node) ? { start: node.start, end: node.end } : scope;
    for (const child of astChildren(node)) visit(child, className, inner);
  };
  visit(program, undefined, { start: program.start, end: program.end });
}

/** `test.extend(…)` and friends are not members anyone calls by name. */
function isTestCall(node: Node): boolean {
  return node.type === "CallExpression" && nameOf((node.callee as Node).property) === "extend";
}

function collectFacts(root: Node, module: ParsedModule, className: string | undefined): Facts {
  const facts: Facts = { urls: [], words: new Set(), names: new Set(), calls: new Set() };
  // Variables made with `new C(...)` in this piece of code: their methods are C's.
  const classOf = new Map<string, string>();
  const visit = (node: Node, inPattern = false) => {
    switch (node.type) {
      case "Identifier":
        facts.names.add(node.name as string);
        break;
      // `a.b`: only `a` is a name in scope; `{ b: 1 }` names nothing, but `({ b }) =>` asks for fixture b.
      case "MemberExpression":
        visit(node.object as Node);
        if (node.computed) visit(node.property as Node);
        return;
      case "Property":
        if (node.computed || inPattern) visit(node.key as Node);
        visit(node.value as Node, inPattern);
        return;
      case "ObjectPattern":
        for (const child of astChildren(node)) visit(child, true);
        return;
      case "Literal":
        if (typeof node.value === "string") addWord(facts, node.value);
        break;
      case "TemplateLiteral":
        for (const quasi of node.quasis as Node[])
          addWord(facts, (quasi.value as { cooked?: string }).cooked ?? "");
        break;
      case "VariableDeclarator": {
        const init = node.init as Node | undefined;
        const name = nameOf(node.id);
        const made = init?.type === "NewExpression" ? nameOf(init.callee) : undefined;
        if (name && made) classOf.set(name, made);
        break;
      }
      case "NewExpression": {
        const made = nameOf(node.callee);
        if (made) facts.calls.add(`${made}.constructor`);
        break;
      }
      case "CallExpression": {
        const callee = node.callee as Node;
        if (callee.type === "MemberExpression" && !callee.computed) {
          const method = nameOf(callee.property);
          const object = callee.object as Node;
          const owner =
            object.type === "ThisExpression"
              ? className
              : object.type === "Identifier"
                ? classOf.get(object.name as string)
                : undefined;
          if (method) facts.calls.add(owner ? `${owner}.${method}` : method);
          const first = (node.arguments as Node[])[0];
          if (method && URL_CALLS.has(method) && first)
            facts.urls.push(...urlsOf(first, module.file, module.lineOf(first.start)));
        }
        break;
      }
    }
    for (const child of astChildren(node)) visit(child, inPattern);
  };
  visit(root);
  return facts;
}

function addWord(facts: Facts, text: string): void {
  const word = text.trim();
  if (word.length > 1) facts.words.add(word);
}

/**
 * The URLs an argument can be: a string, a template (a placeholder filling a whole path segment
 * becomes one segment; one inside a segment cuts the URL there, leaving a prefix), a regular
 * expression, either side of `a ? b : c` or `a ?? b`.
 */
function urlsOf(node: Node, file: string, line: number): TestUrl[] {
  switch (node.type) {
    case "Literal": {
      const regex = node.regex as { pattern: string } | undefined;
      if (regex) return [{ kind: "regex", value: regex.pattern, file, line }];
      return typeof node.value === "string" ? [{ kind: "path", value: node.value, file, line }] : [];
    }
    case "ConditionalExpression":
      return [...urlsOf(node.consequent as Node, file, line), ...urlsOf(node.alternate as Node, file, line)];
    case "LogicalExpression":
      return [...urlsOf(node.left as Node, file, line), ...urlsOf(node.right as Node, file, line)];
    case "TemplateLiteral": {
      const quasis = (node.quasis as Node[]).map((q) => (q.value as { cooked?: string }).cooked ?? "");
      let text = quasis[0] ?? "";
      for (let i = 1; i < quasis.length; i++) {
        const next = quasis[i] ?? "";
        const wholeSegment = text.endsWith("/") && (next === "" || /^[/?#]/.test(next));
        if (!wholeSegment) return text ? [{ kind: "prefix", value: text, file, line }] : [];
        text += `x${next}`;
      }
      return [{ kind: "path", value: text, file, line }];
    }
    default:
      return [];
  }
}

/** What a test reaches: its URLs and words, and each member of another module it uses, with the import path to it. */
export interface TestReach {
  urls: TestUrl[];
  words: string[];
  /** Local modules the test depends on (other than its spec), each with the chain from the spec. */
  modules: Array<{ file: string; chain: string[] }>;
}

/**
 * Follows a test (the call `call` in `spec`) through the hooks around it and the members it calls,
 * in the spec and in the local modules it imports (`modules`, by file; `chains` gives the import
 * path from the spec to each). `fileLevel` are the modules every test of the spec depends on.
 */
export function reachOfTest(
  spec: ParsedModule,
  call: Node,
  modules: ReadonlyMap<string, ParsedModule>,
  chains: ReadonlyMap<string, string[]>,
  fileLevel: readonly string[],
): TestReach {
  const body = testBody(call);
  const pending: Facts[] = [
    collectFacts(body, spec, undefined),
    ...spec.hooks.filter((h) => within(call, h.scope)).map((h) => h.facts),
  ];
  const byKey = new Map<string, Member[]>();
  for (const member of [...spec.members, ...[...modules.values()].flatMap((m) => m.members)]) {
    for (const key of new Set([member.key, member.name])) {
      const list = byKey.get(key) ?? [];
      list.push(member);
      byKey.set(key, list);
    }
  }
  const urls: TestUrl[] = [];
  const words = new Set<string>();
  const reached = new Map<string, string[]>(fileLevel.map((file) => [file, chains.get(file) ?? [file]]));
  const seen = new Set<Member>();
  while (pending.length > 0) {
    const facts = pending.pop() as Facts;
    urls.push(...facts.urls);
    for (const word of facts.words) words.add(word);
    for (const key of [...facts.calls, ...facts.names]) {
      // `x.open()` on an object of unknown class: any member named open.
      const candidates =
        byKey.get(key) ?? (key.includes(".") ? byKey.get(key.slice(key.indexOf(".") + 1)) : undefined);
      for (const member of candidates ?? []) {
        if (seen.has(member)) continue;
        seen.add(member);
        pending.push(member.facts);
        if (member.module !== spec.file && !reached.has(member.module))
          reached.set(member.module, [...(chains.get(member.module) ?? [member.module]), `#${member.key}`]);
      }
    }
  }
  return {
    urls,
    words: [...words],
    modules: [...reached.entries()].map(([file, chain]) => ({ file, chain })),
  };
}

/** The function a test call runs (its last function argument). */
export function testBody(call: Node): Node {
  return (call.arguments as Node[]).filter(isFunction).at(-1) ?? call;
}

function within(node: Node, scope: { start: number; end: number }): boolean {
  return node.start >= scope.start && node.end <= scope.end;
}

/**
 * The spec's imports that bind a name used outside every test body, as `test` from a fixtures module
 * is (it is the callee of every test): all of the spec's tests depend on those.
 */
export function fileLevelImports(
  spec: ParsedModule,
  bodies: ReadonlyArray<{ start: number; end: number }>,
): Array<{ specifier: string; line: number }> {
  const outside = new Set<string>();
  const visit = (node: Node) => {
    if (node.type === "ImportDeclaration") return;
    if (bodies.some((b) => node.start >= b.start && node.end <= b.end)) return;
    if (node.type === "Identifier") outside.add(node.name as string);
    for (const child of astChildren(node)) visit(child);
  };
  visit(spec.program);
  return spec.imports.filter((i) => i.names.some((n) => outside.has(n)));
}
