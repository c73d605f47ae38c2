import path from "node:path";
import { InitError, type InitResult, initProject } from "../authoring/index.ts";
import { baseUrlFlag, type CliIo, EXIT, parse } from "./cli-io.ts";

/**
 * `perceo init [--dir DIR] [--base-url URL]`: what the project is and which routes it has; with the
 * base URL of the running app, starter flows verified on its pages, the config and the workflow.
 */
export async function commandInit(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { dir: { type: "string" }, "base-url": { type: "string" } });
  const baseUrl = baseUrlFlag(values["base-url"]);
  const root = path.resolve(io.cwd, values.dir ?? ".");
  let result: InitResult;
  try {
    result = await initProject({ root, ...(baseUrl ? { baseUrl } : {}) });
  } catch (error) {
    if (error instanceof InitError) {
      io.stderr.write(`perceo: ${error.message}\n`);
      return EXIT.infrastructure;
    }
    throw error;
  }
  io.stdout.write(renderInit(result, path.relative(io.cwd, root) || ".", baseUrl));
  return EXIT.passed;
}

/** What init found and did; `typedBaseUrl` is --base-url as given (undefined: nothing was opened). */
export function renderInit(result: InitResult, dir: string, typedBaseUrl: string | undefined): string {
  const { project } = result;
  const pages = result.routes;
  const lines = [
    `${project.name}: ${project.label}`,
    `  dev command: ${project.devCommand} (port ${project.port}, from ${project.devCommandSource})`,
    `  routes: ${pages.length} page${pages.length === 1 ? "" : "s"} found`,
  ];
  const width = Math.min(32, Math.max(4, ...pages.map((p) => p.pattern.length)));
  const marks = { written: "+", covered: "=", skipped: "-", found: "·" } as const;
  for (const plan of pages) {
    const what =
      plan.outcome === "written"
        ? `${plan.file} (${plan.detail})`
        : plan.outcome === "covered"
          ? `already opened by flow ${plan.flow}`
          : plan.outcome === "skipped"
            ? `skipped: ${plan.detail}`
            : plan.source;
    lines.push(`  ${marks[plan.outcome]} ${plan.pattern.padEnd(width)}  ${what}`);
  }
  const flag = dir === "." ? "" : ` --dir ${dir}`;
  if (typedBaseUrl === undefined) {
    lines.push(
      "",
      `Next: start the app (${project.devCommand}) and run`,
      `  npx perceo init${flag} --base-url ${result.baseUrl}`,
      "to open each page, write starter flows for it, .perceo/config.yml and .github/workflows/perceo.yml.",
    );
    return `${lines.join("\n")}\n`;
  }
  lines.push("");
  if (result.baseUrl !== typedBaseUrl.replace(/\/$/, ""))
    lines.push(
      `${typedBaseUrl} redirects into ${result.baseUrl}: the app's base URL (baseUrl in the config).`,
    );
  const written = pages.filter((p) => p.outcome === "written").length;
  const others = result.written.filter((f) => !pages.some((p) => p.file === f));
  if (result.written.length > 0)
    lines.push(
      `Wrote ${[...others.slice(0, 1), ...(written > 0 ? [`${written} flow${written === 1 ? "" : "s"} in .perceo/flows/`] : []), ...others.slice(1)].join(", ")}`,
    );
  if (result.kept.length > 0) lines.push(`Kept as they were: ${result.kept.join(", ")}`);
  if (written === 0) {
    lines.push(
      pages.length === 0
        ? "No routes found: add flows by hand in .perceo/flows/ (see the README), or list routes under observer.routes."
        : "No new flows: every page is covered already or was skipped.",
    );
  }
  if (written > 0 || result.kept.length > 0)
    lines.push("", `Next: npx perceo run${flag} --all   (with the app running at ${result.baseUrl})`);
  return `${lines.join("\n")}\n`;
}
