export type PerceoCommand =
  | { kind: "run"; all: boolean; flows: string[] }
  | { kind: "approve"; flows: string[] }
  | { kind: "ignore"; flow: string | undefined }
  | { kind: "help" }
  | { kind: "unknown"; word: string };

const FLOW_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** The `/perceo …` line of a comment, if it has one (the first line that starts with it). */
export function findCommandLine(body: string): string | undefined {
  return body
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => /^\/perceo(\s|$)/.test(line));
}

export function parseCommand(line: string): PerceoCommand {
  const [, word = "help", ...args] = line.trim().split(/\s+/);
  const names = args.filter((a) => FLOW_NAME.test(a));
  switch (word) {
    case "run":
      return {
        kind: "run",
        all: args.length === 0 || args.includes("all"),
        flows: names.filter((n) => n !== "all"),
      };
    case "approve":
      return { kind: "approve", flows: names };
    case "ignore":
      return { kind: "ignore", flow: names[0] };
    case "help":
      return { kind: "help" };
    default:
      return { kind: "unknown", word };
  }
}
