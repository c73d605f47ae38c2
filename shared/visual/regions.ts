/** A rectangle in page pixels (CSS pixels at scale 1). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A changed area of a screenshot and how many changed pixels it holds. */
export interface Region extends Box {
  pixels: number;
}

/** Changed pixels are counted per TILE×TILE square; regions are unions of tiles. */
export const TILE = 8;

/**
 * Groups tiles with changed pixels into regions: tiles closer than `gap` pixels join the same
 * region (a changed word is one region, not one per letter). Largest region first.
 */
export function clusterRegions(
  tiles: Uint32Array,
  tilesX: number,
  width: number,
  height: number,
  gap: number,
): Region[] {
  const tilesY = Math.ceil(height / TILE);
  const reach = Math.max(1, Math.ceil(gap / TILE));
  const seen = new Uint8Array(tiles.length);
  const regions: Region[] = [];
  const stack: number[] = [];
  for (let start = 0; start < tiles.length; start++) {
    if (tiles[start] === 0 || seen[start]) continue;
    seen[start] = 1;
    stack.push(start);
    let minX = tilesX;
    let minY = tilesY;
    let maxX = 0;
    let maxY = 0;
    let pixels = 0;
    while (stack.length > 0) {
      const t = stack.pop() as number;
      const tx = t % tilesX;
      const ty = (t / tilesX) | 0;
      pixels += tiles[t] as number;
      if (tx < minX) minX = tx;
      if (tx > maxX) maxX = tx;
      if (ty < minY) minY = ty;
      if (ty > maxY) maxY = ty;
      for (let ny = Math.max(0, ty - reach); ny <= Math.min(tilesY - 1, ty + reach); ny++) {
        for (let nx = Math.max(0, tx - reach); nx <= Math.min(tilesX - 1, tx + reach); nx++) {
          const n = ny * tilesX + nx;
          if (tiles[n] !== 0 && !seen[n]) {
            seen[n] = 1;
            stack.push(n);
          }
        }
      }
    }
    const x = minX * TILE;
    const y = minY * TILE;
    regions.push({
      x,
      y,
      width: Math.min(width, (maxX + 1) * TILE) - x,
      height: Math.min(height, (maxY + 1) * TILE) - y,
      pixels,
    });
  }
  return regions.sort((a, b) => b.pixels - a.pixels);
}

export function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

export function area(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}
