import { createRequire } from "node:module";
import type nock from "nock";

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

/** A file as GitHub's contents API returns it. */
export function contentsFile(path: string, text: string) {
  return {
    type: "file",
    path,
    name: path.split("/").pop(),
    encoding: "base64",
    content: Buffer.from(text).toString("base64"),
  };
}

/** The default branch's head and its .perceo/ folder with this config and one flow, as the scans read them. */
export function perceoFolderAtMain(
  api: nock.Scope,
  repoPath: string,
  sha: string,
  folder: { config: string; flow: { name: string; yml: string } },
): nock.Scope {
  return perceoFolderAt(
    api.get(`${repoPath}/branches/main`).reply(200, { name: "main", commit: { sha } }),
    repoPath,
    sha,
    folder,
  );
}

/** The .perceo/ folder at `sha` with this config and one flow, as the App reads it through the contents API. */
export function perceoFolderAt(
  api: nock.Scope,
  repoPath: string,
  sha: string,
  folder: { config: string; flow: { name: string; yml: string } },
): nock.Scope {
  const flowFile = `${folder.flow.name}.yml`;
  return api
    .get(`${repoPath}/contents/.perceo`)
    .query({ ref: sha })
    .reply(200, [
      { type: "file", path: ".perceo/config.yml", name: "config.yml" },
      { type: "dir", path: ".perceo/flows", name: "flows" },
    ])
    .get(`${repoPath}/contents/.perceo%2Fflows`)
    .query({ ref: sha })
    .reply(200, [{ type: "file", path: `.perceo/flows/${flowFile}`, name: flowFile }])
    .get(`${repoPath}/contents/.perceo%2Fconfig.yml`)
    .query({ ref: sha })
    .reply(200, contentsFile(".perceo/config.yml", folder.config))
    .get(`${repoPath}/contents/.perceo%2Fflows%2F${flowFile}`)
    .query({ ref: sha })
    .reply(200, contentsFile(`.perceo/flows/${flowFile}`, folder.flow.yml));
}
