import { randomUUID } from "node:crypto";
import type { Cart } from "./cart.ts";

export interface Session {
  id: string;
  cart: Cart;
  accountEmail: string | undefined;
  /** Orders this browser placed, which it may view and which get the thank-you heading. */
  placedOrderIds: Set<number>;
  /** A one-time message for the next page, e.g. after signing up. */
  flash: string | undefined;
}

export const SESSION_COOKIE = "shop_session";
const MAX_SESSIONS = 10_000;

export class SessionBook {
  readonly #sessions = new Map<string, Session>();

  /** The session for a cookie value, or a new one (then `created` is true and the cookie must be set). */
  resume(id: string | undefined): { session: Session; created: boolean } {
    const existing = id ? this.#sessions.get(id) : undefined;
    if (existing) return { session: existing, created: false };
    if (this.#sessions.size >= MAX_SESSIONS) {
      // Oldest first: Map keeps insertion order. Keeps a long benchmark run from growing without bound.
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const session: Session = {
      id: randomUUID(),
      cart: new Map(),
      accountEmail: undefined,
      placedOrderIds: new Set(),
      flash: undefined,
    };
    this.#sessions.set(session.id, session);
    return { session, created: true };
  }
}
