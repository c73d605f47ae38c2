import type { BrowserContextOptions } from "playwright-core";

export const CAPTURE_VIEWPORTS = ["desktop", "mobile"] as const;
export type CaptureViewport = (typeof CAPTURE_VIEWPORTS)[number];

const MOBILE_USER_AGENT =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36";

/** Desktop 1280 wide; mobile 390 wide with touch and a mobile user agent. Scale 1 so page and picture pixels agree. */
export const VIEWPORT_CONTEXTS: Record<CaptureViewport, BrowserContextOptions> = {
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  mobile: {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    userAgent: MOBILE_USER_AGENT,
  },
};
