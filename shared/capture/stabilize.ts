import type { Page } from "playwright-core";

/** Hosts of analytics, ads, chat widgets and video players: they move, flicker and phone home. */
export const BLOCKED_HOSTS =
  /(^|\.)(google-analytics\.com|googletagmanager\.com|googlesyndication\.com|doubleclick\.net|adservice\.google\.com|facebook\.net|connect\.facebook\.com|hotjar\.com|segment\.(io|com)|mixpanel\.com|amplitude\.com|posthog\.com|fullstory\.com|clarity\.ms|intercom(cdn)?\.(io|com)|widget\.intercom\.io|drift\.com|crisp\.chat|tawk\.to|zdassets\.com|zopim\.com|livechatinc\.com|hs-scripts\.com|hubspot\.com|youtube\.com|youtube-nocookie\.com|vimeo\.com|player\.vimeo\.com|wistia\.(com|net)|taboola\.com|outbrain\.com|criteo\.(com|net)|adnxs\.com|amazon-adsystem\.com)$/i;

/** Animations, transitions, carets, smooth scrolling and video off; scrollbars hidden. */
export const STABILIZING_CSS = `*, *::before, *::after {
  animation-delay: 0s !important; animation-duration: 0s !important; animation-iteration-count: 1 !important;
  animation-play-state: paused !important; transition: none !important; caret-color: transparent !important;
  scroll-behavior: auto !important;
}
::-webkit-scrollbar { display: none !important; }
video, iframe[src*="youtube"], iframe[src*="vimeo"] { visibility: hidden !important; }`;

/** Consent managers' accept buttons (OneTrust, Cookiebot, Didomi, Quantcast, TrustArc, Osano, Usercentrics, cookieconsent, Complianz). */
const CONSENT_SELECTORS = [
  "#onetrust-accept-btn-handler",
  "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll",
  "#CybotCookiebotDialogBodyButtonAccept",
  "#didomi-notice-agree-button",
  ".qc-cmp2-summary-buttons button[mode=primary]",
  "#truste-consent-button",
  ".osano-cm-accept-all",
  "[data-testid=uc-accept-all-button]",
  ".cc-btn.cc-allow",
  ".cc-btn.cc-dismiss",
  ".cmplz-accept",
];

/** Clicks the accept button of a cookie banner, by consent manager or by button text in a consent-looking container. */
export async function dismissCookieBanners(page: Page): Promise<boolean> {
  return page.evaluate((selectors) => {
    for (const selector of selectors) {
      const button = document.querySelector<HTMLElement>(selector);
      if (button && button.offsetParent !== null) {
        button.click();
        return true;
      }
    }
    const accept =
      /^(accept|accept all|accept all cookies|accept cookies|allow all|allow cookies|i agree|agree|got it|ok|okay)$/i;
    const containers = document.querySelectorAll(
      "[id*=cookie i], [class*=cookie i], [id*=consent i], [class*=consent i], [id*=gdpr i], [class*=gdpr i], [aria-label*=cookie i]",
    );
    for (const container of containers) {
      for (const button of container.querySelectorAll<HTMLElement>("button, a, [role=button]")) {
        if (accept.test((button.textContent ?? "").trim())) {
          button.click();
          return true;
        }
      }
    }
    return false;
  }, CONSENT_SELECTORS);
}

/** Scrolls down a viewport at a time (at most `cap` pixels) so lazy content loads, then back to the top. */
export async function wakeLazyContent(page: Page, cap: number, onStep: () => Promise<void>): Promise<void> {
  for (let scrolled = 0; scrolled < cap; ) {
    const moved = await page.evaluate(() => {
      const before = scrollY;
      scrollBy(0, innerHeight);
      return scrollY - before;
    });
    if (moved <= 0) break;
    scrolled += moved;
    await onStep();
  }
  await page.evaluate(() => scrollTo(0, 0));
}

/** Waits for web fonts, image decoding and aria-busy regions to finish. */
export async function waitForContent(page: Page, timeoutMs: number): Promise<void> {
  await page
    .waitForFunction(
      async () => {
        await document.fonts.ready;
        const images = [...document.images].filter((img) => !img.complete);
        await Promise.all([...document.images].map((img) => img.decode().catch(() => {})));
        return images.length === 0 && !document.querySelector('[aria-busy="true"]');
      },
      undefined,
      { timeout: timeoutMs, polling: 100 },
    )
    .catch(() => {});
  await page.evaluate(() => {
    for (const video of document.querySelectorAll("video")) {
      video.pause();
      video.removeAttribute("autoplay");
    }
  });
}
