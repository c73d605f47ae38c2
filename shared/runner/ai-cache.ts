import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { type ConcreteStep, ConfigError, type ConfigIssue, checkResolvedStep } from "../config/index.ts";

/*
 * `.perceo/ai-cache.json`: what Claude resolved each `ai` step to, keyed by the flow, the step's
 * words and a fingerprint of the page it started on. It is committed, so CI replays the steps
 * without a key; a run with a key re-asks only when a replay fails or the page changed.
 */

export const AI_CACHE_FILE = ".perceo/ai-cache.json";

export interface AiResolution {
  flow: string;
  /** The `ai:` text. */
  step: string;
  /** The step's `expect:` in words, when it has one. */
  expect?: string;
  /** `pageFingerprint` of the page the step started on. */
  fingerprint: string;
  /** What ran, in order; replayed as they are. */
  steps: ConcreteStep[];
}

const fileSchema = z.object({
  version: z.literal(1),
  resolutions: z.array(
    z.object({
      flow: z.string(),
      step: z.string(),
      expect: z.string().optional(),
      fingerprint: z.string(),
      steps: z.array(z.unknown()).min(1),
    }),
  ),
});

export class AiCache {
  #resolutions: AiResolution[];
  /** True once a resolution was added or replaced: the file needs writing. */
  changed = false;

  constructor(resolutions: AiResolution[] = []) {
    this.#resolutions = [...resolutions];
  }

  get resolutions(): readonly AiResolution[] {
    return this.#resolutions;
  }

  /** The resolution made on this very page, else the one made for the same step on a page that has changed since. */
  lookup(
    flow: string,
    step: string,
    expect: string | undefined,
    fingerprint: string,
  ): { match?: AiResolution; stale?: AiResolution } {
    const same = this.#resolutions.filter((r) => r.flow === flow && r.step === step && r.expect === expect);
    const match = same.find((r) => r.fingerprint === fingerprint);
    if (match) return { match };
    const stale = same.at(-1);
    return stale ? { stale } : {};
  }

  /** Keeps `resolution`, in place of `replaces` (the one that failed or went stale) when given. */
  store(resolution: AiResolution, replaces?: AiResolution): void {
    this.#resolutions = this.#resolutions.filter(
      (r) =>
        r !== replaces &&
        !(
          r.flow === resolution.flow &&
          r.step === resolution.step &&
          r.expect === resolution.expect &&
          r.fingerprint === resolution.fingerprint
        ),
    );
    this.#resolutions.push(resolution);
    this.changed = true;
  }

  /** Drops resolutions no ai step of these flows asks for any more (a step reworded, a flow removed). */
  prune(keep: (resolution: AiResolution) => boolean): number {
    const before = this.#resolutions.length;
    this.#resolutions = this.#resolutions.filter(keep);
    if (this.#resolutions.length !== before) this.changed = true;
    return before - this.#resolutions.length;
  }

  /** Sorted and without timestamps, so a re-resolution is the only diff a pull request shows. */
  serialize(): string {
    const resolutions = [...this.#resolutions].sort(
      (a, b) =>
        a.flow.localeCompare(b.flow) ||
        a.step.localeCompare(b.step) ||
        (a.expect ?? "").localeCompare(b.expect ?? "") ||
        a.fingerprint.localeCompare(b.fingerprint),
    );
    return `${JSON.stringify({ version: 1, resolutions }, null, 2)}\n`;
  }
}

/** Reads the cache of the project in `projectRoot`; none yet is an empty cache. */
export async function loadAiCache(projectRoot: string, shownAs = AI_CACHE_FILE): Promise<AiCache> {
  let text: string;
  try {
    text = await readFile(path.join(projectRoot, AI_CACHE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new AiCache();
    throw error;
  }
  const fix = "delete the entry (or the file) and run `perceo flows resolve` with ANTHROPIC_API_KEY set";
  const issue = (message: string): ConfigIssue => ({ file: shownAs, line: 1, col: 1, message });
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new ConfigError([issue(`not a Perceo ai cache (${firstLine(error)}); ${fix}`)]);
  }
  const issues: ConfigIssue[] = [];
  const resolutions: AiResolution[] = [];
  for (const entry of parsed.resolutions) {
    const steps: ConcreteStep[] = [];
    for (const [index, raw] of entry.steps.entries()) {
      const checked = checkResolvedStep(raw);
      if (checked.step) steps.push(checked.step);
      else
        issues.push(
          issue(
            `flow ${entry.flow}, ai "${entry.step}", step ${index + 1}: ${checked.problems.join("; ")}; ${fix}`,
          ),
        );
    }
    resolutions.push({ ...entry, steps });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return new AiCache(resolutions);
}

/** Writes the cache when something changed; true when it did. */
export async function saveAiCache(projectRoot: string, cache: AiCache): Promise<boolean> {
  if (!cache.changed) return false;
  await writeFile(path.join(projectRoot, AI_CACHE_FILE), cache.serialize());
  cache.changed = false;
  return true;
}

const STRUCTURAL =
  /^(heading|link|button|textbox|searchbox|combobox|checkbox|radio|listbox|option|tab|menuitem|switch|slider|spinbutton|dialog|alertdialog|form|navigation|main|search|region|table|row|columnheader)\b/;

/**
 * What the page offers a person, in a few bytes: the roles and names of its headings, landmarks and
 * controls from the accessibility tree (text, URLs and digits left out, so a counter, a price or a
 * date does not make it another page).
 */
export function pageFingerprint(ariaSnapshot: string): string {
  const lines = ariaSnapshot
    .split("\n")
    .map((line) =>
      line
        .trim()
        .replace(/^- /, "")
        .replace(/^['"]|['"]:?$/g, ""),
    )
    .filter((line) => STRUCTURAL.test(line))
    .map((line) => line.replace(/:$/, "").replace(/\d+([.,]\d+)*/g, "#"));
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}

function firstLine(error: unknown): string {
  if (error instanceof z.ZodError) {
    const first = error.issues[0];
    return first ? `${first.path.join(".") || "the file"}: ${first.message}` : "invalid";
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
