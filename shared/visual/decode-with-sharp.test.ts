import { readFile } from "node:fs/promises";
import { PNG } from "pngjs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { compareImages, compareImagesAsync } from "./compare-images.ts";
import { decodeWithSharp, loadSharp, type StoredPixels, toRgbaPair } from "./decode-with-sharp.ts";
import { type DecodedImage, decodePng, encodePng } from "./png.ts";

// Real Chromium screenshots of the shop: the home page (RGB) and the product list with the page
// background left out (RGBA, anti-aliased edges half transparent).
const fixture = (name: string) => readFile(new URL(`./testing/${name}.png`, import.meta.url));
const home = await fixture("shop-home");
const transparent = await fixture("shop-products-transparent");

/** The same screenshots stored every other way a PNG can hold them. */
async function variants(): Promise<Array<[string, Uint8Array]>> {
  const homePixels = decodePng(home);
  const pngjs = (image: DecodedImage, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16) => {
    const png = new PNG({ width: image.width, height: image.height, colorType, bitDepth });
    png.data = Buffer.from(image.data);
    return PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true });
  };
  const transparentPixels = decodePng(transparent);
  return [
    ["RGB (Chromium)", home],
    ["RGBA (Chromium, transparent background)", transparent],
    ["palette", await sharp(home).png({ palette: true, colours: 64 }).toBuffer()],
    ["palette with alpha", await sharp(transparent).png({ palette: true }).toBuffer()],
    ["16-bit RGB", pngjs(homePixels, 2, 16)],
    ["16-bit RGBA", pngjs(transparentPixels, 6, 16)],
    ["16-bit grey with alpha", pngjs(transparentPixels, 4, 16)],
    ["grey", pngjs(homePixels, 0, 8)],
    ["interlaced RGB", await sharp(home).png({ progressive: true }).toBuffer()],
    ["interlaced RGBA", await sharp(transparent).png({ progressive: true }).toBuffer()],
    ["with a colour profile", await sharp(home).withIccProfile("p3").png().toBuffer()],
  ];
}

function rgba(pixels: StoredPixels): Buffer {
  if (pixels.channels === 4) return Buffer.from(pixels.data);
  const out = Buffer.alloc(pixels.width * pixels.height * 4, 255);
  for (let i = 0, o = 0; i < pixels.data.length; i += 3, o += 4) out.set(pixels.data.subarray(i, i + 3), o);
  return out;
}

describe("decodeWithSharp", () => {
  it("gives the same RGBA as the pure-JS decoder and pngjs for every kind of PNG", async () => {
    const decoder = await loadSharp();
    expect(decoder).toBeDefined();
    if (!decoder) return;
    for (const [name, bytes] of await variants()) {
      const expected = Buffer.from(decodePng(bytes).data);
      expect(expected.equals(PNG.sync.read(Buffer.from(bytes)).data), name).toBe(true);
      const decoded = await decodeWithSharp(decoder, bytes);
      expect({ name, equal: rgba(decoded).equals(expected) }).toEqual({ name, equal: true });
    }
  });

  it("keeps a screenshot's three channels and says a corrupt one is corrupt", async () => {
    const decoder = (await loadSharp()) as NonNullable<Awaited<ReturnType<typeof loadSharp>>>;
    expect((await decodeWithSharp(decoder, home)).channels).toBe(3);
    const corrupt = Uint8Array.from(home);
    corrupt.fill(7, 200, 400);
    await expect(decodeWithSharp(decoder, corrupt)).rejects.toThrow(/PNG could not be decoded/);
    await expect(decodeWithSharp(decoder, Uint8Array.of(1, 2, 3))).rejects.toThrow(/Not a PNG/);
  });
});

describe("compareImagesAsync", () => {
  const paint = (image: DecodedImage, x: number, y: number, size: number) => {
    const data = image.data.slice();
    for (let row = y; row < y + size; row++)
      for (let col = x; col < x + size; col++) data.set([176, 0, 32, 255], (row * image.width + col) * 4);
    return { ...image, data };
  };

  it("finds the same changes as compareImages on screenshot pairs", async () => {
    for (const screenshot of [home, transparent]) {
      const base = decodePng(screenshot);
      const pairs: Array<[string, Uint8Array]> = [
        ["identical bytes", screenshot],
        ["re-encoded", encodePng(base)],
        ["a square at the top", encodePng(paint(base, 0, 0, 12))],
        ["a square in the middle", encodePng(paint(base, 200, 150, 30))],
        ["a square at the bottom", encodePng(paint(base, 300, base.height - 5, 5))],
        [
          "a shorter picture",
          encodePng({ width: base.width, height: 10, data: base.data.slice(0, base.width * 40) }),
        ],
      ];
      for (const [name, after] of pairs) {
        for (const options of [{}, { diffImage: true }, { threshold: 0, antialiasing: false }]) {
          const sync = compareImages(screenshot, after, options);
          const async = await compareImagesAsync(screenshot, after, options);
          expect({ name, options, ...async }).toEqual({ name, options, ...sync });
        }
      }
    }
  });

  it("stops at the first changed pixel when only whether anything changed is asked", async () => {
    const base = decodePng(home);
    const after = encodePng(paint(paint(base, 10, 10, 4), 300, 200, 20));
    const full = await compareImagesAsync(home, after);
    const quick = await compareImagesAsync(home, after, { untilFirstChange: true, diffImage: true });
    expect(full.changedPixels).toBe(416);
    expect(quick).toMatchObject({ identical: false, changedPixels: 1 });
    expect(quick.diffPng).toBeUndefined();
    expect(quick.regions).toEqual([{ x: 10, y: 10, width: 1, height: 1, pixels: 1 }]);
    expect((await compareImagesAsync(home, encodePng(base), { untilFirstChange: true })).identical).toBe(
      true,
    );
  });
});

describe("toRgbaPair", () => {
  it("expands to RGBA the rows that differ and two either side, and marks the rest the same", () => {
    const width = 4;
    const stored = (height: number, changedRow?: number): StoredPixels => {
      const data = new Uint8Array(width * height * 3).fill(9);
      if (changedRow !== undefined) data[changedRow * width * 3] = 1;
      return { width, height, channels: 3, data };
    };
    const { a, b, sameRows } = toRgbaPair(stored(10), stored(10, 5), false);
    expect([...(sameRows as Uint8Array)]).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const expanded = (image: DecodedImage) =>
      [...Array(10).keys()].map((y) => (image.data[y * width * 4 + 3] === 255 ? 1 : 0));
    expect(expanded(a)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(expanded(b)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(b.data.subarray(5 * width * 4, 5 * width * 4 + 4)).toEqual(Uint8Array.of(1, 9, 9, 255));
    expect(expanded(toRgbaPair(stored(10), stored(10, 5), true).a)).toEqual(Array(10).fill(1));
  });
});
