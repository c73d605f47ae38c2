import type { ArtKind, Product } from "../data/catalogue.ts";
import { type Html, html, trustedHtml } from "../http/html.ts";

type Palette = Product["art"];

/** Simple flat illustrations stand in for product photos: no image files to download, same pixels every run. */
const DRAWINGS: Record<ArtKind, (p: Palette) => string> = {
  lamp: (p) =>
    `<rect x="60" y="138" width="80" height="8" rx="4" fill="${p.accent}" opacity=".25"/>
     <path d="M92 84h16l6 54H86z" fill="${p.accent}"/>
     <path d="M64 84 76 30h48l12 54z" fill="${p.color}"/>
     <ellipse cx="100" cy="84" rx="36" ry="5" fill="${p.accent}" opacity=".35"/>`,
  pendant: (p) =>
    `<line x1="100" y1="0" x2="100" y2="56" stroke="${p.color}" stroke-width="3"/>
     <ellipse cx="100" cy="118" rx="44" ry="10" fill="${p.accent}" opacity=".8"/>
     <path d="M56 106c0-26 20-48 44-48s44 22 44 48z" fill="${p.color}"/>
     <circle cx="100" cy="110" r="9" fill="${p.accent}"/>`,
  armchair: (p) =>
    `<rect x="46" y="44" width="108" height="64" rx="22" fill="${p.color}"/>
     <rect x="38" y="84" width="124" height="34" rx="14" fill="${p.color}" stroke="${p.accent}" stroke-opacity=".25" stroke-width="3"/>
     <rect x="52" y="118" width="8" height="24" rx="3" fill="${p.accent}"/>
     <rect x="140" y="118" width="8" height="24" rx="3" fill="${p.accent}"/>`,
  table: (p) =>
    `<ellipse cx="100" cy="58" rx="58" ry="14" fill="${p.color}"/>
     <rect x="42" y="58" width="116" height="8" fill="${p.accent}" opacity=".5"/>
     <path d="M92 66h16v70H92z" fill="${p.accent}"/>
     <ellipse cx="100" cy="140" rx="28" ry="6" fill="${p.accent}"/>`,
  bench: (p) =>
    `<rect x="28" y="76" width="144" height="14" rx="4" fill="${p.color}"/>
     <rect x="28" y="96" width="144" height="6" rx="3" fill="${p.accent}" opacity=".4"/>
     <rect x="40" y="88" width="10" height="52" fill="${p.accent}"/>
     <rect x="150" y="88" width="10" height="52" fill="${p.accent}"/>`,
  throw: (p) =>
    `<path d="M40 36h120v84c-20 10-40-6-60 4s-40 6-60-4z" fill="${p.color}"/>
     <path d="M40 56h120M40 76h120M40 96h120" stroke="${p.accent}" stroke-opacity=".35" stroke-width="4"/>
     <path d="M48 122v12M60 124v12M72 126v12M84 126v12M96 124v12M108 124v12M120 126v12M132 126v12M144 124v12M152 122v12" stroke="${p.accent}" stroke-width="2"/>`,
  cushion: (p) =>
    `<path d="M46 42q54-14 108 0q10 40 0 80q-54 14-108 0q-10-40 0-80z" fill="${p.color}"/>
     <path d="M60 60l10 10 10-10 10 10 10-10 10 10 10-10 10 10 10-10 10 10M60 86l10 10 10-10 10 10 10-10 10 10 10-10 10 10 10-10 10 10" fill="none" stroke="${p.accent}" stroke-opacity=".5" stroke-width="3"/>`,
  mug: (p) =>
    `<path d="M136 64a18 18 0 0 1 0 40" fill="none" stroke="${p.color}" stroke-width="10"/>
     <rect x="62" y="44" width="76" height="92" rx="12" fill="${p.color}"/>
     <rect x="62" y="44" width="76" height="14" rx="6" fill="${p.accent}"/>
     <circle cx="84" cy="90" r="2" fill="${p.accent}"/><circle cx="112" cy="104" r="2" fill="${p.accent}"/><circle cx="96" cy="120" r="2" fill="${p.accent}"/>`,
  kettle: (p) =>
    `<path d="M58 132c-4-40 8-72 42-72s46 32 42 72z" fill="${p.color}"/>
     <path d="M62 112c-20-6-30-20-36-44" fill="none" stroke="${p.color}" stroke-width="7" stroke-linecap="round"/>
     <path d="M80 60c0-22 40-22 40 0" fill="none" stroke="${p.accent}" stroke-width="9" stroke-linecap="round"/>
     <rect x="56" y="128" width="88" height="8" rx="4" fill="${p.accent}" opacity=".5"/>`,
  candles: (p) =>
    `<rect x="50" y="80" width="30" height="58" rx="4" fill="${p.color}"/>
     <rect x="86" y="62" width="30" height="76" rx="4" fill="${p.color}"/>
     <rect x="122" y="46" width="30" height="92" rx="4" fill="${p.color}"/>
     <path d="M65 80v-8M101 62v-8M137 46v-8" stroke="#333" stroke-width="2"/>
     <path d="M65 58c6 6 4 12 0 14-4-2-6-8 0-14zM101 40c6 6 4 12 0 14-4-2-6-8 0-14zM137 24c6 6 4 12 0 14-4-2-6-8 0-14z" fill="${p.accent}"/>`,
  planter: (p) =>
    `<path d="M100 76c-6-22-24-34-40-30 6 16 22 26 40 30zM100 76c4-26 20-42 40-40-4 20-20 34-40 40zM100 76c0-20 0-34 0-50" fill="${p.accent}" stroke="${p.accent}" stroke-width="3"/>
     <path d="M64 80h72l-10 56H74z" fill="${p.color}"/>
     <rect x="58" y="76" width="84" height="12" rx="3" fill="${p.color}" stroke="#000" stroke-opacity=".12" stroke-width="2"/>`,
  vase: (p) =>
    `<path d="M86 20h28v20c0 10 16 20 16 50s-10 50-30 50-30-20-30-50 16-40 16-50z" fill="${p.color}" opacity=".9"/>
     <path d="M92 50c-6 10-10 24-10 40" stroke="#fff" stroke-opacity=".6" stroke-width="4" fill="none" stroke-linecap="round"/>
     <path d="M100 20c-4-8 2-14 10-16M100 20c4-10-4-16-12-18" stroke="${p.accent}" stroke-width="3" fill="none"/>`,
  clock: (p) =>
    `<circle cx="100" cy="80" r="58" fill="${p.color}" stroke="${p.accent}" stroke-width="4"/>
     <path d="M100 30v8M100 122v8M50 80h8M142 80h8" stroke="${p.accent}" stroke-width="4"/>
     <path d="M100 80V48M100 80l24 16" stroke="${p.accent}" stroke-width="4" stroke-linecap="round"/>
     <circle cx="100" cy="80" r="4" fill="${p.accent}"/>`,
};

/** An illustration of a product; decorative unless given a label (as on the product page). */
export function renderProductImage(product: Product, options: { label?: string } = {}): Html {
  const a11y = options.label
    ? html`role="img" aria-label="${options.label}"`
    : html`aria-hidden="true" focusable="false"`;
  return html`<svg class="product-image" viewBox="0 0 200 160" ${a11y} data-art="${product.art.kind}">
  <rect width="200" height="160" fill="${product.art.background}"/>
  ${trustedHtml(DRAWINGS[product.art.kind](product.art))}
</svg>`;
}
