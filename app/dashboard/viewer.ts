import type { IncomingMessage, ServerResponse } from "node:http";
import type { Blobs, Store } from "../../shared/store/index.ts";

// The contract with shared/dashboard (issue 23), until its createDashboard lands on main.

export interface Viewer {
  canRead(projectFullName: string): Promise<boolean>;
  canWrite(projectFullName: string): Promise<boolean>;
  csrfToken: string | null;
  login: string | null;
}

export type ResolveViewer = (req: IncomingMessage) => Promise<Viewer>;

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export type CreateDashboard = (options: {
  store: Store;
  blobs: Blobs;
  basePath: string;
  viewer: ResolveViewer;
}) => DashboardHandler;
