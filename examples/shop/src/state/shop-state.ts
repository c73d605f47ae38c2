import type { ShopCopy } from "../copy.ts";
import { SEED_ACCOUNTS } from "../data/seed-accounts.ts";
import { AccountBook } from "./accounts.ts";
import { OrderBook, orderTotals } from "./orders.ts";
import { SessionBook } from "./sessions.ts";

/** Test-only changes a visual-diff test seeds, as a deploy would make them. */
export interface ShopTestChanges {
  /** A stylesheet served at /test-changes.css and linked from every page. */
  css?: string;
  /** An announcement banner above the header. */
  banner?: string;
  /** Leave the home page's "Why shop with us" section out. */
  withoutBenefits?: boolean;
  /** The main navigation's links in reverse order. */
  reverseNav?: boolean;
  /** Markup added at the end of every page's main content (audit tests seed problems with it). */
  mainHtml?: string;
}

/** Everything one shop process remembers; each startShop() begins from the seed again. */
export interface ShopState {
  copy: ShopCopy;
  testChanges: ShopTestChanges;
  accounts: AccountBook;
  orders: OrderBook;
  sessions: SessionBook;
  now: () => Date;
}

export async function createShopState(copy: ShopCopy, testChanges: ShopTestChanges = {}): Promise<ShopState> {
  const accounts = new AccountBook();
  const orders = new OrderBook();
  for (const seed of SEED_ACCOUNTS) {
    await accounts.create(seed.name, seed.email, seed.password);
    for (const order of seed.orders) {
      const lines = [...order.lines];
      orders.add({
        ...order,
        lines,
        email: seed.email,
        accountEmail: seed.email,
        cardLast4: "4242",
        totals: orderTotals(lines),
      });
    }
  }
  return { copy, testChanges, accounts, orders, sessions: new SessionBook(), now: () => new Date() };
}
