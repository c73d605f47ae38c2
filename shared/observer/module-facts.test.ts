import { readFile } from "node:fs/promises";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { type ModuleFacts, readModuleFacts } from "./module-facts.ts";

const shop = path.resolve(import.meta.dirname, "../../examples/shop");
const facts = async (file: string) => readModuleFacts(file, await readFile(path.join(shop, file), "utf8"));

describe("module facts from the AST", () => {
  it("reads `export default` of an imported name as a re-export (a React Router route module's default component)", () => {
    const route = readModuleFacts(
      "app/routes/users+/$username_+/notes.new.tsx",
      'import { NoteEditor } from "./__note-editor.tsx"\nexport async function loader() { return {} }\nexport default NoteEditor\n',
    );
    expect(route.imports.find((i) => i.kind === "reexport")).toMatchObject({
      specifier: "./__note-editor.tsx",
      reexports: [{ exported: "default", imported: "NoteEditor" }],
    });
    expect(route.exports.has("default")).toBe(false);
  });

  it("splits an object literal into members, each with its own lines, and marks interfaces as types", async () => {
    const copy = await facts("src/copy.ts");
    const shopCopy = copy.units.find((u) => u.label === "ShopCopy");
    expect(shopCopy?.typeOnly).toBe(true);
    const addToCart = copy.units.find((u) => u.label === "defaultCopy.addToCart");
    expect(addToCart).toMatchObject({ key: "addToCart", literals: ["Add to cart"] });
    expect(addToCart?.start).toBe(addToCart?.end);
    expect(copy.exports.get("resolveCopy")).toBe("resolveCopy");
  });

  it("records what each unit reads: identifiers, property names and type-only imports apart", async () => {
    const button = await facts("src/components/add-to-cart-button.ts");
    expect(button.imports.find((i) => i.specifier === "../copy.ts")?.typeOnly).toBe(true);
    expect(button.imports.find((i) => i.specifier === "../state/cart.ts")).toMatchObject({
      typeOnly: false,
      bindings: [{ local: "MAX_QUANTITY", imported: "MAX_QUANTITY" }],
    });
    const render = button.units.find((u) => u.names.includes("renderAddToCart"));
    expect(render?.members.has("addToCart")).toBe(true);
    expect(render?.refs.has("MAX_QUANTITY")).toBe(true);
  });

  it("splits a class into its methods and keeps private fields as member names", async () => {
    const accounts = await facts("src/state/accounts.ts");
    const authenticate = accounts.units.find((u) => u.label === "AccountBook.authenticate");
    expect(authenticate?.owner).toBeDefined();
    expect([...(accounts.units.find((u) => u.label === "AccountBook.get")?.members ?? [])]).toContain(
      "#accounts",
    );
  });

  it("finds a browser script's DOM queries with the statement and function they govern", async () => {
    const cart = await facts("public/js/cart.js");
    expect(cart.units).toHaveLength(1);
    expect(cart.units[0]?.sideEffect).toBe(true);
    const forms = cart.domQueries.find((q) => q.selector === "form[data-add-to-cart]");
    expect(forms?.statement.start).toBe(forms?.line);
    expect(forms?.statement.end).toBeGreaterThan(forms?.line ?? 0);
    expect(forms?.scope).toEqual({ start: 4, end: 39 });
  });

  it("records dynamic imports, template imports, require and re-exports", () => {
    const text = [
      'export * from "./a.ts";',
      'export { b as c } from "./b.ts";',
      "export async function load(name) {",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
      "  const page = await import(`./pages/${name}.ts`);",
      '  const util = require("./util.cjs");',
      '  return [page, util, await import("./fixed.ts")];',
      "}",
    ].join("\n");
    const module = readModuleFacts("x.ts", text);
    expect(module.imports.map((i) => [i.kind, i.specifier])).toEqual([
      ["reexport", "./a.ts"],
      ["reexport", "./b.ts"],
      ["dynamic", "./pages/"],
      ["require", "./util.cjs"],
      ["dynamic", "./fixed.ts"],
    ]);
    expect(module.imports[2]?.pattern).toEqual({ prefix: "./pages/", suffix: ".ts" });
    expect(module.imports[1]?.reexports).toEqual([{ exported: "c", imported: "b" }]);
    expect(module.units.find((u) => u.names.includes("load"))?.loads).toEqual([2, 3, 4]);
  });

  it("a file that does not parse says so instead of guessing", () => {
    expect(readModuleFacts("x.ts", "export const = ;").parseError).toBeTruthy();
  });

  it("keeps no module's source alive through the names, strings and imports it keeps", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const filler = `// ${"x".repeat(200)}\n`.repeat(500);
    const kept: ModuleFacts[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 400; i++) {
      const text = [
        'import { renderSomethingLong } from "../components/something-long.ts";',
        `export function renderSomethingLong${i}() {`,
        '  return renderSomethingLong("a string literal long enough");',
        "}",
        filler,
      ].join("\n");
      kept.push(readModuleFacts(`m${i}.ts`, text, 0, new Map()));
    }
    gc();
    // 400 sources of 100 KB: 40 MB if the facts held slices of them.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
    expect(kept[399]?.units[0]?.literals).toEqual(["a string literal long enough"]);
  });
});
