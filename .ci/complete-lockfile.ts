import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/*
 * `npm run lockfile`: adds to package-lock.json the platform-specific optional packages (biome,
 * esbuild, oxc, typescript native binaries for other systems) that `npm install` leaves out when the
 * registry it reached does not serve them. `npm ci` refuses a lock that lacks them, on any machine.
 * Each entry is marked optional with the os/cpu its name gives, so npm skips it on other platforms.
 */
const OSES = [
  "darwin",
  "linux",
  "win32",
  "freebsd",
  "openbsd",
  "netbsd",
  "sunos",
  "aix",
  "android",
  "openharmony",
];
const CPUS = ["x64", "arm64", "ia32", "arm", "ppc64", "s390x", "riscv64", "loong64", "mips64el", "wasm32"];

type Entry = {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
};

export function missingPlatformPackages(
  packages: Record<string, Entry>,
): Record<string, Entry & { os?: string[]; cpu?: string[] }> {
  const missing: Record<string, Entry & { os?: string[]; cpu?: string[] }> = {};
  for (const [key, entry] of Object.entries(packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      const nested = key ? `${key}/node_modules/${name}` : `node_modules/${name}`;
      const hoisted = `node_modules/${name}`;
      if (packages[nested] || packages[hoisted] || missing[hoisted]) continue;
      const lower = name.toLowerCase();
      const os = OSES.find((o) => lower.includes(o));
      const cpu = CPUS.find(
        (c) =>
          new RegExp(`[-_]${c}(?:[-_]|$)`).test(lower) ||
          (c === "arm" && /[-_]arm[-_]?(?:eabi|gnueabihf|musleabihf)/.test(lower)),
      );
      missing[hoisted] = {
        version: spec.replace(/^[\^~=]/, ""),
        ...(entry.dev ? { dev: true } : {}),
        optional: true,
        ...(cpu ? { cpu: [cpu] } : {}),
        ...(os ? { os: [os] } : {}),
      };
    }
  }
  return missing;
}

if (import.meta.main) {
  const file = fileURLToPath(new URL("../package-lock.json", import.meta.url));
  const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, Entry> };
  const missing = missingPlatformPackages(lock.packages);
  const merged = { ...lock.packages, ...missing };
  lock.packages = Object.fromEntries(
    Object.entries(merged).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`package-lock.json: added ${Object.keys(missing).length} platform package entries`);
}
