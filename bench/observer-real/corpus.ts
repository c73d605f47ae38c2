import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/*
 * The real-app corpus: per app, a folder with app.yml (pinned commits and their ground truth),
 * config.yml and flows/*.yml (copied into the app's .perceo/ at run time). The apps' own files are
 * not kept in this repository: extract.ts builds one git bundle per app from a copy of its public
 * history (the pinned commits and their parents only) into the cache, and the benchmark reads
 * nothing else.
 */

export const CORPUS_DIR = import.meta.dirname;

const KINDS = [
  "layout",
  "styling",
  "copy",
  "content",
  "logic",
  "formatting",
  "types",
  "metadata",
  "config",
  "deps",
] as const;

const flowList = z.union([z.literal("all"), z.array(z.string().min(1))]);

const commitSchema = z.strictObject({
  sha: z.string().regex(/^[0-9a-f]{40}$/, "a full 40-character commit id"),
  kind: z.enum(KINDS),
  why: z.string().min(10),
  /** Flows whose route exists neither at the parent nor at the commit. */
  absent: z.array(z.string()).optional(),
  /** The commit changes a file every page depends on; says which. */
  global: z.string().optional(),
  reaches: flowList,
  changes: flowList,
});

const appSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  license: z.string(),
  framework: z.string(),
  /** Folder of the app inside the repository ("" for the root): where .perceo/ goes. */
  projectDir: z.string().default(""),
  commits: z.array(commitSchema).min(1),
});

export interface TruthCommit {
  sha: string;
  kind: (typeof KINDS)[number];
  why: string;
  global?: string;
  reaches: string[];
  changes: string[];
}

export interface CorpusApp {
  name: string;
  repository: string;
  license: string;
  framework: string;
  projectDir: string;
  dir: string;
  /** Flow names, from flows/*.yml. */
  flows: string[];
  commits: TruthCommit[];
}

/** Every app of the corpus, validated: ground truth names only the app's flows, each commit once. */
export function loadCorpus(dir = CORPUS_DIR): CorpusApp[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => loadApp(path.join(dir, e.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function loadApp(dir: string): CorpusApp {
  const file = path.join(dir, "app.yml");
  const parsed = appSchema.safeParse(parseYaml(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  const app = parsed.data;
  const flows = readdirSync(path.join(dir, "flows"))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => f.replace(/\.yml$/, ""))
    .sort();
  const seen = new Set<string>();
  const commits = app.commits.map((c): TruthCommit => {
    const where = `${file}: commit ${c.sha.slice(0, 7)}`;
    if (seen.has(c.sha)) throw new Error(`${where} is listed twice`);
    seen.add(c.sha);
    for (const name of [
      ...(c.absent ?? []),
      ...(c.reaches === "all" ? [] : c.reaches),
      ...(c.changes === "all" ? [] : c.changes),
    ])
      if (!flows.includes(name)) throw new Error(`${where} names ${name}, which is not in flows/`);
    const present = flows.filter((f) => !c.absent?.includes(f));
    const reaches = c.reaches === "all" ? present : [...new Set(c.reaches)];
    const changes = c.changes === "all" ? reaches : [...new Set(c.changes)];
    for (const name of changes)
      if (!reaches.includes(name)) throw new Error(`${where}: ${name} changes visibly but is not in reaches`);
    for (const name of reaches)
      if (c.absent?.includes(name)) throw new Error(`${where}: ${name} is both absent and reached`);
    return {
      sha: c.sha,
      kind: c.kind,
      why: c.why,
      ...(c.global ? { global: c.global } : {}),
      reaches,
      changes,
    };
  });
  return { ...app, dir, flows, commits };
}

/** Where extract.ts writes an app's bundle and the benchmark reads it. */
export function bundlePath(app: string, env: NodeJS.ProcessEnv = process.env): string {
  const cache =
    env.PERCEO_CORPUS_DIR ??
    path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "perceo", "observer-real");
  return path.join(cache, `${app}.bundle`);
}

/** The tag a pinned commit has in its app's bundle; its parent is `${tag}^`. */
export function pinTag(sha: string): string {
  return `pin-${sha}`;
}

const pinsSchema = z.array(
  z.strictObject({
    sha: z.string(),
    parent: z.string(),
    date: z.string(),
    subject: z.string(),
    /** `git diff --name-status` lines: "M path". */
    files: z.array(z.string()),
  }),
);
export type Pin = z.infer<typeof pinsSchema>[number];

/** What extract.ts recorded of each pinned commit in the app's own history (pins.yml). */
export function loadPins(app: CorpusApp): Pin[] {
  const file = path.join(app.dir, "pins.yml");
  const parsed = pinsSchema.safeParse(parseYaml(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
