// Filters the catalog while a person types or picks a category, by asking the server for the
// results fragment (the same HTML a full page load renders) and swapping it in.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-catalog-filters]");
  const results = document.querySelector("[data-catalog-results]");
  const status = document.querySelector("[data-catalog-status]");
  if (!form || !results) return;

  let controller;
  let timer;

  async function refresh() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      if (typeof value === "string" && value.trim() !== "" && !(key === "sort" && value === "featured")) {
        params.set(key, value.trim());
      }
    }
    const query = params.toString();
    const url = `${form.action}${query ? `?${query}` : ""}`;
    controller?.abort();
    controller = new AbortController();
    results.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, {
        headers: { "x-shop-fragment": "catalog-results" },
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`catalog answered ${response.status}`);
      results.innerHTML = await response.text();
      history.replaceState(null, "", url);
      const count = results.querySelector("[data-testid='result-count']");
      if (status && count) status.textContent = count.textContent;
      results.removeAttribute("aria-busy");
    } catch (error) {
      if (error.name === "AbortError") return;
      results.removeAttribute("aria-busy");
      form.submit();
    }
  }

  form.addEventListener("input", (event) => {
    clearTimeout(timer);
    timer = setTimeout(refresh, event.target.type === "search" ? 200 : 0);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    refresh();
  });
});
