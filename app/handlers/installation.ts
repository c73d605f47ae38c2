import type { Probot } from "probot";
import type { Store } from "../../shared/store/index.ts";

/**
 * Keeps one project per installed repository. Uninstalling detaches the projects (their runs,
 * baselines and predictions stay); installing again reattaches them by repository id.
 */
export function onInstallation(app: Probot, services: { store: Store }): void {
  app.on(["installation.created", "installation_repositories.added"], async (context) => {
    const installationId = context.payload.installation.id;
    const repositories =
      "repositories_added" in context.payload
        ? context.payload.repositories_added
        : (context.payload.repositories ?? []);
    for (const repository of repositories) {
      await services.store.ensureProject({
        fullName: repository.full_name,
        installationId,
        repositoryId: repository.id,
      });
    }
    context.log.info(
      { installationId, repositories: repositories.length },
      "projects in step with the installation",
    );
  });

  app.on(["installation.deleted", "installation_repositories.removed"], async (context) => {
    const installationId = context.payload.installation.id;
    const repositoryIds =
      "repositories_removed" in context.payload
        ? context.payload.repositories_removed.map((repository) => repository.id)
        : undefined;
    // A removal that names no repository detaches nothing; an uninstall detaches them all.
    const detached =
      repositoryIds?.length === 0 ? 0 : await services.store.detachProjects(installationId, repositoryIds);
    context.log.info({ installationId, detached }, "projects detached from the installation");
  });
}
