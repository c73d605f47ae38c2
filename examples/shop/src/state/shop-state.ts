import type { ShopCopy } from "../copy.ts";
import { SEED_ACCOUNTS } from "../data/seed-accounts.ts";
import { AccountBook } from "./accounts.ts";
import { OrderBook, orderTotals } from "./orders.ts";
import { SessionBook } from "./sessions.ts";

/** Everything one shop process remembers; each startShop() begins from the seed again. */
export interface ShopState {
  copy: ShopCopy;
  accounts: AccountBook;
  orders: OrderBook;
  sessions: SessionBook;
  now: () => Date;
}

export async function createShopState(copy: ShopCopy): Promise<ShopState> {
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
  return { copy, accounts, orders, sessions: new SessionBook(), now: () => new Date() };
}
