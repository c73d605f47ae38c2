import { LlmError } from "./errors.ts";

/*
 * A small client for Anthropic's Messages API over fetch: one tool, forced with tool_choice, so the
 * answer is structured JSON; a timeout per attempt; retries with backoff on 429, 5xx, 529 and
 * network errors (honouring retry-after); typed errors for everything else.
 */

export interface AnthropicClientOptions {
  apiKey: string;
  model?: string;
  baseUrl?: string;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  /** Attempts after the first. Default 3. */
  maxRetries?: number;
  /** Base of the exponential backoff. Default 500 ms. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input: the shape of the answer. */
  inputSchema: Record<string, unknown>;
}

export interface ToolCallRequest<T> {
  system: string;
  /** The user turn: content blocks of text. */
  content: string[];
  /** Pictures shown before the text (PNG screenshots). */
  images?: Array<{ mediaType: "image/png" | "image/jpeg"; data: Uint8Array }>;
  tool: ToolSpec;
  /** Checks the tool input; throws when it does not fit. */
  parse: (input: unknown) => T;
  maxTokens?: number;
  /** Ends the call (and its retries) early, as a timeout: a caller's own time budget. */
  signal?: AbortSignal;
  /** Told the tokens each answer cost. */
  onUsage?: (usage: { inputTokens: number; outputTokens: number }) => void;
}

export interface AnthropicClient {
  callTool<T>(request: ToolCallRequest<T>): Promise<T>;
}

export const DEFAULT_MODEL = "claude-sonnet-4-5";
const API_VERSION = "2023-06-01";

interface MessageResponse {
  content?: Array<{ type: string; name?: string; input?: unknown; text?: string }>;
  stop_reason?: string;
  usage?: { input_tokens?: number; output_tokens?: number };
}

export function createAnthropicClient(options: AnthropicClientOptions): AnthropicClient {
  const baseUrl = (options.baseUrl ?? "https://api.anthropic.com").replace(/\/$/, "");
  const doFetch = options.fetch ?? fetch;
  const maxRetries = options.maxRetries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 60_000;

  const send = async (body: unknown, signal: AbortSignal | undefined): Promise<MessageResponse> => {
    for (let attempt = 0; ; attempt++) {
      let error: LlmError;
      let retryAfter: number | undefined;
      try {
        const response = await doFetch(`${baseUrl}/v1/messages`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-api-key": options.apiKey,
            "anthropic-version": API_VERSION,
          },
          body: JSON.stringify(body),
          signal: signal
            ? AbortSignal.any([AbortSignal.timeout(timeoutMs), signal])
            : AbortSignal.timeout(timeoutMs),
        });
        if (response.ok) return (await response.json()) as MessageResponse;
        const text = await response.text();
        error = errorFor(response.status, apiMessage(text));
        const header = Number(response.headers.get("retry-after"));
        if (Number.isFinite(header) && header > 0) retryAfter = Math.min(60_000, header * 1000);
      } catch (caught) {
        const name = (caught as Error).name;
        error =
          name === "TimeoutError" || name === "AbortError"
            ? new LlmError("PERCEO_LLM_TIMEOUT", `no answer from ${baseUrl} within ${timeoutMs} ms`)
            : new LlmError("PERCEO_LLM_UNAVAILABLE", `cannot reach ${baseUrl}: ${(caught as Error).message}`);
      }
      if (signal?.aborted)
        throw new LlmError("PERCEO_LLM_TIMEOUT", `the caller's time ran out waiting for ${baseUrl}`);
      if (!error.retryable || attempt >= maxRetries) throw error;
      const wait = retryAfter ?? backoffMs * 2 ** attempt * (0.75 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  return {
    async callTool<T>(request: ToolCallRequest<T>): Promise<T> {
      const response = await send(
        {
          model: options.model ?? DEFAULT_MODEL,
          max_tokens: request.maxTokens ?? 2048,
          system: request.system,
          messages: [
            {
              role: "user",
              content: [
                ...(request.images ?? []).map((image) => ({
                  type: "image",
                  source: {
                    type: "base64",
                    media_type: image.mediaType,
                    data: Buffer.from(image.data).toString("base64"),
                  },
                })),
                ...request.content.map((text) => ({ type: "text", text })),
              ],
            },
          ],
          tools: [
            {
              name: request.tool.name,
              description: request.tool.description,
              input_schema: request.tool.inputSchema,
            },
          ],
          tool_choice: { type: "tool", name: request.tool.name },
        },
        request.signal,
      );
      request.onUsage?.({
        inputTokens: response.usage?.input_tokens ?? 0,
        outputTokens: response.usage?.output_tokens ?? 0,
      });
      if (response.stop_reason === "refusal") {
        const said = response.content?.find((block) => block.type === "text")?.text?.trim();
        throw new LlmError("PERCEO_LLM_REFUSED", `Claude declined${said ? `: ${said.slice(0, 300)}` : ""}`);
      }
      const call = response.content?.find(
        (block) => block.type === "tool_use" && block.name === request.tool.name,
      );
      if (!call) {
        throw new LlmError(
          "PERCEO_LLM_BAD_OUTPUT",
          `the answer has no ${request.tool.name} call (stop_reason ${response.stop_reason})`,
        );
      }
      try {
        return request.parse(call.input);
      } catch (caught) {
        throw new LlmError(
          "PERCEO_LLM_BAD_OUTPUT",
          `the ${request.tool.name} input does not fit its schema: ${(caught as Error).message}`,
        );
      }
    },
  };
}

function apiMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { type?: string; message?: string } };
    if (parsed.error) return `${parsed.error.type ?? "error"}: ${parsed.error.message ?? ""}`.trim();
  } catch {
    // not JSON
  }
  return text.slice(0, 300) || "no body";
}

function errorFor(status: number, message: string): LlmError {
  if (status === 401 || status === 403)
    return new LlmError("PERCEO_LLM_AUTH", `Anthropic API ${status}: ${message}`, status);
  if (status === 429) return new LlmError("PERCEO_LLM_RATE_LIMITED", `Anthropic API 429: ${message}`, status);
  if (status >= 500)
    return new LlmError("PERCEO_LLM_UNAVAILABLE", `Anthropic API ${status}: ${message}`, status);
  return new LlmError("PERCEO_LLM_BAD_REQUEST", `Anthropic API ${status}: ${message}`, status);
}
