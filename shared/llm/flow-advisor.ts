import { z } from "zod";
import type { AdviceRequest, FlowAdvisor, FlowSuggestion } from "../observer/index.ts";
import { type AnthropicClientOptions, createAnthropicClient } from "./anthropic-client.ts";
import { UNTRUSTED_RULE, untrusted } from "./untrusted.ts";

const adviceSchema = z.object({
  flows: z
    .array(
      z.object({
        flow: z.string(),
        probability: z.number().min(0).max(1),
        reasoning: z.string().max(2000),
      }),
    )
    .max(200),
});

const TOOL = {
  name: "report_affected_flows",
  description:
    "Report the user flows this code change could break, each with a probability and one or two sentences of reasoning.",
  inputSchema: {
    type: "object",
    properties: {
      flows: {
        type: "array",
        items: {
          type: "object",
          properties: {
            flow: { type: "string", description: "The flow's name, exactly as listed." },
            probability: {
              type: "number",
              minimum: 0,
              maximum: 1,
              description: "Chance the change breaks this flow.",
            },
            reasoning: {
              type: "string",
              description: "Which part of the change affects which step of the flow.",
            },
          },
          required: ["flow", "probability", "reasoning"],
        },
      },
    },
    required: ["flows"],
  },
};

const SYSTEM = `You review pull requests for a web app's regression tests. Each test is a user flow (a list of steps in a browser). Given a diff and the flows, name the flows the change could break that are NOT already selected, with a probability and the reason. Only name flows from the list. Be concrete: name the changed code and the flow step it affects. ${UNTRUSTED_RULE}`;

/** Claude as the observer's advisor: reads the diff (as untrusted data) and the flows, suggests flows. */
export function createClaudeAdvisor(options: AnthropicClientOptions): FlowAdvisor {
  const client = createAnthropicClient(options);
  return {
    async suggestFlows(request: AdviceRequest): Promise<FlowSuggestion[]> {
      const flows = request.flows
        .map((f) => `- ${f.name}${f.selected ? " (already selected)" : ""}: ${f.description}`)
        .join("\n");
      const answer = await client.callTool({
        system: SYSTEM,
        content: [`Flows:\n${flows}`, `The change:\n${untrusted("diff", request.diff)}`],
        tool: TOOL,
        parse: (input) => adviceSchema.parse(input),
      });
      return answer.flows;
    },
  };
}
