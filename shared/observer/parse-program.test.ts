import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseSync } from "oxc-parser";
import { describe, expect, it, vi } from "vitest";
import { parseProgram } from "./parse-program.ts";

const shop = path.resolve(import.meta.dirname, "../../examples/shop");

const throughParseSync = (lang: "js" | "jsx" | "ts" | "tsx", text: string) => {
  const result = parseSync(`x.${lang}`, text, {
    lang,
    sourceType: "unambiguous",
    experimentalRawTransfer: true,
  } as Parameters<typeof parseSync>[2]);
  return { program: result.program, errors: result.errors };
};

describe("parsing a module through oxc's raw transfer", () => {
  it("gives the program and errors oxc's parseSync gives, for TypeScript, JSX and non-ASCII text", async () => {
    const sources: Array<["js" | "jsx" | "ts" | "tsx", string]> = [
      ["ts", await readFile(path.join(shop, "src/copy.ts"), "utf8")],
      ["ts", await readFile(path.join(shop, "src/components/add-to-cart-button.ts"), "utf8")],
      [
        "tsx",
        'export const Price = ({ euros }: { euros: number }) => <span title="prix — €">{euros} €</span>;',
      ],
      [
        "js",
        "#!/usr/bin/env node\nconst { a } = require('./a');\nmodule.exports = () => import(\"./pages/\" + a);",
      ],
    ];
    for (const [lang, text] of sources) {
      const parsed = parseProgram(lang, text);
      expect(parsed.program.body.length).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(parsed))).toStrictEqual(
        JSON.parse(JSON.stringify(throughParseSync(lang, text))),
      );
    }
  });

  it("reports syntax errors with the part of the program it could read", () => {
    const text = "export const ok = 1;\nexport function broken( {\n";
    const parsed = parseProgram("ts", text);
    expect(parsed.errors.some((e) => e.severity === "Error")).toBe(true);
    expect(parsed.errors.map((e) => e.message)).toStrictEqual(
      throughParseSync("ts", text).errors.map((e) => e.message),
    );
  });

  it("returns plain properties, not getters that keep the tree reachable through the result", () => {
    const parsed = parseProgram("js", "export const a = 1;");
    for (const key of ["program", "errors"])
      expect(Object.getOwnPropertyDescriptor(parsed, key)).toHaveProperty("value");
  });

  it("parses the same without raw transfer, where the runtime has none", async () => {
    vi.resetModules();
    const parseSyncCalls: unknown[] = [];
    vi.doMock("oxc-parser", async (original) => {
      const oxc = await original<typeof import("oxc-parser")>();
      return {
        ...oxc,
        rawTransferSupported: () => false,
        parseSync: (...args: Parameters<typeof parseSync>) => {
          parseSyncCalls.push(args[2]);
          return oxc.parseSync(...args);
        },
      };
    });
    try {
      const { parseProgram: withoutRawTransfer } = await import("./parse-program.ts");
      const text = await readFile(path.join(shop, "src/copy.ts"), "utf8");
      expect(JSON.parse(JSON.stringify(withoutRawTransfer("ts", text)))).toStrictEqual(
        JSON.parse(JSON.stringify(throughParseSync("ts", text))),
      );
      expect(parseSyncCalls).toStrictEqual([{ lang: "ts", sourceType: "unambiguous" }]);
    } finally {
      vi.doUnmock("oxc-parser");
      vi.resetModules();
    }
  });
});
