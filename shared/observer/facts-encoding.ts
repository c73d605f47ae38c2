import type { CssFacts, CssRule } from "./css-rules.ts";
import type { CachedModule } from "./facts-cache.ts";
import type { DomQuery, ImportRecord, ModuleFacts, Unit } from "./module-facts.ts";

/*
 * Module facts as numbers: every string once in a table, everything else small integers in one
 * Int32Array. Twenty thousand modules' facts read back from this in a fraction of the time JSON
 * objects take, and the strings they share (a name exported by one module and used by ten) come
 * back as one string, not eleven.
 *
 * A module is a run of integers; a list is its length followed by its items; a string is its index
 * in the table; optional fields are announced by flag bits. FactsWriter and FactsReader below must
 * agree on the order, field by field.
 */

const KINDS = ["code", "markup", "style"] as const;
const IMPORT_KINDS = ["static", "dynamic", "require", "reexport"] as const;

// Module flags (the low two bits hold the kind).
const ROUTE_HINT = 4;
const HAS_CSS = 8;
const HAS_PARSE_ERROR = 16;
// Import flags.
const TYPE_ONLY = 1;
const HAS_PATTERN = 2;
const HAS_END = 4;
// Unit flags.
const SIDE_EFFECT = 1;
const UNIT_TYPE_ONLY = 2;
const HAS_OWNER = 4;
const HAS_KEY = 8;
// CSS rule flags.
const HAS_AT_RULE = 1;

// Most units name nothing, read no member and load nothing: they share one empty set or array.
const NO_NAMES: ReadonlySet<string> = new Set();
const NONE: never[] = [];

export class FactsWriter {
  readonly strings: string[] = [];
  readonly #ids = new Map<string, number>();
  #data = new Int32Array(1 << 16);
  #length = 0;

  /** Appends a module; returns where it starts. */
  write(module: CachedModule): number {
    const at = this.#length;
    const { facts, css } = module;
    this.#int(
      KINDS.indexOf(module.kind) |
        (module.routeHint ? ROUTE_HINT : 0) |
        (css ? HAS_CSS : 0) |
        (facts.parseError !== undefined ? HAS_PARSE_ERROR : 0),
    );
    if (facts.parseError !== undefined) this.#string(facts.parseError);
    this.#int(facts.imports.length);
    for (const record of facts.imports) {
      this.#string(record.specifier);
      this.#int(IMPORT_KINDS.indexOf(record.kind));
      this.#int(
        (record.typeOnly ? TYPE_ONLY : 0) |
          (record.pattern ? HAS_PATTERN : 0) |
          (record.end !== undefined ? HAS_END : 0),
      );
      this.#int(record.line);
      if (record.end !== undefined) this.#int(record.end);
      this.#int(record.bindings.length);
      for (const binding of record.bindings) {
        this.#string(binding.local);
        this.#string(binding.imported);
      }
      this.#int(record.reexports.length);
      for (const reexport of record.reexports) {
        this.#string(reexport.exported);
        this.#string(reexport.imported);
      }
      if (record.pattern) {
        this.#string(record.pattern.prefix);
        this.#string(record.pattern.suffix);
      }
    }
    this.#int(facts.units.length);
    for (const unit of facts.units) {
      this.#string(unit.label);
      this.#int(
        (unit.sideEffect ? SIDE_EFFECT : 0) |
          (unit.typeOnly ? UNIT_TYPE_ONLY : 0) |
          (unit.owner !== undefined ? HAS_OWNER : 0) |
          (unit.key !== undefined ? HAS_KEY : 0),
      );
      this.#int(unit.start);
      this.#int(unit.end);
      if (unit.owner !== undefined) this.#int(unit.owner);
      if (unit.key !== undefined) this.#string(unit.key);
      this.#strings(unit.names);
      this.#strings(unit.refs);
      this.#strings(unit.members);
      this.#strings(unit.literals);
      this.#int(unit.loads.length);
      for (const load of unit.loads) this.#int(load);
    }
    this.#int(facts.exports.size);
    for (const [exported, local] of facts.exports) {
      this.#string(exported);
      this.#string(local);
    }
    this.#int(facts.domQueries.length);
    for (const query of facts.domQueries) {
      this.#string(query.selector);
      this.#int(query.line);
      this.#int(query.statement.start);
      this.#int(query.statement.end);
      this.#int(query.scope.start);
      this.#int(query.scope.end);
    }
    if (css) this.#css(css);
    return at;
  }

  /** The integers written so far. */
  data(): Int32Array {
    return this.#data.subarray(0, this.#length);
  }

  #css(css: CssFacts): void {
    this.#int(css.rules.length);
    for (const rule of css.rules) {
      this.#int(rule.atRule !== undefined ? HAS_AT_RULE : 0);
      this.#strings(rule.selectors);
      this.#int(rule.start);
      this.#int(rule.end);
      this.#strings(rule.defines);
      this.#strings(rule.uses);
      if (rule.atRule !== undefined) this.#string(rule.atRule);
    }
    for (const list of [css.imports, css.urls]) {
      this.#int(list.length);
      for (const reference of list) {
        this.#string(reference.specifier);
        this.#int(reference.line);
      }
    }
  }

  #strings(values: readonly string[] | ReadonlySet<string>): void {
    this.#int("size" in values ? values.size : values.length);
    for (const value of values) this.#string(value);
  }

  #string(value: string): void {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.strings.push(value) - 1;
      this.#ids.set(value, id);
    }
    this.#int(id);
  }

  #int(value: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Int32Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value;
  }
}

export class FactsReader {
  readonly #strings: readonly string[];
  readonly #data: Int32Array;
  #at = 0;

  constructor(strings: readonly string[], data: Int32Array) {
    this.#strings = strings;
    this.#data = data;
  }

  /** The module written at `offset`. */
  read(offset: number): CachedModule {
    this.#at = offset;
    const flags = this.#int();
    const kind = KINDS[flags & 3];
    if (!kind) throw new Error(`facts cache: no module at ${offset}`);
    const parseError = flags & HAS_PARSE_ERROR ? this.#string() : undefined;
    const imports: ImportRecord[] = new Array(this.#int());
    for (let i = 0; i < imports.length; i++) {
      const specifier = this.#string();
      const importKind = IMPORT_KINDS[this.#int()] as ImportRecord["kind"];
      const importFlags = this.#int();
      const line = this.#int();
      const end = importFlags & HAS_END ? this.#int() : undefined;
      const bindingCount = this.#int();
      const bindings: ImportRecord["bindings"] = bindingCount === 0 ? NONE : new Array(bindingCount);
      for (let b = 0; b < bindingCount; b++)
        bindings[b] = { local: this.#string(), imported: this.#string() };
      const reexportCount = this.#int();
      const reexports: ImportRecord["reexports"] = reexportCount === 0 ? NONE : new Array(reexportCount);
      for (let r = 0; r < reexportCount; r++)
        reexports[r] = { exported: this.#string(), imported: this.#string() };
      const record: ImportRecord = {
        specifier,
        kind: importKind,
        typeOnly: (importFlags & TYPE_ONLY) !== 0,
        bindings,
        reexports,
        line,
        ...(end !== undefined ? { end } : {}),
      };
      if (importFlags & HAS_PATTERN) record.pattern = { prefix: this.#string(), suffix: this.#string() };
      imports[i] = record;
    }
    const units: Unit[] = new Array(this.#int());
    for (let u = 0; u < units.length; u++) {
      const label = this.#string();
      const unitFlags = this.#int();
      const start = this.#int();
      const end = this.#int();
      const owner = unitFlags & HAS_OWNER ? this.#int() : undefined;
      const key = unitFlags & HAS_KEY ? this.#string() : undefined;
      const unit: Unit = {
        label,
        names: this.#stringList(),
        start,
        end,
        refs: this.#stringSet(),
        members: this.#stringSet(),
        literals: this.#stringList(),
        loads: this.#intList(),
        sideEffect: (unitFlags & SIDE_EFFECT) !== 0,
        typeOnly: (unitFlags & UNIT_TYPE_ONLY) !== 0,
      };
      if (owner !== undefined) unit.owner = owner;
      if (key !== undefined) unit.key = key;
      units[u] = unit;
    }
    const exports = new Map<string, string>();
    for (let e = this.#int(); e > 0; e--) exports.set(this.#string(), this.#string());
    const domQueries: DomQuery[] = new Array(this.#int());
    for (let q = 0; q < domQueries.length; q++) {
      domQueries[q] = {
        selector: this.#string(),
        line: this.#int(),
        statement: { start: this.#int(), end: this.#int() },
        scope: { start: this.#int(), end: this.#int() },
      };
    }
    const facts: ModuleFacts = { imports, units, exports, domQueries };
    if (parseError !== undefined) facts.parseError = parseError;
    const module: CachedModule = { kind, facts, routeHint: (flags & ROUTE_HINT) !== 0 };
    if (flags & HAS_CSS) module.css = this.#css();
    return module;
  }

  #css(): CssFacts {
    const rules: CssRule[] = new Array(this.#int());
    for (let r = 0; r < rules.length; r++) {
      const ruleFlags = this.#int();
      const rule: CssRule = {
        selectors: this.#stringList(),
        start: this.#int(),
        end: this.#int(),
        defines: this.#stringList(),
        uses: this.#stringList(),
      };
      if (ruleFlags & HAS_AT_RULE) rule.atRule = this.#string();
      rules[r] = rule;
    }
    const references = () => {
      const list: CssFacts["imports"] = new Array(this.#int());
      for (let i = 0; i < list.length; i++) list[i] = { specifier: this.#string(), line: this.#int() };
      return list;
    };
    const imports = references();
    return { rules, imports, urls: references() };
  }

  #stringList(): string[] {
    const count = this.#int();
    if (count === 0) return NONE;
    const list: string[] = new Array(count);
    for (let i = 0; i < list.length; i++) list[i] = this.#string();
    return list;
  }

  #stringSet(): Set<string> {
    const count = this.#int();
    if (count === 0) return NO_NAMES as Set<string>;
    const set = new Set<string>();
    for (let i = 0; i < count; i++) set.add(this.#string());
    return set;
  }

  #intList(): number[] {
    const count = this.#int();
    if (count === 0) return NONE;
    const list: number[] = new Array(count);
    for (let i = 0; i < list.length; i++) list[i] = this.#int();
    return list;
  }

  #string(): string {
    const value = this.#strings[this.#int()];
    if (value === undefined) throw new Error("facts cache: a string index out of range");
    return value;
  }

  #int(): number {
    if (this.#at >= this.#data.length) throw new Error("facts cache: data ends early");
    return this.#data[this.#at++] as number;
  }
}
