import { z } from "zod";
import {
  type AnthropicClientOptions,
  createAnthropicClient,
  UNTRUSTED_RULE,
  untrusted,
} from "../llm/index.ts";
import { decodePng, encodePng } from "./png.ts";
import type { Box } from "./regions.ts";

/** A change the deterministic diff found; the vision pass only adds words to it. */
export interface ChangeToDescribe {
  element: string;
  kind: string;
  before: string | null;
  after: string | null;
  box?: Box;
}

export interface VisionDescribeInput {
  url: string;
  changes: readonly ChangeToDescribe[];
  /** The baseline and the new screenshot of one viewport (PNG). */
  before: Uint8Array;
  after: Uint8Array;
}

/** The band of the page shown to the model: the changed boxes with some context, at most this tall. */
export const MAX_BAND_HEIGHT = 2_000;
const CONTEXT_PX = 200;
const MAX_DESCRIPTION = 160;

const answer = z.object({
  descriptions: z
    .array(z.strictObject({ index: z.number().int().min(0), description: z.string().trim().min(1).max(400) }))
    .max(50),
});

const TOOL = {
  name: "describe_changes",
  description: "Give each numbered change one short sentence saying what a visitor now sees differently.",
  inputSchema: {
    type: "object",
    properties: {
      descriptions: {
        type: "array",
        items: {
          type: "object",
          properties: {
            index: { type: "integer", description: "The change's number, as listed." },
            description: {
              type: "string",
              description:
                "One sentence, at most 20 words, e.g. 'The hero headline now promises safety instead of speed.'",
            },
          },
          required: ["index", "description"],
          additionalProperties: false,
        },
      },
    },
    required: ["descriptions"],
  },
};

const SYSTEM = `You describe visual changes between two screenshots of the same web page (before, then after). The changes were already found and named by a deterministic diff; for each numbered change write one plain sentence of at most 20 words on what a visitor now sees differently. Describe only what the screenshots and the listed values show; do not judge or suggest. ${UNTRUSTED_RULE}`;

/**
 * One line per change from Claude, looking at the before and after pictures (the band of the page
 * the changes sit in). Returns descriptions by the change's index; changes it skipped have none.
 * Callers keep the deterministic change either way.
 */
export async function describeChangesWithVision(
  input: VisionDescribeInput,
  options: AnthropicClientOptions,
): Promise<Map<number, string>> {
  if (input.changes.length === 0) return new Map();
  const band = changedBand(input.changes);
  const client = createAnthropicClient(options);
  const listed = input.changes
    .map((c, i) => `${i}. ${c.kind} — ${c.element}: ${c.before ?? "(none)"} → ${c.after ?? "(none)"}`)
    .join("\n");
  const result = await client.callTool({
    system: SYSTEM,
    images: [cropBand(input.before, band), cropBand(input.after, band)].map((data) => ({
      mediaType: "image/png" as const,
      data,
    })),
    content: [
      `Page: ${input.url}\nPictures: before, then after; rows ${band.top}–${band.top + band.height} of the page.`,
      `The changes (names and values come from the page):\n${untrusted("changes", listed)}`,
    ],
    tool: TOOL,
    parse: (value) => answer.parse(value),
    maxTokens: 1024,
  });
  const descriptions = new Map<number, string>();
  for (const { index, description } of result.descriptions) {
    if (index >= input.changes.length || descriptions.has(index)) continue;
    const line = description.replace(/\s+/g, " ");
    descriptions.set(index, line.length > MAX_DESCRIPTION ? `${line.slice(0, MAX_DESCRIPTION - 1)}…` : line);
  }
  return descriptions;
}

/** The rows that hold the changes, with context above and below, capped at MAX_BAND_HEIGHT. */
export function changedBand(changes: readonly ChangeToDescribe[]): { top: number; height: number } {
  const boxes = changes.flatMap((c) => (c.box ? [c.box] : []));
  if (boxes.length === 0) return { top: 0, height: MAX_BAND_HEIGHT };
  const first = Math.min(...boxes.map((b) => b.y));
  const last = Math.max(...boxes.map((b) => b.y + b.height));
  const top = Math.max(0, Math.floor(first - CONTEXT_PX));
  return { top, height: Math.min(MAX_BAND_HEIGHT, Math.ceil(last + CONTEXT_PX - top)) };
}

function cropBand(png: Uint8Array, band: { top: number; height: number }): Uint8Array {
  const image = decodePng(png);
  const top = Math.min(band.top, Math.max(0, image.height - 1));
  const height = Math.max(1, Math.min(band.height, image.height - top));
  if (top === 0 && height === image.height) return png;
  const stride = image.width * 4;
  return encodePng({
    width: image.width,
    height,
    data: image.data.slice(top * stride, (top + height) * stride),
  });
}
