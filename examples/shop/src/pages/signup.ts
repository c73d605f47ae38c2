import { renderFormField } from "../components/form-field.ts";
import { renderLayout } from "../components/layout.ts";
import {
  MIN_PASSWORD_LENGTH,
  readSignupValues,
  type SignupErrors,
  type SignupValues,
  validateSignup,
} from "../forms/signup-form.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, redirect, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";

export function renderSignupPage(
  request: ShopRequest,
  values: Partial<SignupValues>,
  errors: SignupErrors,
): Html {
  const { copy } = request;
  return renderLayout(request, {
    title: copy.signupHeading,
    mainClass: "page-narrow",
    main: html`<div class="auth-card">
  <h1>${copy.signupHeading}</h1>
  <p class="lead">Track your orders and check out faster next time.</p>
  <form method="post" action="/signup" novalidate data-validate-form>
    ${renderFormField({ name: "name", label: "Full name", value: values.name ?? "", error: errors.name, autocomplete: "name", required: true })}
    ${renderFormField({ name: "email", label: "Email", type: "email", value: values.email ?? "", error: errors.email, autocomplete: "email", required: true })}
    ${renderFormField({ name: "password", label: "Password", type: "password", error: errors.password, hint: `At least ${MIN_PASSWORD_LENGTH} characters.`, autocomplete: "new-password", required: true })}
    <button class="button button-primary button-block" type="submit">${copy.createAccount}</button>
  </form>
  <p class="center">Already have an account? <a href="/login">${copy.logIn}</a></p>
</div>`,
  });
}

export function showSignup(request: ShopRequest): ShopResponse {
  if (request.account) return redirect("/account");
  return htmlResponse(renderSignupPage(request, {}, {}));
}

/** POST /signup — an email that already has an account is refused next to the Email field. */
export async function submitSignup(request: ShopRequest): Promise<ShopResponse> {
  const values = readSignupValues(await request.readForm());
  const errors = validateSignup(values, request.copy);
  if (!errors.email && request.state.accounts.has(values.email)) errors.email = request.copy.signupEmailTaken;
  if (Object.keys(errors).length === 0) {
    const account = await request.state.accounts.create(values.name, values.email, values.password);
    if (account) {
      request.session.accountEmail = account.email;
      request.session.flash = `Welcome, ${account.name}! Your account is ready.`;
      return redirect("/account");
    }
    errors.email = request.copy.signupEmailTaken;
  }
  return htmlResponse(renderSignupPage(request, values, errors), 422);
}
