import { escapeHtml as e, pluralize } from "../../report/index.ts";
import { csrfField, percent, renderPage, shortSha, utcTime } from "../layout.ts";
import { objectUrl, type PageContext } from "../page-context.ts";
import { pullRequestReviewPath, runPath } from "../paths.ts";
import { loadReview, type ReviewGroup } from "../review.ts";

/**
 * Every changed screenshot of a pull request: before / after / diff side by side, overlay with
 * opacity, slider, zoom to the changed regions; j/k/a/i from the keyboard (assets/review.js).
 * Without script the approve and ignore buttons are plain forms.
 */
export async function renderReviewPage(ctx: PageContext, prNumber: number): Promise<string> {
  const review = await loadReview(ctx, ctx.project, prNumber);
  const name = ctx.project.fullName;
  const writable = await ctx.viewer.canWrite(name);
  const action = pullRequestReviewPath(ctx.basePath, name, prNumber);
  const token = ctx.viewer.csrfToken;
  let body: string;
  if (!review.run || !review.headSha) {
    body = `<h1>Pull request #${prNumber}</h1><p>No run of this pull request is recorded yet: the Action records one when its workflow runs.</p>`;
  } else {
    const shots = review.groups.reduce((n, g) => n + g.shots.length, 0);
    const summary = `<p class="meta">Head <code>${shortSha(review.headSha)}</code> · run <a href="${e(
      runPath(ctx.basePath, name, review.run.id),
    )}">${e(review.run.id)}</a> · ${utcTime(review.run.startedAt)} · ${pluralize(shots, "changed screenshot")}${
      review.groups.length !== shots ? ` in ${pluralize(review.groups.length, "group")}` : ""
    } · ${review.unchanged} unchanged</p>`;
    const approveAll =
      writable && shots + review.unchanged > 0
        ? `<form class="review-action approve-all" method="post" action="${e(`${action}/approve`)}">${csrfField(
            token,
          )}<input type="hidden" name="all" value="1"><button type="submit">Approve all</button></form>`
        : "";
    const keys = `<p class="keys" id="keys">Keys: <kbd>j</kbd> next · <kbd>k</kbd> previous${
      writable ? " · <kbd>a</kbd> approve · <kbd>i</kbd> ignore" : ""
    }</p>`;
    const note = writable
      ? ""
      : `<p class="notice">You can look but not approve: approving needs write access to ${e(name)}.</p>`;
    const changes = review.groups.length
      ? review.groups.map((g, i) => changeSection(ctx, g, i, writable, action)).join("\n")
      : "<p>No visual changes wait for review on this commit.</p>";
    body = `<h1>Pull request #${prNumber} · visual review</h1>${summary}${note}<div class="review-bar">${keys}${approveAll}</div>
<div class="changes" data-review>${changes}</div>`;
  }
  return renderPage({
    base: ctx.basePath,
    title: `#${prNumber} review · ${name}`,
    project: name,
    login: ctx.viewer.login,
    scripts: ["review.js"],
    csrfToken: token,
    body,
  });
}

function changeSection(
  ctx: PageContext,
  group: ReviewGroup,
  index: number,
  writable: boolean,
  action: string,
): string {
  const [first, ...others] = group.shots;
  if (!first) return "";
  const s = first.screenshot;
  const ids = group.shots.map((x) => x.screenshot.id).join(",");
  const after = objectUrl(ctx, "screenshots", s.storagePath);
  const before = first.baseline ? objectUrl(ctx, "screenshots", first.baseline.storagePath) : undefined;
  const diff = first.ratio !== null ? `${action}/diffs/${encodeURIComponent(s.id)}.png` : undefined;
  const label = `${s.flowName} · ${s.stepName} · ${s.viewport.width}×${s.viewport.height}`;
  const heading = `change-${index}-title`;
  const badges = [
    first.ratio === null
      ? '<span class="badge new">new</span>'
      : `<span class="badge changed">${first.sizeChange ? "size changed" : `${percent(first.ratio)} changed`}</span>`,
    group.shots.some((x) => x.flaky)
      ? '<span class="badge flaky" title="The flow passed only on a retry">flaky</span>'
      : "",
    group.ignored ? '<span class="badge ignored">ignored before</span>' : "",
  ].join(" ");
  const also = others.length
    ? `<p class="also">The same change in ${others
        .map((o) => `<span>${e(`${o.screenshot.flowName} · ${o.screenshot.stepName}`)}</span>`)
        .join(", ")}</p>`
    : "";
  const figure = (kind: string, src: string | undefined, alt: string) =>
    src
      ? `<figure class="${kind}"><figcaption>${kind}</figcaption><div class="frame"><img src="${e(src)}" alt="${e(alt)}"></div></figure>`
      : `<figure class="${kind} missing"><figcaption>${kind}</figcaption><p>${kind === "before" ? "No baseline yet" : "Not stored"}</p></figure>`;
  const regions = first.regions.length
    ? `<div class="regions"><span>Zoom to:</span> ${first.regions
        .map(
          (r, i) =>
            `<button type="button" class="zoom" data-x="${r.x}" data-y="${r.y}" data-w="${r.width}" data-h="${r.height}">region ${i + 1} <small>${r.width}×${r.height} at ${r.x},${r.y}</small></button>`,
        )
        .join(" ")} <button type="button" class="zoom-reset">whole picture</button></div>`
    : "";
  const forms = writable
    ? `<div class="actions"><form class="review-action" method="post" action="${e(`${action}/approve`)}">${csrfField(
        ctx.viewer.csrfToken,
      )}<input type="hidden" name="screenshots" value="${e(ids)}"><button type="submit" class="approve">Approve</button></form><form class="review-action" method="post" action="${e(
        `${action}/ignore`,
      )}">${csrfField(ctx.viewer.csrfToken)}<input type="hidden" name="screenshots" value="${e(
        ids,
      )}"><button type="submit" class="ignore">Ignore</button></form><span class="state" role="status"></span></div>`
    : "";
  return `<section class="change" id="change-${index}" data-ids="${e(ids)}" tabindex="-1" aria-labelledby="${heading}">
<h2 id="${heading}">${e(label)} ${badges}</h2>${also}
<div class="modes" role="group" aria-label="How to compare">
<button type="button" data-mode="side" aria-pressed="true">Side by side</button><button type="button" data-mode="overlay" aria-pressed="false">Overlay</button><button type="button" data-mode="slider" aria-pressed="false">Slider</button><button type="button" data-mode="diff" aria-pressed="false">Diff</button>
<label class="opacity">Opacity <input type="range" min="0" max="100" value="50" name="opacity"></label>
<label class="split">Split <input type="range" min="0" max="100" value="50" name="split"></label>
</div>
<div class="stage mode-side">${figure("before", before, `Baseline of ${label}`)}${figure("after", after, `This pull request's ${label}`)}${
    diff ? figure("diff", diff, `Changed pixels of ${label}`) : ""
  }</div>
${regions}${forms}
</section>`;
}
