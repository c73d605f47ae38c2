import { FIRST_NEW_ORDER_ID } from "../data/seed-accounts.ts";
import { type CartLine, type CartTotals, computeTotals } from "./cart.ts";

export interface OrderLine {
  slug: string;
  name: string;
  priceCents: number;
  quantity: number;
}

export interface OrderAddress {
  name: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface Order {
  id: number;
  /** YYYY-MM-DD */
  placedOn: string;
  status: "Processing" | "Shipped" | "Delivered";
  email: string;
  /** The signed-in account that placed it; guests' orders have none. */
  accountEmail: string | undefined;
  lines: OrderLine[];
  address: OrderAddress;
  cardLast4: string;
  totals: CartTotals;
}

export class OrderBook {
  readonly #orders = new Map<number, Order>();
  #nextId = FIRST_NEW_ORDER_ID;

  add(order: Order): void {
    this.#orders.set(order.id, order);
  }

  place(input: {
    email: string;
    accountEmail: string | undefined;
    lines: CartLine[];
    address: OrderAddress;
    cardLast4: string;
    now: Date;
  }): Order {
    const lines = input.lines.map((line) => ({
      slug: line.product.slug,
      name: line.product.name,
      priceCents: line.product.priceCents,
      quantity: line.quantity,
    }));
    const order: Order = {
      id: this.#nextId++,
      placedOn: input.now.toISOString().slice(0, 10),
      status: "Processing",
      email: input.email,
      accountEmail: input.accountEmail,
      lines,
      address: input.address,
      cardLast4: input.cardLast4,
      totals: orderTotals(lines),
    };
    this.add(order);
    return order;
  }

  get(id: number): Order | undefined {
    return this.#orders.get(id);
  }

  listForAccount(email: string): Order[] {
    return [...this.#orders.values()]
      .filter((order) => order.accountEmail === email)
      .sort((a, b) => b.id - a.id);
  }
}

export function orderTotals(lines: readonly OrderLine[]): CartTotals {
  return computeTotals(lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0));
}
