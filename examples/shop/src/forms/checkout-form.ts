import type { ShopCopy } from "../copy.ts";
import { SHIPPING_COUNTRIES } from "../data/countries.ts";

/**
 * The server's check of the checkout form. public/js/checkout.js applies the same rules in the
 * browser for quick feedback; this one is what actually protects an order.
 */
export const CHECKOUT_FIELDS = [
  "email",
  "name",
  "street",
  "city",
  "postalCode",
  "country",
  "cardNumber",
  "expiry",
  "cvc",
  "terms",
] as const;
export type CheckoutField = (typeof CHECKOUT_FIELDS)[number];

export type CheckoutValues = Record<CheckoutField, string>;
export type CheckoutErrors = Partial<Record<CheckoutField, string>>;

export function readCheckoutValues(form: URLSearchParams): CheckoutValues {
  const values = {} as CheckoutValues;
  for (const field of CHECKOUT_FIELDS) values[field] = (form.get(field) ?? "").trim();
  return values;
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardDigits(cardNumber: string): string {
  return cardNumber.replace(/[\s-]/g, "");
}

function isFutureExpiry(expiry: string, now: Date): boolean {
  const match = /^(\d{2})\s*\/\s*(\d{2})$/.exec(expiry);
  if (!match) return false;
  const month = Number(match[1]);
  const year = 2000 + Number(match[2]);
  if (month < 1 || month > 12) return false;
  // A card is valid through the last day of its expiry month.
  return year > now.getUTCFullYear() || (year === now.getUTCFullYear() && month >= now.getUTCMonth() + 1);
}

export function validateCheckout(values: CheckoutValues, copy: ShopCopy, now: Date): CheckoutErrors {
  const errors: CheckoutErrors = {};
  for (const field of [
    "email",
    "name",
    "street",
    "city",
    "postalCode",
    "cardNumber",
    "expiry",
    "cvc",
  ] as const) {
    if (!values[field]) errors[field] = copy.errorRequired;
  }
  if (values.email && !EMAIL_PATTERN.test(values.email)) errors.email = copy.errorEmail;
  if (!SHIPPING_COUNTRIES.includes(values.country)) errors.country = copy.errorCountry;
  const digits = cardDigits(values.cardNumber);
  if (values.cardNumber && !(/^\d{13,19}$/.test(digits) && passesLuhn(digits))) {
    errors.cardNumber = copy.errorCardNumber;
  }
  if (values.expiry && !isFutureExpiry(values.expiry, now)) errors.expiry = copy.errorExpiry;
  if (values.cvc && !/^\d{3,4}$/.test(values.cvc)) errors.cvc = copy.errorCvc;
  if (values.terms !== "yes") errors.terms = copy.errorTerms;
  return errors;
}
