import type { Probot } from "probot";
import type { Store } from "../../shared/store/index.ts";

/** Keeps one project per installed repository. */
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
    // The Store has no way yet to detach a project from its installation; its data stays.
    context.log.info({ installationId: context.payload.installation.id }, "repositories uninstalled");
  });
}
