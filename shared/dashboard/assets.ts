import { readFileSync } from "node:fs";

/** The dashboard's static files, read once: the stylesheet and the review viewer's script. */
function asset(name: string, type: string): { type: string; body: Uint8Array } {
  return { type, body: new Uint8Array(readFileSync(new URL(`./assets/${name}`, import.meta.url))) };
}

export const ASSETS: Record<string, { type: string; body: Uint8Array }> = {
  "dashboard.css": asset("dashboard.css", "text/css; charset=utf-8"),
  "review.js": asset("review.js", "text/javascript; charset=utf-8"),
};
