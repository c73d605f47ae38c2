/** The fixed product catalogue. Prices are in cents; the order here is the "Featured" order. */
export type Category = "Lighting" | "Furniture" | "Kitchen" | "Textiles" | "Decor";

export type ArtKind =
  | "lamp"
  | "pendant"
  | "candles"
  | "armchair"
  | "table"
  | "throw"
  | "cushion"
  | "mug"
  | "kettle"
  | "planter"
  | "vase"
  | "clock"
  | "bench";

export interface Product {
  slug: string;
  name: string;
  category: Category;
  priceCents: number;
  summary: string;
  description: string;
  details: readonly string[];
  inStock: boolean;
  featured: boolean;
  art: { kind: ArtKind; background: string; color: string; accent: string };
}

export const CATEGORIES: readonly Category[] = ["Lighting", "Furniture", "Kitchen", "Textiles", "Decor"];

export const PRODUCTS: readonly Product[] = [
  {
    slug: "aurora-lamp",
    name: "Aurora Table Lamp",
    category: "Lighting",
    priceCents: 8900,
    summary: "A warm, dimmable lamp with a hand-blown opal shade.",
    description:
      "The Aurora casts a soft, even glow that makes any corner feel like evening. The opal glass shade is blown by hand in Bohemia and sits on a solid ash base.",
    details: ["Height 42 cm, shade Ø 24 cm", "Ash wood and opal glass", "E27 bulb, dimmer on the cord"],
    inStock: true,
    featured: true,
    art: { kind: "lamp", background: "#f3e9dc", color: "#e9b872", accent: "#8c6a4a" },
  },
  {
    slug: "halo-pendant",
    name: "Halo Pendant Light",
    category: "Lighting",
    priceCents: 12900,
    summary: "A spun-aluminium pendant for dining tables.",
    description:
      "Spun from a single sheet of aluminium and powder-coated in a deep moss green, the Halo throws a focused pool of light over a table for six.",
    details: ["Ø 38 cm", "Powder-coated aluminium", "2 m textile cable"],
    inStock: true,
    featured: false,
    art: { kind: "pendant", background: "#e4ebe1", color: "#4f6b4a", accent: "#f2d27c" },
  },
  {
    slug: "fjord-armchair",
    name: "Fjord Armchair",
    category: "Furniture",
    priceCents: 34900,
    summary: "A low lounge chair in oiled oak and wool bouclé.",
    description:
      "Low, deep and generous, the Fjord is built for long reads. The frame is oiled oak with mortise-and-tenon joints; the cushions are covered in undyed wool bouclé.",
    details: ["W 72 × D 80 × H 74 cm", "Oiled oak, wool bouclé", "Made in Denmark"],
    inStock: true,
    featured: true,
    art: { kind: "armchair", background: "#ece6dd", color: "#c9b79c", accent: "#7a5533" },
  },
  {
    slug: "oak-side-table",
    name: "Oak Side Table",
    category: "Furniture",
    priceCents: 14900,
    summary: "A round side table turned from a single block of oak.",
    description:
      "Turned on a lathe from one block of European oak and finished with hard wax oil, the side table is just the right height beside a sofa or bed.",
    details: ["Ø 40 × H 50 cm", "Solid European oak", "Hard wax oil finish"],
    inStock: true,
    featured: false,
    art: { kind: "table", background: "#f1ebe3", color: "#b0824f", accent: "#6d4a2b" },
  },
  {
    slug: "nordic-bench",
    name: "Nordic Bench",
    category: "Furniture",
    priceCents: 21900,
    summary: "A slatted entryway bench in white oak.",
    description:
      "A simple slatted bench for the hallway or the foot of a bed. Back in spring, after our workshop's winter batch.",
    details: ["W 120 × D 36 × H 45 cm", "White oak", "Seats three"],
    inStock: false,
    featured: false,
    art: { kind: "bench", background: "#eeeae4", color: "#cfae84", accent: "#8a6a48" },
  },
  {
    slug: "linen-throw",
    name: "Linen Throw Blanket",
    category: "Textiles",
    priceCents: 5900,
    summary: "Stonewashed Lithuanian linen, soft from the first night.",
    description:
      "Stonewashed linen woven in Lithuania, with a hand-knotted fringe. It gets softer every time it is washed.",
    details: ["130 × 170 cm", "100% linen", "Machine wash at 40 °C"],
    inStock: true,
    featured: true,
    art: { kind: "throw", background: "#e9e4ee", color: "#9d8fb0", accent: "#5e5273" },
  },
  {
    slug: "wool-cushion",
    name: "Wool Cushion Cover",
    category: "Textiles",
    priceCents: 3200,
    summary: "A chunky herringbone cover in natural wool.",
    description: "Woven on an old shuttle loom in a chunky herringbone, with a hidden wooden-button closure.",
    details: ["50 × 50 cm", "Wool, cotton lining", "Insert not included"],
    inStock: true,
    featured: false,
    art: { kind: "cushion", background: "#f4ede4", color: "#d7c2a4", accent: "#9b7b55" },
  },
  {
    slug: "stoneware-mug",
    name: "Stoneware Mug",
    category: "Kitchen",
    priceCents: 1800,
    summary: "A hand-thrown mug with a speckled glaze.",
    description:
      "Thrown on the wheel in our partner studio in Porto and dipped in a speckled oatmeal glaze. Each one is slightly different.",
    details: ["350 ml", "Stoneware", "Dishwasher safe"],
    inStock: true,
    featured: false,
    art: { kind: "mug", background: "#e6eef0", color: "#d9d0c3", accent: "#5d7c86" },
  },
  {
    slug: "pour-over-kettle",
    name: "Pour-Over Kettle",
    category: "Kitchen",
    priceCents: 6400,
    summary: "A gooseneck kettle for slow morning coffee.",
    description:
      "A stovetop gooseneck kettle in brushed steel with a walnut handle, for a slow, steady pour over coffee grounds.",
    details: ["1 litre", "Stainless steel, walnut", "Gas, electric and induction"],
    inStock: true,
    featured: false,
    art: { kind: "kettle", background: "#ecebe8", color: "#a8adb3", accent: "#5b4636" },
  },
  {
    slug: "ember-candle-set",
    name: "Ember Candle Set",
    category: "Decor",
    priceCents: 2400,
    summary: "Three rapeseed-wax candles scented with cedar and smoke.",
    description:
      "Three pillar candles poured from rapeseed wax, scented with cedar, vetiver and a little smoke.",
    details: ["Set of 3, heights 8, 10 and 12 cm", "Rapeseed wax, cotton wicks", "About 30 hours each"],
    inStock: true,
    featured: false,
    art: { kind: "candles", background: "#f5e6df", color: "#e8d6c4", accent: "#d9773f" },
  },
  {
    slug: "terra-planter",
    name: "Terra Planter",
    category: "Decor",
    priceCents: 3800,
    summary: "An unglazed terracotta planter with a saucer.",
    description:
      "Unglazed terracotta that lets roots breathe, with a matching saucer. Sized for a medium houseplant.",
    details: ["Ø 20 × H 18 cm", "Terracotta", "Drainage hole and saucer"],
    inStock: true,
    featured: true,
    art: { kind: "planter", background: "#eef0e6", color: "#c46a45", accent: "#5f8a4d" },
  },
  {
    slug: "moss-vase",
    name: "Moss Glass Vase",
    category: "Decor",
    priceCents: 4500,
    summary: "A tall vase in recycled green glass.",
    description:
      "Blown from recycled bottle glass, which gives it its moss-green tint and the odd tiny bubble.",
    details: ["H 28 cm", "Recycled glass", "Hand wash"],
    inStock: true,
    featured: false,
    art: { kind: "vase", background: "#e3ece6", color: "#7fa08a", accent: "#3f5f4a" },
  },
  {
    slug: "tide-wall-clock",
    name: "Tide Wall Clock",
    category: "Decor",
    priceCents: 7200,
    summary: "A silent wall clock with a birch-ply face.",
    description: "A silent sweep movement behind a birch-ply face and slim brass hands. No ticking, ever.",
    details: ["Ø 30 cm", "Birch plywood, brass", "One AA battery"],
    inStock: true,
    featured: false,
    art: { kind: "clock", background: "#e8edf3", color: "#e6d3b3", accent: "#37475a" },
  },
];

export function findProduct(slug: string): Product | undefined {
  return PRODUCTS.find((product) => product.slug === slug);
}

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}
