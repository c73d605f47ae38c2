/** Median of a list of samples (milliseconds, rows/s, …). */
export function median(samples: number[]): number {
  if (samples.length === 0) throw new Error("median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (nearest rank) of a list of samples, p in 0..100. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * How much a ratio of pooled percentiles owes to which rounds happened to run: `draws` times, each
 * side's rounds are drawn again with replacement (as many as it ran), pooled, and the ratio of the
 * p-th percentiles taken. Returns the 5th and 95th percentiles of those ratios. Seeded, so the same
 * samples give the same interval.
 */
export function resampledRatioInterval(
  numerator: number[][],
  denominator: number[][],
  p: number,
  draws = 400,
  seed = 1,
): [number, number] {
  if (numerator.length === 0 || denominator.length === 0)
    throw new Error("resampling needs rounds on both sides");
  const next = seededRandom(seed);
  const pooled = (rounds: number[][]) =>
    percentile(
      rounds.flatMap(() => rounds[next(rounds.length)] as number[]),
      p,
    );
  const ratios = Array.from({ length: draws }, () => pooled(numerator) / pooled(denominator));
  return [percentile(ratios, 5), percentile(ratios, 95)];
}

/** A seeded generator of integers in [0, n): the same seed gives the same sequence in every run. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 8) % n;
  };
}

/** `text` cut or padded with spaces to `width`, for benchmark tables. */
export function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + " ".repeat(width - text.length);
}

/** A share as a percentage with one decimal. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
