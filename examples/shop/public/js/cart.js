// "Add to cart" posts in the background and updates the header's cart count, which is an
// aria-live region, so screen readers hear the new count. Without this script the form posts
// normally and the server redirects back with a message.
document.addEventListener("DOMContentLoaded", () => {
  const count = document.querySelector("[data-testid='cart-count']");

  for (const form of document.querySelectorAll("form[data-add-to-cart]")) {
    const button = form.querySelector("button[type='submit']");
    const status = form.querySelector("[role='status']");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (button) button.disabled = true;
      form.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(new FormData(form)),
          credentials: "same-origin",
        });
        const result = await response.json();
        if (count && typeof result.count === "number") count.textContent = String(result.count);
        if (status && result.ok) status.hidden = false;
      } catch {
        // The network failed: fall back to an ordinary form post, which shows the server's answer.
        form.submit();
      } finally {
        if (button) button.disabled = false;
        form.removeAttribute("aria-busy");
      }
    });
  }

  // In the cart, changing a quantity updates it at once; the Update button stays for keyboard users.
  for (const form of document.querySelectorAll("form[data-cart-quantity]")) {
    const input = form.querySelector("input[name='quantity']");
    input?.addEventListener("change", () => form.requestSubmit());
  }
});
