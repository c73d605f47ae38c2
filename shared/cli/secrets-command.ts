import {
  type Keyring,
  keyringFromEnv,
  type ProjectSecrets,
  projectSecrets,
  SECRET_NAME,
} from "../secrets/index.ts";
import { openPostgresStore, type Project, type Store } from "../store/index.ts";
import { type CliIo, EXIT, parse, UsageError } from "./cli-io.ts";

/*
 * `perceo secrets set|list|delete|rotate-key`: the operator's hand on the App's project secrets (a
 * repository's analytics key), in the App's own PostgreSQL. A value comes from stdin only: on the
 * command line it would stay in the shell's history and in every `ps` listing.
 */

const REPO = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
/** A GA4 service account's JSON key is ~2.4 kB; anything near this is a wrong file. */
const MAX_VALUE_BYTES = 64 * 1024;

export const SECRETS_HELP = `  perceo secrets set --repo owner/name --name NAME   store a project's secret (the value on stdin)
  perceo secrets list --repo owner/name              its secrets' names and dates, never values
  perceo secrets delete --repo owner/name --name NAME
  perceo secrets rotate-key                          re-seal every secret with PERCEO_ENCRYPTION_KEY (the old key in PERCEO_ENCRYPTION_KEY_PREVIOUS)`;

export async function commandSecrets(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "set":
      return withSecrets(io, (s) => setSecret(rest, io, s));
    case "list":
      return withSecrets(io, (s) => listSecrets(rest, io, s));
    case "delete":
      return withSecrets(io, (s) => deleteSecret(rest, io, s));
    case "rotate-key":
      parse(rest, {});
      return withSecrets(io, (s) => rotateKey(io, s));
    default:
      throw new UsageError(
        sub
          ? `unknown secrets command "${sub}"; use set, list, delete or rotate-key`
          : "perceo secrets needs set, list, delete or rotate-key",
      );
  }
}

interface Opened {
  store: Store;
  secrets: ProjectSecrets;
  keyring: Keyring;
}

async function withSecrets(io: CliIo, use: (opened: Opened) => Promise<number>): Promise<number> {
  if (!io.env.DATABASE_URL?.trim()) {
    throw new UsageError(
      "perceo secrets works on the App's database: set DATABASE_URL to the App's PostgreSQL connection string",
    );
  }
  const keyring = keyringFromEnv(io.env);
  const store = await openPostgresStore({ env: io.env, cwd: io.cwd });
  try {
    return await use({ store, secrets: projectSecrets(store, keyring), keyring });
  } finally {
    await store.close();
  }
}

function repoAndName(args: string[], command: "set" | "list" | "delete") {
  const needsName = command !== "list";
  let parsed: ReturnType<typeof parse<{ repo: { type: "string" }; name: { type: "string" } }>>;
  try {
    parsed = parse(args, { repo: { type: "string" }, name: { type: "string" } });
  } catch (error) {
    // Never repeat the argument: it may be the secret, typed where it does not belong.
    if (command === "set")
      throw new UsageError(
        "perceo secrets set takes --repo and --name only: the value is read from stdin, never from the command line",
      );
    throw error;
  }
  const { repo, name } = parsed.values;
  if (!repo || !REPO.test(repo))
    throw new UsageError(`perceo secrets ${command} needs --repo owner/name (the GitHub repository)`);
  if (needsName && !name)
    throw new UsageError(
      `perceo secrets ${command} needs --name, the name .perceo/config.yml gives as analytics.secret`,
    );
  // Not echoed either: a value pasted into --name by mistake must not reach the terminal's scrollback.
  if (name !== undefined && !SECRET_NAME.test(name))
    throw new UsageError(
      "--name takes a secret's name: lowercase letters, digits and dashes, like posthog-key",
    );
  return { repo, name: name ?? "" };
}

async function existingProject(store: Store, repo: string): Promise<Project> {
  const project = await store.getProject(repo);
  if (!project)
    throw new UsageError(
      `no project ${repo} in this database: check the name, or \`perceo secrets set\` one`,
    );
  return project;
}

async function setSecret(args: string[], io: CliIo, { store, secrets }: Opened): Promise<number> {
  const { repo, name } = repoAndName(args, "set");
  const value = await readValue(io, `${name} for ${repo}`);
  const known = await store.getProject(repo);
  // Before the App is installed there is no project yet; the installation attaches to this one by name.
  const project = known ?? (await store.ensureProject({ fullName: repo }));
  const setBy = io.env.USER?.trim() || io.env.LOGNAME?.trim() || "operator";
  const { created } = await secrets.set(project.id, name, value, setBy);
  io.stdout.write(
    `${created ? "Stored" : "Replaced"} ${name} for ${repo}${known ? "" : " (a new project: the App attaches it when installed on the repository)"}.\n` +
      `Name it in the repository's .perceo/config.yml: analytics.secret: ${name}\n`,
  );
  return EXIT.passed;
}

async function listSecrets(args: string[], io: CliIo, { store, secrets }: Opened): Promise<number> {
  const { repo } = repoAndName(args, "list");
  const listed = await secrets.list((await existingProject(store, repo)).id);
  if (listed.length === 0) {
    io.stdout.write(
      `No secrets stored for ${repo}: \`perceo secrets set --repo ${repo} --name posthog-key\`.\n`,
    );
    return EXIT.passed;
  }
  io.stdout.write(
    "NAME                  KEY               SET BY            UPDATED (UTC)        ROTATED (UTC)\n",
  );
  for (const s of listed) {
    io.stdout.write(
      `${s.name.padEnd(20)}  ${s.keyId}  ${s.setBy.slice(0, 16).padEnd(16)}  ${utc(s.updatedAt)}  ${s.rotatedAt ? utc(s.rotatedAt) : "-"}\n`,
    );
  }
  return EXIT.passed;
}

async function deleteSecret(args: string[], io: CliIo, { store, secrets }: Opened): Promise<number> {
  const { repo, name } = repoAndName(args, "delete");
  if (!(await secrets.delete((await existingProject(store, repo)).id, name)))
    throw new UsageError(
      `${repo} has no secret "${name}": \`perceo secrets list --repo ${repo}\` shows its secrets`,
    );
  io.stdout.write(`Deleted ${name} for ${repo}.\n`);
  return EXIT.passed;
}

async function rotateKey(io: CliIo, { secrets, keyring }: Opened): Promise<number> {
  const count = await secrets.rotate();
  const key = keyring.current?.id;
  io.stdout.write(
    count === 0
      ? `Every secret is sealed with key ${key} already.\n`
      : `Re-sealed ${count} secret(s) with key ${key}. Remove PERCEO_ENCRYPTION_KEY_PREVIOUS from the App's environment: the old key opens nothing now.\n`,
  );
  return EXIT.passed;
}

function utc(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 19);
}

/**
 * The value on stdin: piped (`perceo secrets set … < key.json`) and read to its end, or typed at a
 * terminal without echo up to Enter. One trailing newline (what `echo` adds) is not part of it.
 */
async function readValue(io: CliIo, what: string): Promise<string> {
  const stdin = io.stdin;
  if (!stdin) throw new UsageError("perceo secrets set reads the value from stdin, and there is none");
  const text = stdin.isTTY ? await readHidden(stdin, io, what) : await readAll(stdin);
  const value = text.replace(/\r?\n$/, "");
  if (value.trim().length === 0) {
    throw new UsageError(
      stdin.isTTY
        ? "no value typed: paste the secret and press Enter"
        : `no value on stdin: pipe the secret in, as in \`perceo secrets set --repo … --name … < key.txt\` (it is never taken from the command line)`,
    );
  }
  return value;
}

async function readAll(stdin: NonNullable<CliIo["stdin"]>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_VALUE_BYTES)
      throw new UsageError(`the value on stdin is over ${MAX_VALUE_BYTES / 1024} KiB: is it the right file?`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readHidden(stdin: NonNullable<CliIo["stdin"]>, io: CliIo, what: string): Promise<string> {
  io.stderr.write(`Value of ${what} (not shown; Enter ends it): `);
  stdin.setRawMode?.(true);
  let typed = "";
  try {
    for await (const chunk of stdin) {
      for (const char of String(chunk)) {
        if (char === "\r" || char === "\n" || char === "\u0004") return typed;
        if (char === "\u0003") throw new UsageError("cancelled: nothing stored");
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    }
    return typed;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause?.();
    io.stderr.write("\n");
  }
}
