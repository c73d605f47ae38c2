/** Countries the shop ships to, as shown in the checkout's Country list. */
export const SHIPPING_COUNTRIES: readonly string[] = [
  "Austria",
  "Belgium",
  "Denmark",
  "France",
  "Germany",
  "Ireland",
  "Netherlands",
  "Sweden",
  "United Kingdom",
  "United States",
];
