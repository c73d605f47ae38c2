// Checks the checkout form before it is sent and shows each problem under its field. The server
// checks the same rules again (src/forms/checkout-form.ts); the messages come from the page so
// both say exactly the same words.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-checkout-form]");
  const messagesElement = document.getElementById("checkout-messages");
  if (!form || !messagesElement) return;
  const messages = JSON.parse(messagesElement.textContent);
  const summary = form.querySelector("[data-error-summary]");
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  function passesLuhn(digits) {
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

  function isFutureExpiry(value) {
    const match = /^(\d{2})\s*\/\s*(\d{2})$/.exec(value);
    if (!match) return false;
    const month = Number(match[1]);
    const year = 2000 + Number(match[2]);
    if (month < 1 || month > 12) return false;
    const now = new Date();
    return year > now.getUTCFullYear() || (year === now.getUTCFullYear() && month >= now.getUTCMonth() + 1);
  }

  const value = (name) => String(form.elements[name]?.value ?? "").trim();

  function validate() {
    const errors = {};
    for (const name of ["email", "name", "street", "city", "postalCode", "cardNumber", "expiry", "cvc"]) {
      if (!value(name)) errors[name] = messages.required;
    }
    if (value("email") && !EMAIL.test(value("email"))) errors.email = messages.email;
    if (!value("country")) errors.country = messages.country;
    const digits = value("cardNumber").replace(/[\s-]/g, "");
    if (value("cardNumber") && !(/^\d{13,19}$/.test(digits) && passesLuhn(digits))) {
      errors.cardNumber = messages.cardNumber;
    }
    if (value("expiry") && !isFutureExpiry(value("expiry"))) errors.expiry = messages.expiry;
    if (value("cvc") && !/^\d{3,4}$/.test(value("cvc"))) errors.cvc = messages.cvc;
    if (!form.elements.terms?.checked) errors.terms = messages.terms;
    return errors;
  }

  function show(errors) {
    for (const element of form.querySelectorAll("[data-error-for]")) {
      const name = element.dataset.errorFor;
      const message = errors[name] ?? "";
      element.textContent = message;
      const field = form.elements[name];
      field?.toggleAttribute("aria-invalid", Boolean(message));
      if (message) field?.setAttribute("aria-invalid", "true");
      element.closest(".field")?.classList.toggle("field-invalid", Boolean(message));
    }
    if (summary) summary.hidden = Object.keys(errors).length === 0;
  }

  let submitted = false;
  form.addEventListener("submit", (event) => {
    submitted = true;
    const errors = validate();
    show(errors);
    const first = Object.keys(errors)[0];
    if (first) {
      event.preventDefault();
      form.elements[first]?.focus();
    }
  });

  // After the first attempt, fields re-check as they are corrected so errors disappear promptly.
  form.addEventListener("change", () => {
    if (submitted) show(validate());
  });
});
