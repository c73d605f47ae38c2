import type { ServerResponse } from "node:http";
import { escapeHtml } from "../../shared/report/index.ts";

/** The few pages the sign-in itself answers with: a heading, a sentence, and where to go next. */
export function messagePage(
  res: ServerResponse,
  status: number,
  title: string,
  text: string,
  link?: { href: string; text: string },
): void {
  const body = [
    "<!doctype html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Perceo</title></head>`,
    `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`,
    link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : "",
    "</main></body></html>",
  ].join("\n");
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
