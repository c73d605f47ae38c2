export {
  type AnthropicClient,
  type AnthropicClientOptions,
  createAnthropicClient,
  DEFAULT_MODEL,
  type ToolCallRequest,
  type ToolSpec,
} from "./anthropic-client.ts";
export { LlmError, type LlmErrorCode } from "./errors.ts";
export { createClaudeAdvisor } from "./flow-advisor.ts";
export { createClaudeStepProposer, type OpenedAiSteps, openAiSteps, stepsTool } from "./resolve-ai-step.ts";
export { UNTRUSTED_RULE, untrusted } from "./untrusted.ts";
