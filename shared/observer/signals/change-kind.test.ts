import { describe, expect, it } from "vitest";
import type { ChangedFile } from "../types.ts";
import { changeKindOf } from "./change-kind.ts";

const modified = (path: string, patch: string): ChangedFile => ({ path, status: "modified", patch });

describe("what a diff changes", () => {
  it.each([
    [
      "semicolons and quotes",
      "a.ts",
      "@@ -1,2 +1,2 @@\n-const a = 'x';\n-call(a);\n+const a = \"x\"\n+call(a)",
      "formatting",
    ],
    [
      "re-wrapped JSX",
      "a.tsx",
      "@@ -1,1 +1,3 @@\n-  return <div />;\n+  return (\n+    <div />\n+  );",
      "formatting",
    ],
    [
      "spaces trimmed inside a Svelte element: rendered text, not formatting",
      "Settings.svelte",
      '@@ -1,3 +1,3 @@\n <form>\n-\t<button class="btn"> Update Settings </button>\n+\t<button class="btn">Update Settings</button>\n </form>',
      "logic",
    ],
    [
      "a Svelte element's attributes re-wrapped, its text untouched",
      "Meta.svelte",
      '@@ -1,1 +1,4 @@\n-<a href="/profile" class="author">{name}</a>\n+<a\n+\thref="/profile"\n+\tclass="author">{name}</a\n+>',
      "formatting",
    ],
    [
      "classes reordered by a class sorter",
      "a.tsx",
      '@@ -1,1 +1,1 @@\n-  <pre className="whitespace-pre-wrap break-all text-body-lg [animation-delay:.5s]">\n+  <pre className="text-body-lg break-all whitespace-pre-wrap [animation-delay:0.5s]">',
      "formatting",
    ],
    [
      "a class replaced while others move",
      "a.tsx",
      '@@ -1,1 +1,1 @@\n-  <pre className="whitespace-pre-wrap break-all">\n+  <pre className="break-words whitespace-pre-wrap">',
      "styling",
    ],
    [
      "leading zeros and a space after @media in a stylesheet",
      "a.css",
      "@@ -1,2 +1,2 @@\n-a { transition: x cubic-bezier(.22, 1.28, .54, .99); }\n-@media(width >= 1400px) { a { color: red } }\n+a { transition: x cubic-bezier(0.22, 1.28, 0.54, 0.99); }\n+@media (width >= 1400px) { a { color: red } }",
      "formatting",
    ],
    [
      "a comment",
      "a.ts",
      "@@ -1,2 +1,2 @@\n-// old note\n+// new note, with a URL: https://example.com\n const a = 1",
      "comment",
    ],
    [
      "an import moved by a sorter (epic-stack's cache.server.ts)",
      "a.ts",
      "@@ -1,2 +1,3 @@\n import fs from 'node:fs'\n+import { DatabaseSync } from 'node:sqlite'\n import { z } from 'zod'\n@@ -13,3 +14,2 @@\n import { LRUCache } from 'lru-cache'\n-import { DatabaseSync } from 'node:sqlite'\n const a = 1",
      "formatting",
    ],
    [
      "an import added",
      "a.ts",
      "@@ -1,1 +1,2 @@\n import fs from 'node:fs'\n+import { DatabaseSync } from 'node:sqlite'",
      "logic",
    ],
    [
      "a side-effect import moved",
      "a.ts",
      "@@ -1,2 +1,2 @@\n-import './reset.css'\n import './app.css'\n+import './reset.css'",
      "logic",
    ],
    ["a JSX comment", "a.tsx", "@@ -1 +1 @@\n-      {/* old */}\n+      {/* new */}", "comment"],
    [
      "a class string",
      "a.tsx",
      '@@ -1 +1 @@\n-    <h1 className="font-extrabold text-3xl">\n+    <h1 className="text-3xl">',
      "styling",
    ],
    [
      "a cva() variant",
      "a.ts",
      '@@ -1 +1 @@\n-        default: "bg-primary text-primary-foreground",\n+        default: "bg-primary/90 text-primary-foreground",',
      "styling",
    ],
    [
      "a styled-components declaration",
      "a.ts",
      "@@ -1,3 +1,3 @@\n const Button = styled.button`\n-  padding: 4px 8px;\n+  padding: 6px 12px;\n `",
      "styling",
    ],
    [
      "a stylesheet rule",
      "a.module.css",
      "@@ -1 +1 @@\n-.title { color: red; }\n+.title { color: blue; }",
      "styling",
    ],
    ["a stylesheet comment", "a.css", "@@ -1 +1 @@\n-/* brand */\n+/* brand colours */", "comment"],
    [
      "a label",
      "a.tsx",
      "@@ -1 +1 @@\n-  <button>Add to cart</button>\n+  <button>Add to bag</button>",
      "copy",
    ],
    [
      "a UnoCSS attributify group",
      "a.vue",
      '@@ -1 +1 @@\n-  <div grid="~ cols-minmax-15rem" p4>\n+  <div grid="~ cols-minmax-10rem lg:cols-minmax-15rem" p4>',
      "styling",
    ],
    [
      "bare attributify utilities, one line become two",
      "a.vue",
      '@@ -1,2 +1,3 @@\n-      absolute bottom-0 left-0 px-10 justify-center\n+      absolute bottom-0 left-0 top-0 px-10\n+      flex="~ col" justify-center\n       lt-lg="p10"',
      "styling",
    ],
    [
      "a v-if added beside utilities",
      "a.vue",
      '@@ -1 +1 @@\n-  <span op50>·</span>\n+  <span v-if="item.date" op50>·</span>',
      "logic",
    ],
    [
      "a JSX prop named like an attributify group",
      "a.tsx",
      '@@ -1 +1 @@\n-  <Tip text="click here" />\n+  <Tip text="tap here" />',
      "copy",
    ],
    [
      "a newline at the end of the lockfile",
      "package-lock.json",
      "@@ -9,4 +9,4 @@\n     }\n   }\n-}\n\\ No newline at end of file\n+}",
      "formatting",
    ],
    ["a condition", "a.ts", "@@ -1 +1 @@\n-if (a > 1) go()\n+if (a >= 1) go()", "logic"],
    // Moving a line within a hunk changes the order things run in.
    ["a moved line", "a.ts", "@@ -1,3 +1,3 @@\n-save()\n return\n+save()", "logic"],
    [
      "parentheses that change precedence",
      "a.ts",
      "@@ -1 +1 @@\n-x = (a || b) && c\n+x = a || b && c",
      "logic",
    ],
  ] as const)("%s: %s", (_name, file, patch, kind) => {
    expect(changeKindOf(modified(file, patch)).kind).toBe(kind);
  });
});
