import type { Store, StoredSecret } from "../store/index.ts";
import {
  type Keyring,
  noKeyError,
  openSecret,
  SecretError,
  sealedKeyId,
  sealSecret,
} from "./sealed-secret.ts";

/** A secret's name as `.perceo/config.yml` and `perceo secrets` write it: posthog-key, ga4-service-account. */
export const SECRET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface SecretInfo {
  name: string;
  keyId: string;
  setBy: string;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string | null;
}

/** A project's secrets over the Store: sealed on the way in, opened only for the project they belong to. */
export interface ProjectSecrets {
  set(projectId: string, name: string, value: string, setBy: string): Promise<{ created: boolean }>;
  /** The value, or undefined when the project has no secret of that name; SecretError when it does not open. */
  reveal(projectId: string, name: string): Promise<string | undefined>;
  list(projectId: string): Promise<SecretInfo[]>;
  delete(projectId: string, name: string): Promise<boolean>;
  /**
   * Re-seals every row not sealed with the current key (in one transaction); a row no key of the
   * keyring opens fails the whole rotation. Returns how many rows it re-sealed.
   */
  rotate(): Promise<number>;
  /** Rows sealed with a key the keyring does not hold (what the App checks at start). */
  unreadable(): Promise<Array<{ projectId: string; name: string; keyId: string }>>;
}

export function projectSecrets(store: Store, keyring: Keyring): ProjectSecrets {
  return {
    async set(projectId, name, value, setBy) {
      assertName(name);
      if (value.length === 0) throw new SecretError("bad_format", `the secret "${name}" is empty`);
      const { ciphertext, keyId } = sealSecret(keyring, { projectId, name }, value);
      return store.putProjectSecret({ projectId, name, ciphertext, keyId, setBy });
    },

    async reveal(projectId, name) {
      const row = await store.getProjectSecret(projectId, name);
      return row ? openSecret(keyring, { projectId, name }, row.ciphertext) : undefined;
    },

    async list(projectId) {
      return (await store.listProjectSecrets(projectId)).map(info);
    },

    delete(projectId, name) {
      return store.deleteProjectSecret(projectId, name);
    },

    async rotate() {
      const current = keyring.current;
      if (!current) throw noKeyError();
      return store.resealProjectSecrets((row) => {
        if (row.keyId === current.id && sealedKeyId(row.ciphertext) === current.id) return undefined;
        const owner = { projectId: row.projectId, name: row.name };
        return sealSecret(keyring, owner, openSecret(keyring, owner, row.ciphertext));
      });
    },

    async unreadable() {
      const held = new Set([keyring.current?.id, ...keyring.previous.map((k) => k.id)]);
      return (await store.listProjectSecrets())
        .filter((row) => !held.has(row.keyId))
        .map(({ projectId, name, keyId }) => ({ projectId, name, keyId }));
    },
  };
}

function assertName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new SecretError(
      "bad_format",
      `"${name}" is not a secret name: lowercase letters, digits and dashes, like posthog-key`,
    );
  }
}

function info(row: StoredSecret): SecretInfo {
  return {
    name: row.name,
    keyId: row.keyId,
    setBy: row.setBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    rotatedAt: row.rotatedAt,
  };
}
