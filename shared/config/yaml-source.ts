import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { ConfigIssue } from "./errors.ts";

export type PathSegment = string | number;

/** A parsed YAML file that can say where any value or key came from. */
export interface YamlSource {
  file: string;
  value: unknown;
  /** Line and column of the value at `path`; with `key`, of the key that names it. */
  locate(path: readonly PathSegment[], target?: "value" | "key"): { line: number; col: number };
  issue(path: readonly PathSegment[], message: string, target?: "value" | "key"): ConfigIssue;
}

export function parseYamlSource(file: string, text: string): { source: YamlSource; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    const firstLine = error.message.split("\n")[0] ?? error.message;
    return { file, line: pos.line, col: pos.col, message: `invalid YAML: ${firstLine}` };
  });
  const position = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };

  const locate: YamlSource["locate"] = (path, target = "value") => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let found: Node | null | undefined = node;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) break;
        if (i === path.length - 1 && target === "key" && isScalar(pair.key) && pair.key.range) {
          return position(pair.key.range[0]);
        }
        node = pair.value as Node | null;
        // `key:` with nothing after it has no value node; point at the key instead.
        if (!node && isScalar(pair.key) && pair.key.range) return position(pair.key.range[0]);
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment] as Node | null;
      } else {
        break;
      }
      if (node) found = node;
    }
    return found?.range ? position(found.range[0]) : { line: 1, col: 1 };
  };

  const value = issues.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });
  const source: YamlSource = {
    file,
    value,
    locate,
    issue: (path, message, target) => ({ file, ...locate(path, target), message }),
  };
  return { source, issues };
}
