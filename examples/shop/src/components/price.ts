/** Formats cents the same way on every machine, independent of the locale. */
export function formatPrice(cents: number): string {
  const dollars = Math.floor(cents / 100).toLocaleString("en-US");
  return `$${dollars}.${String(cents % 100).padStart(2, "0")}`;
}
