import { endianness } from "node:os";
import { crc32, deflateSync, inflateSync } from "node:zlib";
import { PNG } from "pngjs";

/** Pixels in RGBA order, 4 bytes each, rows top to bottom. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export class PngError extends Error {
  readonly code = "PERCEO_BAD_PNG";
  constructor(message: string) {
    super(`${message} Fix: pass the PNG bytes of a screenshot, or decoded RGBA pixels.`);
    this.name = "PngError";
  }
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const LITTLE_ENDIAN = endianness() === "LE";

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/** The parts of a PNG the fast path reads; undefined when it needs pngjs (palette, 16-bit, interlaced). */
interface PngLayout {
  width: number;
  height: number;
  channels: 3 | 4;
  idat: Uint8Array[];
}

function readLayout(bytes: Uint8Array): PngLayout | undefined {
  if (!isPng(bytes)) throw new PngError("Not a PNG image.");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let interlace = 0;
  const idat: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(
      bytes[offset + 4] ?? 0,
      bytes[offset + 5] ?? 0,
      bytes[offset + 6] ?? 0,
      bytes[offset + 7] ?? 0,
    );
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      depth = bytes[offset + 16] ?? 0;
      colorType = bytes[offset + 17] ?? 0;
      interlace = bytes[offset + 20] ?? 0;
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    else if (type === "PLTE" || type === "tRNS") return undefined;
    offset += 12 + length;
  }
  if (!width || !height || idat.length === 0) throw new PngError("The PNG has no image header or no pixels.");
  if (depth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0 || !LITTLE_ENDIAN)
    return undefined;
  return { width, height, channels: colorType === 6 ? 4 : 3, idat };
}

/**
 * Whether two PNGs hold the same pixels as stored: the same header, palette, transparency and
 * compressed pixel data, whatever their other chunks (text, time, colour profile) say. A screenshot
 * re-encoded by the same browser matches here and needs no decoding.
 */
export function samePixelChunks(first: Uint8Array, second: Uint8Array): boolean {
  const a = pixelChunks(first);
  const b = pixelChunks(second);
  return a !== undefined && b !== undefined && Buffer.compare(a, b) === 0;
}

const PIXEL_CHUNKS = new Set(["IHDR", "PLTE", "tRNS", "IDAT"]);

function pixelChunks(bytes: Uint8Array): Buffer | undefined {
  if (!isPng(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > bytes.length) return undefined;
    // Type and body: a chunk split differently (one IDAT or several) still compares by its bytes.
    if (PIXEL_CHUNKS.has(type))
      parts.push(bytes.subarray(type === "IDAT" ? offset + 8 : offset + 4, offset + 8 + length));
    if (type === "IEND") return Buffer.concat(parts);
    offset += 12 + length;
  }
  return undefined;
}

/** The filtered rows: each a filter byte and `width × channels` bytes. */
function inflateRows(layout: PngLayout): Uint8Array {
  const stride = layout.width * layout.channels;
  let raw: Uint8Array;
  try {
    // One output buffer of the known size instead of zlib's default 16 KiB pieces joined at the end.
    raw = inflateSync(
      layout.idat.length === 1 ? (layout.idat[0] as Uint8Array) : Buffer.concat(layout.idat),
      {
        chunkSize: Math.max(64 * 1024, (stride + 1) * layout.height + 1),
      },
    );
  } catch (error) {
    throw new PngError(`The PNG's pixel data is corrupt (${(error as Error).message}).`);
  }
  if (raw.length < (stride + 1) * layout.height) throw new PngError("The PNG's pixel data is truncated.");
  return raw;
}

/**
 * Decodes a PNG to RGBA. Browser screenshots (8-bit RGB or RGBA, not interlaced) take a fast path:
 * native inflate and a typed-array unfilter, several times faster than pngjs; anything else goes
 * through pngjs.
 */
export function decodePng(bytes: Uint8Array): DecodedImage {
  const layout = readLayout(bytes);
  if (!layout) return decodeWithPngjs(bytes);
  const { width, height, channels } = layout;
  const stride = width * channels;
  const raw = inflateRows(layout);
  for (let y = 0; y < height; y++) unfilterRow(raw, y, stride, channels);
  const data = new Uint8Array(width * height * 4);
  const toRgba = rowConverter(width, channels, data);
  for (let y = 0; y < height; y++) toRgba(raw, y);
  return { width, height, data };
}

/**
 * Decodes two screenshots of the same page at once. Rows whose filtered bytes match (and whose row
 * above matched, for the filters that read it) are the same pixels: the second image takes them from
 * the first instead of unfiltering and converting them again. A small change costs one decode plus
 * its changed rows. `sameRows[y]` is 1 when row y is known equal in both.
 */
export function decodePngPair(
  first: Uint8Array,
  second: Uint8Array,
): { a: DecodedImage; b: DecodedImage; sameRows?: Uint8Array } {
  const la = readLayout(first);
  const lb = readLayout(second);
  if (!la || !lb || la.width !== lb.width || la.height !== lb.height || la.channels !== lb.channels)
    return { a: decodePng(first), b: decodePng(second) };
  const { width, height, channels } = la;
  const stride = width * channels;
  const rowBytes = stride + 1;
  const rawA = inflateRows(la);
  const rawB = inflateRows(lb);
  const filteredSame = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    const from = y * rowBytes;
    if (Buffer.compare(rawA.subarray(from, from + rowBytes), rawB.subarray(from, from + rowBytes)) === 0)
      filteredSame[y] = 1;
  }
  for (let y = 0; y < height; y++) unfilterRow(rawA, y, stride, channels);
  const a = new Uint8Array(width * height * 4);
  const aToRgba = rowConverter(width, channels, a);
  for (let y = 0; y < height; y++) aToRgba(rawA, y);
  // B starts as A in one native copy; only the rows that differ are decoded over it.
  const b = a.slice();
  const bToRgba = rowConverter(width, channels, b);
  const sameRows = new Uint8Array(height);
  let aboveSame = true;
  for (let y = 0; y < height; y++) {
    const filter = rawB[y * rowBytes];
    if (filteredSame[y] && (aboveSame || filter === 0 || filter === 1)) {
      sameRows[y] = 1;
      aboveSame = true;
      continue;
    }
    // The row above in B is still filtered when it was taken from A: give unfilterRow A's pixels.
    if (y > 0 && sameRows[y - 1])
      rawB.set(rawA.subarray((y - 1) * rowBytes + 1, y * rowBytes), (y - 1) * rowBytes + 1);
    unfilterRow(rawB, y, stride, channels);
    bToRgba(rawB, y);
    const from = y * rowBytes + 1;
    aboveSame = Buffer.compare(rawA.subarray(from, from + stride), rawB.subarray(from, from + stride)) === 0;
    if (aboveSame) sameRows[y] = 1;
  }
  return { a: { width, height, data: a }, b: { width, height, data: b }, sameRows };
}

/**
 * Writes one row as RGBA into `data`. Row y of `raw` starts at `y × rowBytes + rowStart`: unfiltered
 * PNG rows by default (a filter byte, then the samples), packed rows with `rowBytes = width × channels, 0`.
 */
export function rowConverter(
  width: number,
  channels: 3 | 4,
  data: Uint8Array,
  rowBytes = width * channels + 1,
  rowStart = 1,
): (raw: Uint8Array, y: number) => void {
  const stride = width * channels;
  if (channels === 4) {
    return (raw, y) => {
      const from = y * rowBytes + rowStart;
      data.set(raw.subarray(from, from + stride), y * stride);
    };
  }
  // Four RGB pixels are three aligned 32-bit words; a row is copied to an aligned scratch first.
  const out = new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const scratch = new Uint8Array(Math.ceil(stride / 12) * 12);
  const words = new Uint32Array(scratch.buffer);
  const groups = Math.floor(width / 4);
  return (raw, y) => {
    const from = y * rowBytes + rowStart;
    scratch.set(raw.subarray(from, from + stride));
    let o = y * width;
    let w = 0;
    for (let g = 0; g < groups; g++, w += 3, o += 4) {
      const w0 = words[w] as number;
      const w1 = words[w + 1] as number;
      const w2 = words[w + 2] as number;
      out[o] = (w0 & 0xffffff) | 0xff000000;
      out[o + 1] = (w0 >>> 24) | ((w1 & 0xffff) << 8) | 0xff000000;
      out[o + 2] = (w1 >>> 16) | ((w2 & 0xff) << 16) | 0xff000000;
      out[o + 3] = (w2 >>> 8) | 0xff000000;
    }
    for (let p = groups * 12; p < stride; p += 3, o++)
      out[o] =
        (scratch[p] as number) |
        ((scratch[p + 1] as number) << 8) |
        ((scratch[p + 2] as number) << 16) |
        0xff000000;
  };
}

/**
 * Reverses the filter of row `y` in place; each row is a filter byte followed by `stride` bytes, and
 * the row above must already be unfiltered. The first row and each row's first pixel are handled
 * apart so the hot loops have no branches.
 */
function unfilterRow(raw: Uint8Array, y: number, stride: number, bpp: number): void {
  const rowBytes = stride + 1;
  const start = y * rowBytes + 1;
  const end = start + stride;
  const filter = raw[start - 1];
  if (filter === 0) return;
  if (y === 0) {
    // No row above: Up is a no-op, Average halves the left byte, Paeth picks the left byte.
    if (filter === 2) return;
    if (filter === 1 || filter === 4) {
      for (let i = start + bpp; i < end; i++) raw[i] = ((raw[i] as number) + (raw[i - bpp] as number)) & 0xff;
    } else if (filter === 3) {
      for (let i = start + bpp; i < end; i++)
        raw[i] = ((raw[i] as number) + ((raw[i - bpp] as number) >> 1)) & 0xff;
    } else throw new PngError(`Unknown PNG row filter ${filter}.`);
    return;
  }
  const first = start + bpp;
  if (filter === 1) {
    for (let channel = 0; channel < bpp; channel++) {
      let a = raw[start + channel] as number;
      for (let i = first + channel; i < end; i += bpp) {
        a = ((raw[i] as number) + a) & 0xff;
        raw[i] = a;
      }
    }
  } else if (filter === 2) {
    // A row that repeats the one above (a plain background) is all zeros: copy it natively.
    if (isZero(raw, start, end)) raw.copyWithin(start, start - rowBytes, end - rowBytes);
    else
      for (let i = start; i < end; i++) raw[i] = ((raw[i] as number) + (raw[i - rowBytes] as number)) & 0xff;
  } else if (filter === 3) {
    for (let i = start; i < first; i++)
      raw[i] = ((raw[i] as number) + ((raw[i - rowBytes] as number) >> 1)) & 0xff;
    for (let channel = 0; channel < bpp; channel++) {
      let a = raw[start + channel] as number;
      for (let i = first + channel; i < end; i += bpp) {
        a = ((raw[i] as number) + ((a + (raw[i - rowBytes] as number)) >> 1)) & 0xff;
        raw[i] = a;
      }
    }
  } else if (filter === 4) {
    // One channel at a time, the left and upper-left bytes carried in locals: each byte then reads
    // only itself and the byte above, and never waits on the write before it through memory.
    for (let channel = 0; channel < bpp; channel++) {
      let a = ((raw[start + channel] as number) + (raw[start + channel - rowBytes] as number)) & 0xff;
      raw[start + channel] = a;
      let c = raw[start + channel - rowBytes] as number;
      for (let i = first + channel; i < end; i += bpp) {
        const b = raw[i - rowBytes] as number;
        const pa = b > c ? b - c : c - b; // |p - a| with p = a + b - c
        const pb = a > c ? a - c : c - a;
        const pc = a + b > c + c ? a + b - c - c : c + c - a - b;
        a = ((raw[i] as number) + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        raw[i] = a;
        c = b;
      }
    }
  } else throw new PngError(`Unknown PNG row filter ${filter}.`);
}

let zeros = new Uint8Array(0);
function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  if (zeros.length < end - start) zeros = new Uint8Array(end - start);
  return Buffer.compare(bytes.subarray(start, end), zeros.subarray(0, end - start)) === 0;
}

function decodeWithPngjs(bytes: Uint8Array): DecodedImage {
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return {
      width: png.width,
      height: png.height,
      data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
    };
  } catch (error) {
    throw new PngError(`The PNG could not be decoded (${(error as Error).message}).`);
  }
}

/** Encodes RGBA pixels as an 8-bit RGBA PNG (fast zlib level: diff images are for people, not archives). */
export function encodePng(image: DecodedImage): Uint8Array {
  const { width, height, data } = image;
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = new Uint8Array(13);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, width);
  headerView.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 3 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}
