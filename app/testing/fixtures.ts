import { createRequire } from "node:module";

// Real payloads from @octokit/webhooks-examples, deep-copied so a test can adjust its own copy.
const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}>;

/** Pass the payload's type from @octokit/webhooks-types, e.g. `webhookExample<PullRequestOpenedEvent>(…)`. */
export function webhookExample<T>(event: string, action: string): T {
  const family = examples.find((e) => e.name === event);
  const candidates = family?.examples.filter((e) => e.action === action) ?? [];
  const example = candidates.find((e) => e.installation !== undefined) ?? candidates[0];
  if (!example) throw new Error(`no ${event}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(example) as T;
}

/** The repository every pull request example lives in. */
export const REPO = { owner: "Codertocat", repo: "Hello-World", id: 186853002 } as const;
export const INSTALLATION_ID = 1;

export const CONFIG_YML = "project: hello-world\nbaseUrl: http://localhost:3000\n";

export function flowYml(name: string, covers: string[], priority = "high"): string {
  return [
    `name: ${name}`,
    `description: A person completes ${name}.`,
    `priority: ${priority}`,
    "covers:",
    ...covers.map((c) => `  - ${c}`),
    "steps:",
    "  - goto: /",
    "  - click: { role: button, name: Go }",
    "",
  ].join("\n");
}
