import { renderFormField } from "../components/form-field.ts";
import { renderLayout } from "../components/layout.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, redirect, type ShopResponse, safeLocalPath } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";

export function renderLoginPage(
  request: ShopRequest,
  options: { email?: string; failed?: boolean; next: string },
): Html {
  const { copy } = request;
  return renderLayout(request, {
    title: copy.loginHeading,
    mainClass: "page-narrow",
    main: html`<div class="auth-card">
  <h1>${copy.loginHeading}</h1>
  <p class="lead">Welcome back. Demo account: ada@example.com / correct horse.</p>
  ${options.failed ? html`<div class="error-summary" role="alert"><p>${copy.loginFailed}</p></div>` : ""}
  <form method="post" action="/login" novalidate data-validate-form>
    <input type="hidden" name="next" value="${options.next}">
    ${renderFormField({ name: "email", label: "Email", type: "email", value: options.email ?? "", autocomplete: "email", required: true })}
    ${renderFormField({ name: "password", label: "Password", type: "password", autocomplete: "current-password", required: true })}
    <button class="button button-primary button-block" type="submit">${copy.logIn}</button>
  </form>
  <p class="center">New here? <a href="/signup">${copy.createAccount}</a></p>
</div>`,
  });
}

export function showLogin(request: ShopRequest): ShopResponse {
  const next = safeLocalPath(request.url.searchParams.get("next"), "/account");
  if (request.account) return redirect(next);
  return htmlResponse(renderLoginPage(request, { next }));
}

export async function submitLogin(request: ShopRequest): Promise<ShopResponse> {
  const form = await request.readForm();
  const email = (form.get("email") ?? "").trim();
  const next = safeLocalPath(form.get("next"), "/account");
  const account = await request.state.accounts.authenticate(email, form.get("password") ?? "");
  if (!account) return htmlResponse(renderLoginPage(request, { email, failed: true, next }), 401);
  request.session.accountEmail = account.email;
  return redirect(next);
}

export function submitLogout(request: ShopRequest): ShopResponse {
  request.session.accountEmail = undefined;
  request.session.flash = "You have been logged out.";
  return redirect("/");
}
