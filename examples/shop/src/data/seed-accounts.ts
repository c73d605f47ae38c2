import type { OrderAddress, OrderLine } from "../state/orders.ts";

/** The demo account every fresh shop starts with, and its order history. */
export interface SeedAccount {
  name: string;
  email: string;
  password: string;
  orders: readonly SeedOrder[];
}

export interface SeedOrder {
  id: number;
  placedOn: string;
  status: "Delivered" | "Shipped";
  lines: readonly OrderLine[];
  address: OrderAddress;
}

const adaAddress: OrderAddress = {
  name: "Ada Lovelace",
  street: "12 St James's Square",
  city: "London",
  postalCode: "SW1Y 4JH",
  country: "United Kingdom",
};

export const SEED_ACCOUNTS: readonly SeedAccount[] = [
  {
    name: "Ada Lovelace",
    email: "ada@example.com",
    password: "correct horse",
    orders: [
      {
        id: 1001,
        placedOn: "2025-03-14",
        status: "Delivered",
        address: adaAddress,
        lines: [
          { slug: "linen-throw", name: "Linen Throw Blanket", priceCents: 5900, quantity: 1 },
          { slug: "stoneware-mug", name: "Stoneware Mug", priceCents: 1800, quantity: 2 },
        ],
      },
      {
        id: 1002,
        placedOn: "2025-06-02",
        status: "Shipped",
        address: adaAddress,
        lines: [{ slug: "aurora-lamp", name: "Aurora Table Lamp", priceCents: 8900, quantity: 1 }],
      },
    ],
  },
];

/** New orders are numbered after the seeded ones. */
export const FIRST_NEW_ORDER_ID = 1003;
