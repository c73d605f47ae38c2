import type { ApplicationFunction } from "probot";
import { onCheckRun } from "./handlers/check-run.ts";
import { onIssueComment } from "./handlers/commands/issue-comment.ts";
import { onDeploy } from "./handlers/deploy.ts";
import { onInstallation } from "./handlers/installation.ts";
import { onPullRequest } from "./handlers/pull-request.ts";
import type { AppServices } from "./server/services.ts";

/** The Perceo GitHub App: webhook handlers and HTTP routes, nothing else. */
export function perceoApp(services: AppServices): ApplicationFunction {
  return (app, { addHandler }) => {
    onPullRequest(app, services);
    onCheckRun(app, services);
    onIssueComment(app, services);
    onInstallation(app, services);
    onDeploy(app, services);
    for (const route of services.routes) addHandler(route);
  };
}

export type { AppServices } from "./server/services.ts";
