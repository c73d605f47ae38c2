import type { CheckAnnotation, CheckConclusion } from "./flows-report.ts";
import { FLOWS_CHECK_NAME } from "./flows-report.ts";

/** GitHub takes at most 50 annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub refuses a check-run summary or text longer than this. */
const MAX_OUTPUT_CHARS = 65_535;

export interface FlowsCheckRun {
  apiUrl: string;
  token: string;
  repository: string;
  headSha: string;
  conclusion: CheckConclusion;
  startedAt: string;
  completedAt: string;
  detailsUrl: string;
  externalId: string;
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

/** The check run GitHub refused or could not take; `status` tells a missing permission (403) apart. */
export class CheckRunError extends Error {
  override name = "CheckRunError";
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/**
 * Creates the completed `Perceo / Flows` check run with the first 50 annotations, then adds the rest
 * 50 at a time (GitHub appends annotations on update). Returns the check run's id.
 */
export async function publishFlowsCheckRun(check: FlowsCheckRun): Promise<number> {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < check.annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(check.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  const output = (annotations: CheckAnnotation[] | undefined) => ({
    title: check.title,
    summary: truncate(check.summary),
    ...(annotations && annotations.length > 0 ? { annotations } : {}),
  });
  const created = (await githubRequest(check, "POST", `/repos/${check.repository}/check-runs`, {
    name: FLOWS_CHECK_NAME,
    head_sha: check.headSha,
    status: "completed",
    conclusion: check.conclusion,
    started_at: check.startedAt,
    completed_at: check.completedAt,
    details_url: check.detailsUrl,
    external_id: check.externalId,
    output: output(batches[0]),
  })) as { id: number };
  for (const batch of batches.slice(1)) {
    await githubRequest(check, "PATCH", `/repos/${check.repository}/check-runs/${created.id}`, {
      output: output(batch),
    });
  }
  return created.id;
}

async function githubRequest(
  check: Pick<FlowsCheckRun, "apiUrl" | "token">,
  method: "POST" | "PATCH",
  path: string,
  body: unknown,
): Promise<unknown> {
  const url = `${check.apiUrl.replace(/\/+$/, "")}${path}`;
  let last = "";
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 2)));
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: "application/vnd.github+json",
          authorization: `Bearer ${check.token}`,
          "content-type": "application/json",
          "user-agent": "perceo-action",
          "x-github-api-version": "2022-11-28",
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      last = (error as Error).message;
      continue;
    }
    if (response.ok) return response.json();
    const text = (await response.text().catch(() => "")).slice(0, 300);
    if (response.status >= 500) {
      last = `${response.status} ${text}`;
      continue;
    }
    const hint =
      response.status === 403 || response.status === 404
        ? " — give the job `permissions: checks: write` (and pass github-token if you override it)"
        : "";
    throw new CheckRunError(`${method} ${path} answered ${response.status}: ${text}${hint}`, response.status);
  }
  throw new CheckRunError(`${method} ${path} failed 3 times: ${last}`);
}

function truncate(text: string): string {
  if (text.length <= MAX_OUTPUT_CHARS) return text;
  const note = "\n\n… (cut: the full table is in the job summary)";
  return text.slice(0, MAX_OUTPUT_CHARS - note.length) + note;
}
