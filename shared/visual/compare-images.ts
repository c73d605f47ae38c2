import { decodeWithSharp, loadSharp, toRgbaPair } from "./decode-with-sharp.ts";
import {
  type DecodedImage,
  decodePng,
  decodePngPair,
  encodePng,
  isPng,
  PngError,
  samePixelChunks,
} from "./png.ts";
import { type Box, clusterRegions, type Region, TILE } from "./regions.ts";

/** PNG bytes, or pixels already decoded. */
export type ImageInput = Uint8Array | DecodedImage;

export interface CompareOptions {
  /** 0…1, how different two colours must be to count (YIQ distance, as pixelmatch); default 0.1. */
  threshold?: number;
  /** Ignore pixels that look like anti-aliasing in either image (default true). */
  antialiasing?: boolean;
  /** Areas (page pixels) whose changes are ignored: clocks, ads, user names. */
  masks?: readonly Box[];
  /** Produce a diff picture: changed pixels red, anti-aliasing yellow, the rest faded grey. */
  diffImage?: boolean;
  /** Changed pixels closer than this (px) fall into one region; default 24. */
  regionGap?: number;
  /**
   * Only "is anything different?" is asked: the walk stops at the first changed pixel, so
   * `identical` is exact while changedPixels is 0 or 1, regions hold that one pixel and no diff
   * picture is drawn.
   */
  untilFirstChange?: boolean;
}

export interface CompareResult {
  width: number;
  height: number;
  /** No pixel differs beyond the threshold (outside masks, not anti-aliasing), and the sizes match. */
  identical: boolean;
  /** Pixels that differ beyond the threshold, not anti-aliasing, outside masks; includes area only one image has. */
  changedPixels: number;
  /** changedPixels / (width × height) of the larger extent. */
  ratio: number;
  /** Set when the two images differ in size; the common area is compared, the rest counts as changed. */
  sizeChange?: { before: { width: number; height: number }; after: { width: number; height: number } };
  /** Changed areas, largest first; each lists the pixels it holds. */
  regions: Region[];
  diff?: DecodedImage;
  diffPng?: Uint8Array;
}

/** Largest possible YIQ distance; pixelmatch's scale, so thresholds carry over. */
const MAX_YIQ_DELTA = 35215;

/**
 * Compares two screenshots.
 * 1. identical PNG bytes, pixel chunks (header, palette, IDAT) or pixel buffers: done, nothing decoded or walked
 * 2. rows that are byte-equal are skipped natively; only differing rows are walked pixel by pixel
 * 3. a differing pixel counts when its YIQ distance passes the threshold and it is not anti-aliasing
 * 4. changed pixels are binned in tiles and clustered into regions
 * Decodes with the pure-JS decoder on this thread; compareImagesAsync gives the same result faster.
 */
export function compareImages(
  before: ImageInput,
  after: ImageInput,
  options: CompareOptions = {},
): CompareResult {
  const unchanged = sameEncodedPixels(before, after, options);
  if (unchanged) return unchanged;
  // Two PNGs decode together: rows that are byte-for-byte the same are decoded once.
  if (isEncoded(before) && isEncoded(after)) {
    const { a, b, sameRows } = decodePngPair(before, after);
    return comparePixels(a, b, sameRows, options);
  }
  return comparePixels(toDecoded(before), toDecoded(after), undefined, options);
}

/**
 * compareImages, with both PNGs decoded at once by sharp on its own threads when sharp loads here
 * (decode-with-sharp.ts); elsewhere the same as compareImages.
 */
export async function compareImagesAsync(
  before: ImageInput,
  after: ImageInput,
  options: CompareOptions = {},
): Promise<CompareResult> {
  const unchanged = sameEncodedPixels(before, after, options);
  if (unchanged) return unchanged;
  const sharp = isEncoded(before) && isEncoded(after) ? await loadSharp() : undefined;
  if (!sharp || !isEncoded(before) || !isEncoded(after)) return compareImages(before, after, options);
  if (!isPng(before) || !isPng(after)) throw new PngError("Not a PNG image.");
  const [first, second] = await Promise.all([decodeWithSharp(sharp, before), decodeWithSharp(sharp, after)]);
  const { a, b, sameRows } = toRgbaPair(first, second, options.diffImage === true);
  return comparePixels(a, b, sameRows, options);
}

/** The answer without decoding, when both PNGs store the same pixels and no diff picture is wanted. */
function sameEncodedPixels(
  before: ImageInput,
  after: ImageInput,
  options: CompareOptions,
): CompareResult | undefined {
  if (
    isEncoded(before) &&
    isEncoded(after) &&
    !options.diffImage &&
    (bytesEqual(before, after) || samePixelChunks(before, after))
  ) {
    const { width, height } = pngSize(before);
    return { identical: true, width, height, changedPixels: 0, ratio: 0, regions: [] };
  }
  return undefined;
}

/**
 * Compares decoded pictures. `sameRows[y]` set means row y is known equal in both (its pixels may
 * then be left undecoded, except the first picture's when a diff picture is wanted).
 */
function comparePixels(
  a: DecodedImage,
  b: DecodedImage,
  sameRows: Uint8Array | undefined,
  options: CompareOptions,
): CompareResult {
  const width = Math.max(a.width, b.width);
  const height = Math.max(a.height, b.height);
  const sameSize = a.width === b.width && a.height === b.height;
  if (sameSize && (sameRows ? sameRows.every((same) => same === 1) : bytesEqual(a.data, b.data))) {
    const result: CompareResult = { identical: true, width, height, changedPixels: 0, ratio: 0, regions: [] };
    if (options.diffImage) attachDiff(result, fadedCopy(a, width, height));
    return result;
  }

  const threshold = options.threshold ?? 0.1;
  const maxDelta = MAX_YIQ_DELTA * threshold * threshold;
  const checkAA = options.antialiasing ?? true;
  const masks = options.masks ?? [];
  const firstChangeOnly = options.untilFirstChange === true;
  const output = options.diffImage && !firstChangeOnly ? fadedCopy(a, width, height) : undefined;
  const tilesX = Math.ceil(width / TILE);
  const tiles = new Uint32Array(tilesX * Math.ceil(height / TILE));
  const out32 = output ? new Uint32Array(output.data.buffer) : undefined;
  const a32 = new Uint32Array(a.data.buffer, a.data.byteOffset, a.width * a.height);
  const b32 = new Uint32Array(b.data.buffer, b.data.byteOffset, b.width * b.height);
  const commonW = Math.min(a.width, b.width);
  const commonH = Math.min(a.height, b.height);
  let changed = 0;

  for (let y = 0; y < commonH; y++) {
    const rowA = y * a.width;
    const rowB = y * b.width;
    if (sameRows?.[y]) continue;
    if (
      sameSize &&
      bytesEqual(
        a.data.subarray(rowA * 4, (rowA + commonW) * 4),
        b.data.subarray(rowB * 4, (rowB + commonW) * 4),
      )
    )
      continue;
    for (let x = 0; x < commonW; x++) {
      const pa = a32[rowA + x] as number;
      const pb = b32[rowB + x] as number;
      if (pa === pb) continue;
      const delta = colorDelta(pa, pb);
      if (delta <= maxDelta) continue;
      if (masks.length > 0 && inMasks(masks, x, y)) continue;
      if (
        checkAA &&
        (antialiased(a32, a.width, commonH, x, y, b32, b.width) ||
          antialiased(b32, b.width, commonH, x, y, a32, a.width))
      ) {
        if (out32) out32[y * width + x] = AA_COLOR;
        continue;
      }
      if (firstChangeOnly) return firstChange(a, b, x, y);
      if (out32) out32[y * width + x] = DIFF_COLOR;
      changed++;
      const t = ((y / TILE) | 0) * tilesX + ((x / TILE) | 0);
      tiles[t] = (tiles[t] as number) + 1;
    }
  }
  // Area only one image covers is changed, minus masks.
  if (!sameSize) {
    for (let y = 0; y < height; y++) {
      const fromX = y < commonH ? commonW : 0;
      for (let x = fromX; x < width; x++) {
        if (masks.length > 0 && inMasks(masks, x, y)) continue;
        if (firstChangeOnly) return firstChange(a, b, x, y);
        if (out32) out32[y * width + x] = DIFF_COLOR;
        changed++;
        const t = ((y / TILE) | 0) * tilesX + ((x / TILE) | 0);
        tiles[t] = (tiles[t] as number) + 1;
      }
    }
  }

  const result: CompareResult = {
    identical: changed === 0 && sameSize,
    width,
    height,
    changedPixels: changed,
    ratio: changed / (width * height),
    regions: changed > 0 ? clusterRegions(tiles, tilesX, width, height, options.regionGap ?? 24) : [],
  };
  if (!sameSize) result.sizeChange = sizeChange(a, b);
  if (output) attachDiff(result, output);
  return result;
}

/** The result of an `untilFirstChange` comparison that found a changed pixel at x,y. */
function firstChange(a: DecodedImage, b: DecodedImage, x: number, y: number): CompareResult {
  const width = Math.max(a.width, b.width);
  const height = Math.max(a.height, b.height);
  const result: CompareResult = {
    identical: false,
    width,
    height,
    changedPixels: 1,
    ratio: 1 / (width * height),
    regions: [{ x, y, width: 1, height: 1, pixels: 1 }],
  };
  if (a.width !== b.width || a.height !== b.height) result.sizeChange = sizeChange(a, b);
  return result;
}

function sizeChange(a: DecodedImage, b: DecodedImage): NonNullable<CompareResult["sizeChange"]> {
  return { before: { width: a.width, height: a.height }, after: { width: b.width, height: b.height } };
}

// Little-endian RGBA words.
const DIFF_COLOR = 0xff0000ff;
const AA_COLOR = 0xff00ffff;

function isEncoded(input: ImageInput): input is Uint8Array {
  return input instanceof Uint8Array;
}

function toDecoded(input: ImageInput): DecodedImage {
  if (!isEncoded(input)) {
    if (input.data.length !== input.width * input.height * 4)
      throw new PngError(
        `Pixel data holds ${input.data.length} bytes, not ${input.width}×${input.height}×4.`,
      );
    return input;
  }
  if (!isPng(input)) throw new PngError("Not a PNG image.");
  return decodePng(input);
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function inMasks(masks: readonly Box[], x: number, y: number): boolean {
  for (const m of masks) if (x >= m.x && x < m.x + m.width && y >= m.y && y < m.y + m.height) return true;
  return false;
}

function attachDiff(result: CompareResult, diff: DecodedImage): void {
  result.diff = diff;
  result.diffPng = encodePng(diff);
}

/** The first image faded to light grey, the background of a diff picture. */
function fadedCopy(image: DecodedImage, width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 4).fill(255);
  const out = new Uint32Array(data.buffer);
  const src = new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = src[y * image.width + x] as number;
      const luma =
        (p & 0xff) * 0.29889531 + ((p >>> 8) & 0xff) * 0.58662247 + ((p >>> 16) & 0xff) * 0.11448223;
      const v = (255 + (luma - 255) * 0.1) | 0;
      out[y * width + x] = (v | (v << 8) | (v << 16) | 0xff000000) >>> 0;
    }
  }
  return { width, height, data };
}

/** Squared YIQ distance of two RGBA words, alpha blended over white (pixelmatch's metric). */
function colorDelta(p1: number, p2: number): number {
  let r1 = p1 & 0xff;
  let g1 = (p1 >>> 8) & 0xff;
  let b1 = (p1 >>> 16) & 0xff;
  const a1 = p1 >>> 24;
  let r2 = p2 & 0xff;
  let g2 = (p2 >>> 8) & 0xff;
  let b2 = (p2 >>> 16) & 0xff;
  const a2 = p2 >>> 24;
  if (a1 < 255) {
    r1 = 255 + ((r1 - 255) * a1) / 255;
    g1 = 255 + ((g1 - 255) * a1) / 255;
    b1 = 255 + ((b1 - 255) * a1) / 255;
  }
  if (a2 < 255) {
    r2 = 255 + ((r2 - 255) * a2) / 255;
    g2 = 255 + ((g2 - 255) * a2) / 255;
    b2 = 255 + ((b2 - 255) * a2) / 255;
  }
  const dr = r1 - r2;
  const dg = g1 - g2;
  const db = b1 - b2;
  const y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223;
  const i = dr * 0.59597799 - dg * 0.2741761 - db * 0.32180189;
  const q = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694;
  return 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
}

function brightness(p: number): number {
  const a = p >>> 24;
  let r = p & 0xff;
  let g = (p >>> 8) & 0xff;
  let b = (p >>> 16) & 0xff;
  if (a < 255) {
    r = 255 + ((r - 255) * a) / 255;
    g = 255 + ((g - 255) * a) / 255;
    b = 255 + ((b - 255) * a) / 255;
  }
  return r * 0.29889531 + g * 0.58662247 + b * 0.11448223;
}

/**
 * Whether the pixel at x,y of `img` sits on an anti-aliased edge: it has both darker and brighter
 * neighbours, and the darkest or brightest of them is a flat colour in both images (V. Vysniauskas,
 * "Anti-aliased pixel and intensity slope detector", 2009 — the same test as pixelmatch).
 */
function antialiased(
  img: Uint32Array,
  width: number,
  height: number,
  x1: number,
  y1: number,
  other: Uint32Array,
  otherWidth: number,
): boolean {
  const x0 = Math.max(x1 - 1, 0);
  const y0 = Math.max(y1 - 1, 0);
  const x2 = Math.min(x1 + 1, width - 1, otherWidth - 1);
  const y2 = Math.min(y1 + 1, height - 1);
  const center = img[y1 * width + x1] as number;
  const centerBrightness = brightness(center);
  let zeroes = x1 === x0 || x1 === x2 || y1 === y0 || y1 === y2 ? 1 : 0;
  let min = 0;
  let max = 0;
  let minX = 0;
  let minY = 0;
  let maxX = 0;
  let maxY = 0;
  for (let x = x0; x <= x2; x++) {
    for (let y = y0; y <= y2; y++) {
      if (x === x1 && y === y1) continue;
      const neighbour = img[y * width + x] as number;
      const delta = neighbour === center ? 0 : centerBrightness - brightness(neighbour);
      if (delta === 0) {
        zeroes++;
        if (zeroes > 2) return false;
      } else if (delta < min) {
        min = delta;
        minX = x;
        minY = y;
      } else if (delta > max) {
        max = delta;
        maxX = x;
        maxY = y;
      }
    }
  }
  if (min === 0 || max === 0) return false;
  return (
    (hasManySiblings(img, width, height, minX, minY) &&
      hasManySiblings(other, otherWidth, height, minX, minY)) ||
    (hasManySiblings(img, width, height, maxX, maxY) &&
      hasManySiblings(other, otherWidth, height, maxX, maxY))
  );
}

/** Three or more neighbours of exactly the same colour: a flat area, not an edge. */
function hasManySiblings(img: Uint32Array, width: number, height: number, x1: number, y1: number): boolean {
  const x0 = Math.max(x1 - 1, 0);
  const y0 = Math.max(y1 - 1, 0);
  const x2 = Math.min(x1 + 1, width - 1);
  const y2 = Math.min(y1 + 1, height - 1);
  const value = img[y1 * width + x1];
  let zeroes = x1 === x0 || x1 === x2 || y1 === y0 || y1 === y2 ? 1 : 0;
  for (let x = x0; x <= x2; x++) {
    for (let y = y0; y <= y2; y++) {
      if (x === x1 && y === y1) continue;
      if (value === img[y * width + x]) zeroes++;
      if (zeroes > 2) return true;
    }
  }
  return false;
}
