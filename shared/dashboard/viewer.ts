import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Who is looking, as the host that mounts the dashboard decides it: the App from its signed
 * session (GitHub says what the user may read and write), `perceo dashboard` for the one person at
 * 127.0.0.1.
 */
export interface Viewer {
  /** May see the project (`owner/name`, or a local project's name); false answers 404, never 403. */
  canRead(projectFullName: string): Promise<boolean>;
  /** May approve and ignore its screenshots (write access, the same rule as `/perceo approve`). */
  canWrite(projectFullName: string): Promise<boolean>;
  /**
   * The token every state-changing request must echo in its `csrf` field; null when the host
   * checks CSRF itself before the dashboard sees the request.
   */
  csrfToken: string | null;
  /** The GitHub login recorded as who approved or ignored; null for the local command. */
  login: string | null;
}

export type ResolveViewer = (req: IncomingMessage) => Promise<Viewer>;

/** `perceo dashboard`: one person on 127.0.0.1 reads and writes everything; a per-process CSRF token. */
export function localViewer(): ResolveViewer {
  const viewer: Viewer = {
    canRead: async () => true,
    canWrite: async () => true,
    csrfToken: randomBytes(24).toString("base64url"),
    login: null,
  };
  return async () => viewer;
}
