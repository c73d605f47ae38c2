import type { GraphModule, ModuleGraph } from "./module-graph.ts";

/*
 * The steps of the impact walk as small integers. A walk over a large repository takes a few hundred
 * thousand steps; a string key per step (built, hashed, split again) cost more than the walk itself.
 * Units, module loads and whole modules are numbered by arithmetic over the graph's modules; exports,
 * files outside the graph, members, markup tokens and changed ranges are numbered as the walk meets them.
 */

export type StepKind = "unit" | "export" | "load" | "file" | "member" | "token" | "origin";

/** Marks a step with no step before it (a seed). */
export const ROOT = -1;

export class ImpactSteps {
  /** The graph's modules, in the graph's order: a module's number is its position. */
  readonly modules: GraphModule[];
  readonly #numbers = new Map<string, number>();
  /** Module → its first unit's step; one more entry holds the number of units. */
  readonly #unitBase: Int32Array;
  /** Unit step → its module. */
  readonly #unitModule: Int32Array;
  readonly #loadBase: number;
  readonly #fileBase: number;
  readonly #namedBase: number;
  /** Export names by number, and (name number × modules + module) → export step: one map, not one per module. */
  readonly #exportNames = new Map<string, number>();
  readonly #exports = new Map<number, number>();
  /**
   * The imports that resolve to each module, grouped by module (`graph.importers` by number): module m's
   * importers are entries importerStart[m] to importerStart[m + 1] of importerModule and importerIndex.
   */
  readonly importerStart: Int32Array;
  readonly importerModule: Int32Array;
  readonly importerIndex: Int32Array;
  readonly #named = {
    file: new Map<string, number>(),
    member: new Map<string, number>(),
    token: new Map<string, number>(),
    origin: new Map<string, Map<string, number>>(),
  };
  /** Steps numbered as met: kind, module (or -1), name and file (or ""). */
  readonly #namedKind: StepKind[] = [];
  readonly #namedModule: number[] = [];
  readonly #namedName: string[] = [];
  readonly #namedFile: string[] = [];

  constructor(graph: ModuleGraph) {
    this.modules = [...graph.modules.values()];
    const count = this.modules.length;
    this.#unitBase = new Int32Array(count + 1);
    let units = 0;
    for (let m = 0; m < count; m++) {
      this.#numbers.set((this.modules[m] as GraphModule).file, m);
      this.#unitBase[m] = units;
      units += (this.modules[m] as GraphModule).facts.units.length;
    }
    this.#unitBase[count] = units;
    this.#unitModule = new Int32Array(units);
    for (let m = 0; m < count; m++) this.#unitModule.fill(m, this.#unitBase[m], this.#unitBase[m + 1]);
    this.#loadBase = units;
    this.#fileBase = units + count;
    this.#namedBase = units + 2 * count;

    this.importerStart = new Int32Array(count + 1);
    const targets: Array<readonly { file: string; index: number }[] | undefined> = new Array(count);
    for (const [file, list] of graph.importers) {
      const module = this.moduleOf(file);
      if (module !== -1) targets[module] = list;
    }
    let edges = 0;
    for (let m = 0; m < count; m++) {
      this.importerStart[m] = edges;
      edges += targets[m]?.length ?? 0;
    }
    this.importerStart[count] = edges;
    this.importerModule = new Int32Array(edges);
    this.importerIndex = new Int32Array(edges);
    for (let m = 0, e = 0; m < count; m++) {
      for (const { file, index } of targets[m] ?? []) {
        this.importerModule[e] = this.moduleOf(file);
        this.importerIndex[e++] = index;
      }
    }
  }

  /** How many steps are numbered so far. */
  get size(): number {
    return this.#namedBase + this.#namedKind.length;
  }

  /** A module's number, or -1 when the file is not in the graph. */
  moduleOf(file: string): number {
    return this.#numbers.get(file) ?? -1;
  }

  unit(module: number, index: number): number {
    return (this.#unitBase[module] as number) + index;
  }

  load(module: number): number {
    return this.#loadBase + module;
  }

  /** A whole file: a module of the graph, or a static file (image, font, removed module). */
  file(file: string): number {
    const module = this.moduleOf(file);
    if (module !== -1) return this.#fileBase + module;
    return this.#name(this.#named.file, "file", -1, file, file);
  }

  export(module: number, name: string): number {
    let nameNumber = this.#exportNames.get(name);
    if (nameNumber === undefined) {
      nameNumber = this.#exportNames.size;
      this.#exportNames.set(name, nameNumber);
    }
    const key = nameNumber * this.modules.length + module;
    const known = this.#exports.get(key);
    if (known !== undefined) return known;
    const step = this.#add("export", module, name, (this.modules[module] as GraphModule).file);
    this.#exports.set(key, step);
    return step;
  }

  member(name: string): number {
    return this.#name(this.#named.member, "member", -1, name);
  }

  token(name: string): number {
    return this.#name(this.#named.token, "token", -1, name);
  }

  /** Changed lines of a file, labelled `12` or `12-14`. */
  origin(file: string, label: string): number {
    let labels = this.#named.origin.get(file);
    if (!labels) {
      labels = new Map();
      this.#named.origin.set(file, labels);
    }
    return this.#name(labels, "origin", this.moduleOf(file), label, file);
  }

  /** The whole-file step, or -1 for a file outside the graph the walk never met. */
  findFile(file: string): number {
    const module = this.moduleOf(file);
    return module !== -1 ? this.#fileBase + module : (this.#named.file.get(file) ?? -1);
  }

  /** The numbered export step, or -1 when the walk never met it. */
  findExport(file: string, name: string): number {
    const module = this.moduleOf(file);
    const nameNumber = this.#exportNames.get(name);
    if (module === -1 || nameNumber === undefined) return -1;
    return this.#exports.get(nameNumber * this.modules.length + module) ?? -1;
  }

  /** The numbered member step, or -1 when the walk never met it. */
  findMember(name: string): number {
    return this.#named.member.get(name) ?? -1;
  }

  kind(step: number): StepKind {
    if (step < this.#loadBase) return "unit";
    if (step < this.#fileBase) return "load";
    if (step < this.#namedBase) return "file";
    return this.#namedKind[step - this.#namedBase] as StepKind;
  }

  /** The module a step belongs to, or -1 (members, tokens, static files, changed lines of a file outside the graph). */
  module(step: number): number {
    if (step < this.#loadBase) return this.#unitModule[step] as number;
    if (step < this.#fileBase) return step - this.#loadBase;
    if (step < this.#namedBase) return step - this.#fileBase;
    return this.#namedModule[step - this.#namedBase] as number;
  }

  /** A unit step's index among its module's units. */
  unitIndex(step: number): number {
    return step - (this.#unitBase[this.#unitModule[step] as number] as number);
  }

  /** The file a step is about, or "" for members and markup tokens. */
  fileOf(step: number): string {
    if (step >= this.#namedBase) return this.#namedFile[step - this.#namedBase] as string;
    return (this.modules[this.module(step)] as GraphModule).file;
  }

  /** An export's, member's or token's name, or a changed range's label. */
  nameOf(step: number): string {
    return step >= this.#namedBase ? (this.#namedName[step - this.#namedBase] as string) : "";
  }

  /** How a chain shows a step: `file:line`, `file#name`, `.member`, `markup "token"`. */
  describe(step: number): string {
    const file = this.fileOf(step);
    switch (this.kind(step)) {
      case "unit": {
        const unit = (this.modules[this.module(step)] as GraphModule).facts.units[this.unitIndex(step)];
        if (!unit) return file;
        return unit.label.startsWith("<") ? `${file}:${unit.start}` : `${file}#${unit.label}`;
      }
      case "export":
        return `${file}#${this.nameOf(step)}`;
      case "member":
        return `.${this.nameOf(step)}`;
      case "token":
        return `markup "${this.nameOf(step)}"`;
      case "origin":
        return this.nameOf(step) ? `${file}:${this.nameOf(step)}` : file;
      default:
        return file;
    }
  }

  #name(names: Map<string, number>, kind: StepKind, module: number, name: string, file = ""): number {
    const known = names.get(name);
    if (known !== undefined) return known;
    const step = this.#add(kind, module, name, file);
    names.set(name, step);
    return step;
  }

  #add(kind: StepKind, module: number, name: string, file: string): number {
    const step = this.#namedBase + this.#namedKind.length;
    this.#namedKind.push(kind);
    this.#namedModule.push(module);
    this.#namedName.push(name);
    this.#namedFile.push(file);
    return step;
  }
}
