import { crc32 } from "node:zlib";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { compareImages } from "./compare-images.ts";
import { type DecodedImage, decodePng, decodePngPair, encodePng } from "./png.ts";

function blank(width: number, height: number, rgba = [255, 255, 255, 255]): DecodedImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

function paint(
  image: DecodedImage,
  box: { x: number; y: number; width: number; height: number },
  rgba: number[],
) {
  for (let y = box.y; y < box.y + box.height; y++)
    for (let x = box.x; x < box.x + box.width; x++) image.data.set(rgba, (y * image.width + x) * 4);
  return image;
}

function copy(image: DecodedImage): DecodedImage {
  return { ...image, data: image.data.slice() };
}

/** A page-like picture: text-ish strokes with anti-aliased edges on white. */
function pageLike(width: number, height: number): DecodedImage {
  const image = blank(width, height);
  for (let row = 10; row < height - 20; row += 24) {
    for (let x = 10; x < width - 10; x += 7) {
      paint(image, { x, y: row, width: 4, height: 12 }, [30, 30, 30, 255]);
      paint(image, { x: x + 4, y: row, width: 1, height: 12 }, [140, 140, 140, 255]);
    }
  }
  return image;
}

describe("compareImages", () => {
  it("identical PNG bytes are identical without decoding", () => {
    const png = encodePng(pageLike(200, 100));
    const result = compareImages(png, Uint8Array.from(png));
    expect(result).toMatchObject({ identical: true, width: 200, height: 100, changedPixels: 0, regions: [] });
  });

  it("PNGs whose pixel chunks match are identical without decoding, whatever their text chunks say", () => {
    const png = encodePng(pageLike(200, 100));
    // A tEXt chunk after IHDR (8 + 25 bytes) in the second, as an encoder stamping a time would write.
    const body = Buffer.from("Comment\0taken at 18:59");
    const text = Buffer.alloc(12 + body.length);
    text.writeUInt32BE(body.length, 0);
    text.write("tEXt", 4, "latin1");
    body.copy(text, 8);
    text.writeUInt32BE(crc32(text.subarray(4, 8 + body.length)), 8 + body.length);
    const stamped = Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
    expect(compareImages(png, stamped)).toMatchObject({
      identical: true,
      width: 200,
      height: 100,
      changedPixels: 0,
    });
    // The same pixel data corrupted in both is still "the same as stored": nothing was decoded to notice.
    const corrupt = Uint8Array.from(png);
    corrupt[45] = (corrupt[45] as number) ^ 0xff;
    expect(
      compareImages(corrupt, Buffer.concat([corrupt.subarray(0, 33), text, corrupt.subarray(33)])).identical,
    ).toBe(true);
    expect(() => compareImages(png, corrupt)).toThrow(/corrupt|decoded|PNG/);
  });

  it("a changed button is one region around it, counted like pixelmatch", () => {
    const before = pageLike(400, 300);
    const after = paint(copy(before), { x: 100, y: 120, width: 80, height: 30 }, [200, 30, 30, 255]);
    const result = compareImages(encodePng(before), encodePng(after));
    const reference = pixelmatch(before.data, after.data, undefined, 400, 300, { threshold: 0.1 });
    expect(result.identical).toBe(false);
    expect(result.changedPixels).toBe(reference);
    expect(result.regions).toHaveLength(1);
    expect(result.regions[0]).toMatchObject({ x: 96, y: 120, width: 88, height: 32 });
  });

  it("changes far apart are separate regions, largest first", () => {
    const before = blank(300, 300);
    const after = paint(
      paint(copy(before), { x: 10, y: 10, width: 5, height: 5 }, [0, 0, 0, 255]),
      { x: 200, y: 200, width: 40, height: 40 },
      [0, 0, 0, 255],
    );
    const result = compareImages(before, after);
    expect(result.regions.map((r) => r.pixels)).toEqual([1600, 25]);
  });

  it("a colour shift below the threshold is not a change", () => {
    const before = blank(50, 50, [200, 200, 200, 255]);
    const after = blank(50, 50, [203, 203, 203, 255]);
    expect(compareImages(before, after)).toMatchObject({ identical: true, changedPixels: 0, regions: [] });
    expect(compareImages(before, after, { threshold: 0 }).changedPixels).toBe(2500);
  });

  it("anti-aliased edge pixels are ignored unless asked for", () => {
    const before = paint(blank(20, 20), { x: 5, y: 0, width: 10, height: 20 }, [0, 0, 0, 255]);
    // The edge column turns grey in the new picture: a rendering difference, not a change.
    const after = paint(copy(before), { x: 15, y: 0, width: 1, height: 20 }, [128, 128, 128, 255]);
    const reference = pixelmatch(before.data, after.data, undefined, 20, 20, { threshold: 0.1 });
    expect(compareImages(before, after).changedPixels).toBe(reference);
    expect(compareImages(before, after, { antialiasing: false }).changedPixels).toBe(20);
  });

  it("masked areas are ignored", () => {
    const before = blank(100, 100);
    const after = paint(copy(before), { x: 10, y: 10, width: 20, height: 20 }, [0, 0, 0, 255]);
    expect(
      compareImages(before, after, { masks: [{ x: 0, y: 0, width: 50, height: 50 }] }).changedPixels,
    ).toBe(0);
  });

  it("a longer page compares the common part and counts the rest as changed", () => {
    const before = blank(100, 100);
    const after = blank(100, 150);
    const result = compareImages(before, after);
    expect(result).toMatchObject({
      identical: false,
      height: 150,
      changedPixels: 5000,
      sizeChange: { before: { width: 100, height: 100 }, after: { width: 100, height: 150 } },
    });
    expect(result.regions[0]).toMatchObject({ x: 0, y: 96, width: 100, height: 54 });
  });

  it("draws a diff image with changed pixels in red", () => {
    const before = blank(30, 30);
    const after = paint(copy(before), { x: 0, y: 0, width: 2, height: 2 }, [0, 0, 0, 255]);
    const result = compareImages(before, after, { diffImage: true });
    const diff = decodePng(result.diffPng as Uint8Array);
    expect([...diff.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    expect(diff.data[(29 * 30 + 29) * 4]).toBeGreaterThan(240);
  });

  it("rejects bytes that are not a PNG", () => {
    expect(() => compareImages(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3, 4))).toThrow(/Not a PNG/);
  });
});

describe("decodePng", () => {
  it("decodes RGB, RGBA and palette PNGs to the same pixels as pngjs", () => {
    const image = pageLike(37, 29);
    paint(image, { x: 3, y: 3, width: 9, height: 5 }, [10, 200, 90, 128]);
    for (const colorType of [2, 6] as const) {
      const png = new PNG({ width: 37, height: 29, colorType });
      png.data = Buffer.from(image.data);
      const bytes = PNG.sync.write(png, { colorType, filterType: -1 });
      const expected = PNG.sync.read(bytes).data;
      expect(Buffer.from(decodePng(bytes).data).equals(expected)).toBe(true);
    }
    for (const filterType of [0, 1, 2, 3, 4]) {
      const png = new PNG({ width: 37, height: 29 });
      png.data = Buffer.from(image.data);
      const bytes = PNG.sync.write(png, { colorType: 2, filterType });
      expect(Buffer.from(decodePng(bytes).data).equals(PNG.sync.read(bytes).data)).toBe(true);
    }
  });

  it("round-trips through encodePng", () => {
    const image = pageLike(64, 48);
    expect(Buffer.from(decodePng(encodePng(image)).data).equals(Buffer.from(image.data))).toBe(true);
  });
});

describe("decodePngPair", () => {
  const encode = (image: DecodedImage, colorType: 2 | 6, filterType: number) => {
    const png = new PNG({ width: image.width, height: image.height, colorType });
    png.data = Buffer.from(image.data);
    return PNG.sync.write(png, { colorType, filterType });
  };

  it("decodes two screenshots to exactly the pixels each decodes to alone, for every filter and change", () => {
    const base = pageLike(53, 120);
    const changes: Array<[string, (image: DecodedImage) => DecodedImage]> = [
      ["none", (image) => image],
      ["middle", (image) => paint(image, { x: 10, y: 50, width: 20, height: 6 }, [200, 0, 40, 255])],
      ["first row", (image) => paint(image, { x: 0, y: 0, width: 3, height: 1 }, [0, 0, 255, 255])],
      ["last row", (image) => paint(image, { x: 40, y: 119, width: 13, height: 1 }, [0, 90, 0, 255])],
    ];
    for (const colorType of [2, 6] as const) {
      for (const filterType of [-1, 0, 1, 2, 3, 4]) {
        for (const [name, change] of changes) {
          const before = encode(base, colorType, filterType);
          const after = encode(change(copy(base)), colorType, filterType);
          const { a, b, sameRows } = decodePngPair(before, after);
          const label = `colour type ${colorType}, filter ${filterType}, change ${name}`;
          expect(Buffer.from(a.data).equals(Buffer.from(decodePng(before).data)), label).toBe(true);
          expect(Buffer.from(b.data).equals(Buffer.from(decodePng(after).data)), label).toBe(true);
          // A row is only ever called the same when its pixels are.
          for (let y = 0; y < 120; y++) {
            const row = (image: DecodedImage) =>
              Buffer.from(image.data.subarray(y * 53 * 4, (y + 1) * 53 * 4));
            if (sameRows?.[y]) expect(row(a).equals(row(b)), `${label}, row ${y}`).toBe(true);
          }
          if (name === "middle")
            expect(
              sameRows?.slice(0, 50).every((v) => v === 1),
              label,
            ).toBe(true);
        }
      }
    }
  });

  it("pictures of different sizes are decoded one by one", () => {
    const { a, b, sameRows } = decodePngPair(encodePng(pageLike(20, 30)), encodePng(pageLike(20, 31)));
    expect([a.height, b.height, sameRows]).toEqual([30, 31, undefined]);
  });
});
