/** What the Messages API answers when Claude calls `tool` with `input`: the body tests give nock. */
export function claudeToolUse(tool: string, input: unknown) {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "tool_use", id: "toolu_1", name: tool, input }],
    stop_reason: "tool_use",
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}

/** What the Messages API answers when Claude declines (stop_reason `refusal`). */
export function claudeRefusal(text: string) {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text }],
    stop_reason: "refusal",
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}
