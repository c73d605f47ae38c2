import type { FlowStatus } from "../../shared/runner/index.ts";
import type { Project, Store } from "../../shared/store/index.ts";

/** The newest run the Action recorded for `sha`, with each flow's status; undefined until it arrives. */
export async function findRunResults(
  store: Store,
  project: Project,
  sha: string,
): Promise<Array<{ flowName: string; status: FlowStatus }> | undefined> {
  const runs = await store.listRuns({ project: project.fullName, limit: 100 });
  const summary = runs.find((run) => run.commitSha === sha && run.source === "ci");
  if (!summary) return undefined;
  const run = await store.getRun(summary.recordId, { project: project.fullName });
  return run?.flows.map((flow) => ({ flowName: flow.name, status: flow.status }));
}
