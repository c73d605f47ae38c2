import { PNG } from "pngjs";
import { z } from "zod";
import {
  type AnthropicClientOptions,
  createAnthropicClient,
  UNTRUSTED_RULE,
  untrusted,
} from "../llm/index.ts";
import { type AuditFinding, digest } from "./finding.ts";

const METRICS = [
  "conversion_rate",
  "bounce_rate",
  "engagement",
  "accessibility",
  "page_speed",
  "trust",
] as const;

// Free text is capped: a finding is a sentence, not an essay, and whatever the model writes is
// shown to people as untrusted text.
const visionAnswer = z.object({
  findings: z
    .array(
      z.strictObject({
        element: z.string().trim().min(1).max(200),
        current: z.string().trim().min(1).max(300),
        suggestion: z.string().trim().min(1).max(400),
        impact: z.enum(["high", "medium", "low"]),
        predicted: z.strictObject({
          metric: z.enum(METRICS),
          direction: z.enum(["increase", "decrease"]),
        }),
      }),
    )
    .max(8),
});

const TOOL = {
  name: "report_page_findings",
  description:
    "Report the few changes to this page most likely to help its visitors, each with the element, what it is now, the suggestion, its impact and the metric it should move.",
  inputSchema: {
    type: "object",
    properties: {
      findings: {
        type: "array",
        maxItems: 8,
        items: {
          type: "object",
          properties: {
            element: {
              type: "string",
              description: "The element, as a visitor would name it (e.g. 'Hero button').",
            },
            current: { type: "string", description: "What it looks like or says now." },
            suggestion: { type: "string", description: "One concrete change." },
            impact: { type: "string", enum: ["high", "medium", "low"] },
            predicted: {
              type: "object",
              properties: {
                metric: { type: "string", enum: [...METRICS] },
                direction: { type: "string", enum: ["increase", "decrease"] },
              },
              required: ["metric", "direction"],
              additionalProperties: false,
            },
          },
          required: ["element", "current", "suggestion", "impact", "predicted"],
          additionalProperties: false,
        },
      },
    },
    required: ["findings"],
  },
};

const SYSTEM = `You audit web pages for conversion, clarity and accessibility, from screenshots (desktop, then mobile) and the page's text. Report at most 8 findings, most important first, only ones the screenshots show; skip what is fine. Each names a visible element, what it is now, one concrete suggestion, its impact (high, medium, low) and the metric it should move and in which direction. ${UNTRUSTED_RULE}`;

export interface VisionAuditInput {
  url: string;
  /** Full-page PNGs, desktop first; each is cut to its first `MAX_IMAGE_HEIGHT` pixels. */
  screenshots: Array<{ viewport: "desktop" | "mobile"; png: Uint8Array }>;
  /** The page's visible text (untrusted). */
  text: string;
}

export const MAX_IMAGE_HEIGHT = 2_400;
const MAX_TEXT = 12_000;

/** Claude's judgement on a page, as findings in the same shape as the deterministic ones. */
export async function visionAudit(
  input: VisionAuditInput,
  options: AnthropicClientOptions,
): Promise<AuditFinding[]> {
  const client = createAnthropicClient(options);
  const answer = await client.callTool({
    system: SYSTEM,
    images: input.screenshots.map((shot) => ({
      mediaType: "image/png" as const,
      data: cropTop(shot.png, MAX_IMAGE_HEIGHT),
    })),
    content: [
      `Page: ${input.url}\nScreenshots: ${input.screenshots.map((s) => s.viewport).join(", ")}.`,
      `The page's text:\n${untrusted("page-text", input.text.slice(0, MAX_TEXT))}`,
    ],
    tool: TOOL,
    parse: (value) => visionAnswer.parse(value),
    maxTokens: 2048,
  });
  return answer.findings.map((f) => ({
    check: "vision",
    impact: f.impact,
    element: f.element,
    current: f.current,
    suggestion: f.suggestion,
    key: `vision:${digest(f.element.toLowerCase())}`,
    evidence: digest(f.current.toLowerCase()),
    predicted: f.predicted,
  }));
}

/** The first `maxHeight` rows of a PNG: the part of a long page a person sees first. */
export function cropTop(png: Uint8Array, maxHeight: number): Uint8Array {
  const image = PNG.sync.read(Buffer.from(png));
  if (image.height <= maxHeight) return png;
  const out = new PNG({ width: image.width, height: maxHeight });
  image.data.copy(out.data, 0, 0, image.width * maxHeight * 4);
  return PNG.sync.write(out);
}
