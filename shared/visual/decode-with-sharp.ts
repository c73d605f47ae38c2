import type { Sharp, SharpOptions } from "sharp";
import { type DecodedImage, isPng, PngError, rowConverter } from "./png.ts";

type SharpFactory = (input: Uint8Array, options?: SharpOptions) => Sharp;

/** Samples as the PNG holds them for 8-bit RGB (3 channels, the usual screenshot); RGBA for anything else. */
export interface StoredPixels {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

let loading: Promise<SharpFactory | undefined> | undefined;

/**
 * sharp (libvips: libpng with zlib-ng, two to three times the pure-JS decoder's speed) when its
 * prebuilt binary loads in this process; undefined where it does not (the Action's bundle, which
 * carries no libvips, or a platform sharp ships no binary for), and the pure-JS decoder is used.
 */
export function loadSharp(): Promise<SharpFactory | undefined> {
  loading ??= import("sharp").then(
    (module) => {
      // Decoded screenshots are large and never decoded twice: keep none in libvips' operation cache.
      module.default.cache(false);
      return module.default as SharpFactory;
    },
    () => undefined,
  );
  return loading;
}

const INPUT: SharpOptions = {
  sequentialRead: true,
  // The pure-JS decoder ignores colour profiles; both must give the same pixels for the same file.
  ignoreIcc: true,
  // Corrupt or truncated pixel data is an error, as in the pure-JS decoder.
  failOn: "error",
  limitInputPixels: false,
};

/**
 * Decodes a PNG with sharp to the same pixels as decodePng (8-bit RGBA, 16-bit samples rounded to
 * the nearest 8-bit value as pngjs does), except that an 8-bit RGB picture keeps its three channels:
 * comparing needs RGBA only for the rows that differ.
 */
export async function decodeWithSharp(sharp: SharpFactory, bytes: Uint8Array): Promise<StoredPixels> {
  try {
    const header = readHeader(bytes);
    if (header.depth === 8 && (header.colorType === 2 || header.colorType === 6) && !header.transparency) {
      const { data, info } = await sharp(bytes, INPUT).raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, channels: info.channels === 3 ? 3 : 4, data };
    }
    if (header.depth === 16) {
      const { data, info } = await sharp(bytes, INPUT)
        .toColourspace("rgb16")
        .ensureAlpha()
        .raw({ depth: "ushort" })
        .toBuffer({ resolveWithObject: true });
      const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      const out = new Uint8Array(samples.length);
      for (let i = 0; i < samples.length; i++)
        out[i] = Math.floor(((samples[i] as number) * 255) / 65535 + 0.5);
      return { width: info.width, height: info.height, channels: 4, data: out };
    }
    const { data, info } = await sharp(bytes, INPUT)
      .toColourspace("srgb")
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 4, data };
  } catch (error) {
    if (error instanceof PngError) throw error;
    throw new PngError(`The PNG could not be decoded (${(error as Error).message}).`);
  }
}

function readHeader(bytes: Uint8Array): { depth: number; colorType: number; transparency: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng(bytes) || bytes.length < 33 || view.getUint32(12) !== 0x49484452)
    throw new PngError("Not a PNG image.");
  // A tRNS chunk (a transparent colour key) comes before the pixel data.
  let transparency = false;
  for (let offset = 33; offset + 8 <= bytes.length; ) {
    const type = view.getUint32(offset + 4);
    if (type === 0x74524e53) transparency = true;
    if (type === 0x49444154 || type === 0x49454e44) break;
    offset += 12 + view.getUint32(offset);
  }
  return { depth: bytes[24] ?? 0, colorType: bytes[25] ?? 0, transparency };
}

/**
 * Two decoded pictures as RGBA for comparing. Rows whose stored samples match are marked in
 * `sameRows`. Of 3-channel pictures only the rows the comparison reads are expanded to RGBA: those
 * that differ and two on each side (the anti-aliasing test looks that far), and every row of the
 * first when `wholeFirst` (a diff picture is drawn over it). The other rows stay zero.
 */
export function toRgbaPair(
  first: StoredPixels,
  second: StoredPixels,
  wholeFirst: boolean,
): { a: DecodedImage; b: DecodedImage; sameRows?: Uint8Array } {
  if (first.width !== second.width || first.height !== second.height || first.channels !== second.channels)
    return { a: expand(first), b: expand(second) };
  const { width, height, channels } = first;
  const stride = width * channels;
  const sameRows = new Uint8Array(height);
  const a = Buffer.from(first.data.buffer, first.data.byteOffset, first.data.length);
  const b = Buffer.from(second.data.buffer, second.data.byteOffset, second.data.length);
  for (let y = 0, from = 0; y < height; y++, from += stride)
    if (a.compare(b, from, from + stride, from, from + stride) === 0) sameRows[y] = 1;
  if (channels === 4) return { a: first, b: second, sameRows };
  const needed = new Uint8Array(height);
  for (let y = 0; y < height; y++)
    if (!sameRows[y]) needed.fill(1, Math.max(0, y - 2), Math.min(height, y + 3));
  return { a: expand(first, wholeFirst ? undefined : needed), b: expand(second, needed), sameRows };
}

/** RGBA of the given rows (all when `rows` is undefined). */
function expand(image: StoredPixels, rows?: Uint8Array): DecodedImage {
  const { width, height, channels } = image;
  if (channels === 4) return { width, height, data: image.data };
  const data = new Uint8Array(width * height * 4);
  const toRgba = rowConverter(width, 3, data, width * 3, 0);
  for (let y = 0; y < height; y++) if (!rows || rows[y]) toRgba(image.data, y);
  return { width, height, data };
}
