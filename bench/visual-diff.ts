import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { diff as blazediff } from "@blazediff/core";
import { ODiffServer } from "odiff-bin";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import { startShop } from "../examples/shop/server.ts";
import { BrowserPool, capturePage, launchCaptureBrowser } from "../shared/capture/index.ts";
import { compareImages, compareImagesAsync, type DecodedImage, decodePng } from "../shared/visual/index.ts";
import { median } from "./stats.ts";

/*
 * Visual diff of real shop screenshots, 1280×720 and 1280×8000, identical / small change / large
 * change pairs: end to end from the PNG files (read + decode + compare) and compare-only on decoded
 * pixels, Perceo vs pixelmatch, @blazediff/core and odiff (its persistent server, the fastest way to
 * call it). Alternating runs, medians, ms per megapixel. Then capture latency: warm pool vs cold browser.
 * Target: Perceo end to end ≤ 30 ms/MP on identical and small-change pairs, never slower than pixelmatch.
 */
// `--quick` (the CI smoke run): the 1280×720 pairs from one page, one capture sample.
const { values } = parseArgs({
  options: { iterations: { type: "string", default: "7" }, quick: { type: "boolean", default: false } },
});
const iterations = Number(values.iterations);
const quick = values.quick === true;
const dir = await mkdtemp(path.join(tmpdir(), "perceo-bench-visual-"));

// 1. Real screenshots of the shop, stacked to the sizes we want, written as adaptive-filter PNGs like Chromium's.
const shop = await startShop();
const pool = new BrowserPool({ concurrency: 1 });
const shots: DecodedImage[] = [];
const pages = ["/", "/products", "/products/aurora-lamp", "/about", "/lab/moving-parts"];
for (const page of quick ? pages.slice(0, 1) : pages) {
  const [capture] = await capturePage(
    { url: `${shop.url}${page}`, viewports: ["desktop"] },
    { pool, allowedTargets: [shop.url] },
  );
  if (capture) shots.push(decodePng(capture.png));
}

function stack(height: number): DecodedImage {
  const data = new Uint8Array(1280 * height * 4);
  let y = 0;
  for (let i = 0; y < height; i++) {
    const shot = shots[i % shots.length] as DecodedImage;
    const rows = Math.min(shot.height, height - y);
    data.set(shot.data.subarray(0, rows * 1280 * 4), y * 1280 * 4);
    y += rows;
  }
  return { width: 1280, height, data };
}

function smallChange(image: DecodedImage): DecodedImage {
  const data = image.data.slice();
  const top = Math.floor(image.height / 2);
  for (let y = top; y < top + 40; y++)
    for (let x = 600; x < 720; x++) data.set([176, 0, 32, 255], (y * image.width + x) * 4);
  return { ...image, data };
}

/** Everything below the middle pushed down 13 px: content inserted above it. */
function largeChange(image: DecodedImage): DecodedImage {
  const data = image.data.slice();
  const middle = Math.floor(image.height / 2) * image.width * 4;
  data.set(
    image.data.subarray(middle, image.data.length - 13 * image.width * 4),
    middle + 13 * image.width * 4,
  );
  return { ...image, data };
}

async function writePng(name: string, image: DecodedImage): Promise<string> {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  const file = path.join(dir, `${name}.png`);
  await writeFile(file, PNG.sync.write(png, { colorType: 2 }));
  return file;
}

interface Pair {
  name: string;
  megapixels: number;
  a: string;
  b: string;
}
const pairs: Pair[] = [];
for (const height of quick ? [720] : [720, 8000]) {
  const base = stack(height);
  const a = await writePng(`${height}-base`, base);
  pairs.push({
    name: `1280×${height} identical`,
    megapixels: (1280 * height) / 1e6,
    a,
    b: await writePng(`${height}-same`, base),
  });
  pairs.push({
    name: `1280×${height} small change`,
    megapixels: (1280 * height) / 1e6,
    a,
    b: await writePng(`${height}-small`, smallChange(base)),
  });
  pairs.push({
    name: `1280×${height} large change`,
    megapixels: (1280 * height) / 1e6,
    a,
    b: await writePng(`${height}-large`, largeChange(base)),
  });
}

// 2. Diff timings.
const odiff = new ODiffServer();
const decodeWithPngjs = (bytes: Buffer) => PNG.sync.read(bytes).data;
type Tool = (pair: Pair) => Promise<number>;
const endToEnd: Record<string, Tool> = {
  // sharp decodes both files at once where its binary loads (the App, the CLI); "perceo js" is the
  // pure-JS decoder the Action's bundle runs everywhere.
  perceo: async ({ a, b }) => (await compareImagesAsync(await readFile(a), await readFile(b))).changedPixels,
  "perceo js": async ({ a, b }) => compareImages(await readFile(a), await readFile(b)).changedPixels,
  pixelmatch: async ({ a, b }) => {
    const [x, y] = [PNG.sync.read(await readFile(a)), PNG.sync.read(await readFile(b))];
    return pixelmatch(x.data, y.data, undefined, x.width, x.height, { threshold: 0.1 });
  },
  blazediff: async ({ a, b }) => {
    const [x, y] = [PNG.sync.read(await readFile(a)), PNG.sync.read(await readFile(b))];
    return blazediff(x.data, y.data, undefined, x.width, x.height, { threshold: 0.1 });
  },
  odiff: async ({ a, b, name }) => {
    const result = await odiff.compare(a, b, path.join(dir, `${name.replaceAll(/\W/g, "-")}-odiff.png`), {
      threshold: 0.1,
      antialiasing: true,
    });
    return result.match ? 0 : "diffCount" in result ? result.diffCount : -1;
  },
};

const decoded = new Map<string, Buffer>();
const pixels = async (file: string) => {
  let data = decoded.get(file);
  if (!data) {
    data = decodeWithPngjs(await readFile(file));
    decoded.set(file, data);
  }
  return data;
};
const compareOnly: Record<string, Tool> = {
  perceo: async ({ a, b, megapixels }) => {
    const height = Math.round((megapixels * 1e6) / 1280);
    return compareImages(
      { width: 1280, height, data: await pixels(a) },
      { width: 1280, height, data: await pixels(b) },
    ).changedPixels;
  },
  pixelmatch: async ({ a, b, megapixels }) =>
    pixelmatch(await pixels(a), await pixels(b), undefined, 1280, Math.round((megapixels * 1e6) / 1280), {
      threshold: 0.1,
    }),
  blazediff: async ({ a, b, megapixels }) =>
    blazediff(await pixels(a), await pixels(b), undefined, 1280, Math.round((megapixels * 1e6) / 1280), {
      threshold: 0.1,
    }),
};

/** Medians in ms per megapixel, by pair name and then tool. */
type Medians = Map<string, Map<string, number>>;

async function measure(title: string, tools: Record<string, Tool>): Promise<Medians> {
  const medians: Medians = new Map();
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");
  console.log(
    `\n${title} (median of ${iterations}, ms per megapixel; ratio = peer / Perceo; load average ${load} on ${availableParallelism()} cores)`,
  );
  const names = Object.keys(tools);
  console.log(
    [
      "pair".padEnd(26),
      ...names.map((n) => n.padStart(15)),
      "changed px (perceo / pixelmatch)".padStart(36),
    ].join(""),
  );
  for (const pair of pairs) {
    const samples = new Map(names.map((n) => [n, [] as number[]]));
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, await (tools[name] as Tool)(pair)); // warm-up
    for (let i = 0; i < iterations; i++) {
      for (const name of i % 2 ? [...names].reverse() : names) {
        const start = performance.now();
        await (tools[name] as Tool)(pair);
        samples.get(name)?.push((performance.now() - start) / pair.megapixels);
      }
    }
    medians.set(pair.name, new Map(names.map((n) => [n, median(samples.get(n) as number[])])));
    const perceo = median(samples.get("perceo") as number[]);
    const cells = names.map((n) => {
      const m = median(samples.get(n) as number[]);
      return (n === "perceo" ? m.toFixed(1) : `${m.toFixed(1)} ×${(m / perceo).toFixed(1)}`).padStart(15);
    });
    console.log(
      [
        pair.name.padEnd(26),
        ...cells,
        `${counts.get("perceo")} / ${counts.get("pixelmatch")}`.padStart(36),
      ].join(""),
    );
  }
  return medians;
}

const endToEndMedians = await measure("End to end from PNG files", endToEnd);
await measure("Compare only, decoded pixels", compareOnly);
odiff.stop();

const targeted = [...endToEndMedians].filter(([name]) => !name.endsWith("large change"));
const worst = Math.max(...targeted.map(([, tools]) => tools.get("perceo") as number));
const slowerThanPixelmatch = [...endToEndMedians].filter(
  ([, tools]) => (tools.get("perceo") as number) > (tools.get("pixelmatch") as number),
);
console.log(
  `
target end to end ≤ 30 ms/MP on identical and small-change pairs: ${worst <= 30 ? "met" : "NOT met"} (worst ${worst.toFixed(1)} ms/MP)`,
);
console.log(
  `target never slower than pixelmatch end to end: ${slowerThanPixelmatch.length === 0 ? "met" : `NOT met (${slowerThanPixelmatch.map(([name]) => name).join(", ")})`}`,
);

// 3. Capture latency of one page (desktop): warm pool vs a cold browser per capture.
const url = `${shop.url}/`;
const warm: number[] = [];
const cold: number[] = [];
const captureSamples = quick ? 1 : 3;
for (let i = 0; i < captureSamples; i++) {
  let start = performance.now();
  await capturePage({ url, viewports: ["desktop"] }, { pool, allowedTargets: [shop.url] });
  warm.push(performance.now() - start);
  start = performance.now();
  const coldPool = new BrowserPool({ concurrency: 1, launch: launchCaptureBrowser });
  await capturePage({ url, viewports: ["desktop"] }, { pool: coldPool, allowedTargets: [shop.url] });
  await coldPool.close();
  cold.push(performance.now() - start);
}
console.log(
  `\nCapture of the shop's home page (desktop, full page, stabilized), median of ${captureSamples}:`,
);
console.log(
  `  warm pool ${median(warm).toFixed(0)} ms, cold browser ${median(cold).toFixed(0)} ms (×${(median(cold) / median(warm)).toFixed(1)})`,
);

await pool.close();
await shop.close();
await rm(dir, { recursive: true, force: true });
