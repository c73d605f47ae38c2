import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderJsonSchema } from "./json-schema.ts";

// `npm run schema`: regenerates perceo.schema.json at the repository root.
const target = fileURLToPath(new URL("../../perceo.schema.json", import.meta.url));
await writeFile(target, renderJsonSchema());
console.log(`wrote ${target}`);
