import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway PostgreSQL server for tests and benchmarks: its own data directory and port, stopped
 * (and deleted) by `stop()`. Postgres refuses to run as root, so when we are root the server runs as
 * the unprivileged `postgres` user.
 */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` — trust auth, superuser. */
  readonly url: string;
  readonly port: number;
  readonly binDir: string;
  /** A connection string for another database on the same server. */
  urlFor(database: string): string;
  /** Creates an empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Where initdb, pg_ctl and psql live; default `PERCEO_PG_BIN` or Debian's PostgreSQL 15 path. */
  binDir?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

const DEFAULT_BIN_DIR = "/usr/lib/postgresql/15/bin";

export class PostgresServerError extends Error {
  override name = "PostgresServerError";
}

/** 1. find the binaries, 2. initdb into a temp dir, 3. start on a free port, 4. hand back a stopper. */
export async function startPostgresServer(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = options.binDir ?? process.env.PERCEO_PG_BIN ?? DEFAULT_BIN_DIR;
  assertBinaries(binDir);
  const runAs = process.getuid?.() === 0 ? "postgres" : undefined;

  const root = await mkdtemp(join(tmpdir(), "perceo-pg-"));
  const dataDir = join(root, "data");
  if (runAs) {
    const { uid, gid } = lookupUser(runAs);
    await chown(root, uid, gid);
  }
  await chmod(root, 0o700);

  const run = (bin: string, args: string[]) => runCommand(join(binDir, bin), args, runAs);
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
    }
    process.off("exit", stopOnExit);
    await rm(root, { recursive: true, force: true });
  };
  // A crashed test process must not leave a server behind.
  const stopOnExit = () => {
    if (!started) return;
    const args = ["-D", dataDir, "-m", "immediate", "stop"];
    const cmd = join(binDir, "pg_ctl");
    if (runAs) spawnSync("runuser", ["-u", runAs, "--", cmd, ...args], { stdio: "ignore" });
    else spawnSync(cmd, args, { stdio: "ignore" });
  };
  process.on("exit", stopOnExit);

  try {
    await run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-N"]);
    const port = await findFreePort();
    const settings: Record<string, string | number> = {
      listen_addresses: "127.0.0.1",
      port,
      unix_socket_directories: root,
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      max_connections: 50,
      ...options.settings,
    };
    const serverOptions = Object.entries(settings)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(" ");
    await run("pg_ctl", ["-D", dataDir, "-o", serverOptions, "-l", join(root, "server.log"), "-w", "start"]);
    started = true;
    const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    return {
      url: urlFor("postgres"),
      port,
      binDir,
      urlFor,
      async createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new PostgresServerError(`invalid database name ${name}`);
        await run("psql", [
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-U",
          "postgres",
          "-qc",
          `create database ${name}`,
        ]);
        return urlFor(name);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function assertBinaries(binDir: string) {
  for (const bin of ["initdb", "pg_ctl", "postgres", "psql"]) {
    if (!existsSync(join(binDir, bin))) {
      throw new PostgresServerError(
        `PostgreSQL server binary ${join(binDir, bin)} not found. Install PostgreSQL 15 ` +
          "(Debian/Ubuntu: `apt-get install postgresql-15`) or point PERCEO_PG_BIN at its bin directory.",
      );
    }
  }
}

function lookupUser(name: string): { uid: number; gid: number } {
  const result = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const groups = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (result.status !== 0 || groups.status !== 0) {
    throw new PostgresServerError(
      `running as root needs the unprivileged user "${name}" to start PostgreSQL`,
    );
  }
  return { uid: Number(result.stdout.trim()), gid: Number(groups.stdout.trim()) };
}

function runCommand(cmd: string, args: string[], runAs: string | undefined): Promise<string> {
  const [file, argv] = runAs ? ["runuser", ["-u", runAs, "--", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new PostgresServerError(`${cmd} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new PostgresServerError("could not find a free port"));
      });
    });
  });
}
