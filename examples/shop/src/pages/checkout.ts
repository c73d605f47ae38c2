import { renderCheckboxField, renderFormField, renderSelectField } from "../components/form-field.ts";
import { renderLayout } from "../components/layout.ts";
import { renderOrderLines } from "../components/order-lines.ts";
import { SHIPPING_COUNTRIES } from "../data/countries.ts";
import {
  type CheckoutErrors,
  type CheckoutValues,
  cardDigits,
  readCheckoutValues,
  validateCheckout,
} from "../forms/checkout-form.ts";
import { type Html, html, jsonScript } from "../http/html.ts";
import { htmlResponse, redirect, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import { listCartLines } from "../state/cart.ts";
import { renderCartSummary } from "./cart.ts";

/** Card details are never echoed back into the page, even when the form is shown again with errors. */
const NEVER_ECHOED = new Set(["cardNumber", "expiry", "cvc"]);

export function renderCheckoutPage(
  request: ShopRequest,
  values: Partial<CheckoutValues>,
  errors: CheckoutErrors,
): Html {
  const { copy } = request;
  const lines = listCartLines(request.session.cart);
  const hasErrors = Object.keys(errors).length > 0;
  const field = (name: keyof CheckoutValues) => ({
    name,
    value: NEVER_ECHOED.has(name) ? "" : (values[name] ?? ""),
    error: errors[name],
  });
  return renderLayout(request, {
    title: copy.checkoutHeading,
    scripts: ["checkout.js"],
    main: html`<h1>${copy.checkoutHeading}</h1>
<div class="checkout-layout">
  <form class="checkout-form" method="post" action="/checkout" novalidate data-checkout-form>
    <div class="error-summary" role="alert" data-testid="checkout-errors" data-error-summary ${hasErrors ? "" : "hidden"}>
      <p>${copy.checkoutErrorSummary}</p>
    </div>
    <fieldset>
      <legend>Contact</legend>
      ${renderFormField({ ...field("email"), label: "Email", type: "email", autocomplete: "email", required: true, hint: "We send the receipt here." })}
    </fieldset>
    <fieldset>
      <legend>Shipping address</legend>
      ${renderFormField({ ...field("name"), label: "Full name", autocomplete: "name", required: true })}
      ${renderFormField({ ...field("street"), label: "Street address", autocomplete: "street-address", required: true })}
      <div class="field-row">
        ${renderFormField({ ...field("postalCode"), label: "Postal code", autocomplete: "postal-code", required: true })}
        ${renderFormField({ ...field("city"), label: "City", autocomplete: "address-level2", required: true })}
      </div>
      ${renderSelectField({ ...field("country"), label: "Country", options: SHIPPING_COUNTRIES, placeholder: "Choose a country", autocomplete: "country-name" })}
    </fieldset>
    <fieldset>
      <legend>Payment</legend>
      ${renderFormField({ ...field("cardNumber"), label: "Card number", autocomplete: "cc-number", inputmode: "numeric", placeholder: "1234 5678 9012 3456", required: true, maxlength: 23 })}
      <div class="field-row">
        ${renderFormField({ ...field("expiry"), label: "Expiry date", hint: "MM/YY", autocomplete: "cc-exp", inputmode: "numeric", placeholder: "MM/YY", required: true, maxlength: 7 })}
        ${renderFormField({ ...field("cvc"), label: "CVC", autocomplete: "cc-csc", inputmode: "numeric", required: true, maxlength: 4 })}
      </div>
      <p class="muted">This is a demo: use 4242 4242 4242 4242 and any future date. Nothing is charged.</p>
    </fieldset>
    ${renderCheckboxField({ name: "terms", label: "I accept the terms of sale", checked: values.terms === "yes", error: errors.terms })}
    <button class="button button-primary button-large button-block" type="submit">${copy.placeOrder}</button>
  </form>
  <aside class="summary-card" aria-labelledby="summary-title">
    <h2 id="summary-title">Order summary</h2>
    ${renderOrderLines(lines.map((line) => ({ name: line.product.name, quantity: line.quantity, priceCents: line.product.priceCents })))}
    ${renderCartSummary(lines)}
  </aside>
</div>
${jsonScript("checkout-messages", {
  required: copy.errorRequired,
  email: copy.errorEmail,
  cardNumber: copy.errorCardNumber,
  expiry: copy.errorExpiry,
  cvc: copy.errorCvc,
  terms: copy.errorTerms,
  country: copy.errorCountry,
})}`,
  });
}

export function showCheckout(request: ShopRequest): ShopResponse {
  if (request.session.cart.size === 0) return redirect("/cart");
  const account = request.account;
  const prefill = account ? { email: account.email, name: account.name } : {};
  return htmlResponse(renderCheckoutPage(request, prefill, {}));
}

/** POST /checkout — validates again on the server, places the order and empties the cart. */
export async function submitCheckout(request: ShopRequest): Promise<ShopResponse> {
  const lines = listCartLines(request.session.cart);
  if (lines.length === 0) return redirect("/cart");
  const values = readCheckoutValues(await request.readForm());
  const now = request.state.now();
  const errors = validateCheckout(values, request.copy, now);
  if (Object.keys(errors).length > 0) return htmlResponse(renderCheckoutPage(request, values, errors), 422);
  const order = request.state.orders.place({
    email: values.email,
    accountEmail: request.account?.email,
    lines,
    address: {
      name: values.name,
      street: values.street,
      city: values.city,
      postalCode: values.postalCode,
      country: values.country,
    },
    cardLast4: cardDigits(values.cardNumber).slice(-4),
    now,
  });
  request.session.cart.clear();
  request.session.placedOrderIds.add(order.id);
  return redirect(`/orders/${order.id}`);
}
