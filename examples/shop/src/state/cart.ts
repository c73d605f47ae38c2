import { findProduct, type Product } from "../data/catalogue.ts";

/** Product slug → quantity, kept in the shopper's session. */
export type Cart = Map<string, number>;

export const MAX_QUANTITY = 10;
export const FREE_SHIPPING_FROM_CENTS = 10_000;
export const SHIPPING_CENTS = 800;

export interface CartLine {
  product: Product;
  quantity: number;
  lineCents: number;
}

export interface CartTotals {
  subtotalCents: number;
  shippingCents: number;
  totalCents: number;
}

export function clampQuantity(raw: string | null | undefined, fallback: number): number {
  const parsed = Number.parseInt(raw ?? "", 10);
  if (!Number.isFinite(parsed)) return fallback;
  return Math.max(0, Math.min(MAX_QUANTITY, parsed));
}

/** Adds a product that exists and is in stock; returns false otherwise. */
export function addToCart(cart: Cart, slug: string, quantity: number): boolean {
  const product = findProduct(slug);
  if (!product?.inStock || quantity < 1) return false;
  cart.set(slug, Math.min(MAX_QUANTITY, (cart.get(slug) ?? 0) + quantity));
  return true;
}

export function setCartQuantity(cart: Cart, slug: string, quantity: number): void {
  if (!cart.has(slug)) return;
  if (quantity <= 0) cart.delete(slug);
  else cart.set(slug, Math.min(MAX_QUANTITY, quantity));
}

export function countItems(cart: Cart): number {
  let count = 0;
  for (const quantity of cart.values()) count += quantity;
  return count;
}

export function listCartLines(cart: Cart): CartLine[] {
  const lines: CartLine[] = [];
  for (const [slug, quantity] of cart) {
    const product = findProduct(slug);
    if (product) lines.push({ product, quantity, lineCents: product.priceCents * quantity });
  }
  return lines;
}

export function computeTotals(subtotalCents: number): CartTotals {
  const shippingCents = subtotalCents === 0 || subtotalCents >= FREE_SHIPPING_FROM_CENTS ? 0 : SHIPPING_CENTS;
  return { subtotalCents, shippingCents, totalCents: subtotalCents + shippingCents };
}
