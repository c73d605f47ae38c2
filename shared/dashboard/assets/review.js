// The review viewer: compare modes, opacity, slider, zoom to a changed region, and the keys
// j/k (next/previous), a (approve), i (ignore). Approve and ignore post the page's own forms with
// fetch; without this script the forms still work.
(() => {
  const changes = Array.from(document.querySelectorAll("section.change"));
  const csrf = document.querySelector('meta[name="perceo-csrf"]')?.getAttribute("content") ?? null;
  let current = -1;

  function select(index) {
    if (changes.length === 0) return;
    current = Math.max(0, Math.min(changes.length - 1, index));
    changes.forEach((c, i) => {
      c.classList.toggle("current", i === current);
    });
    const section = changes[current];
    section.focus({ preventScroll: true });
    section.scrollIntoView({ block: "start", behavior: "instant" });
  }

  function setMode(section, mode) {
    const stage = section.querySelector(".stage");
    const modes = section.querySelector(".modes");
    for (const el of [stage, modes]) {
      el.classList.remove("mode-side", "mode-overlay", "mode-slider", "mode-diff");
      el.classList.add(`mode-${mode}`);
    }
    for (const b of section.querySelectorAll("[data-mode]"))
      b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    const after = section.querySelector("figure.after img");
    if (!after) return;
    after.style.opacity =
      mode === "overlay" ? String(section.querySelector('input[name="opacity"]').value / 100) : "";
    after.style.clipPath =
      mode === "slider" ? `inset(0 0 0 ${section.querySelector('input[name="split"]').value}%)` : "";
  }

  function zoom(section, box) {
    for (const img of section.querySelectorAll(".stage img")) {
      if (!box) {
        img.style.transform = "";
        continue;
      }
      const w = img.naturalWidth || 1;
      const h = img.naturalHeight || 1;
      // At least twice as large, so a region as wide as the page still comes closer.
      const scale = Math.max(2, Math.min(8, Math.min(w / box.w, h / box.h) / 1.6));
      img.style.transformOrigin = `${((box.x + box.w / 2) / w) * 100}% ${((box.y + box.h / 2) / h) * 100}%`;
      img.style.transform = `scale(${scale})`;
    }
    section.dataset.zoomed = box ? "true" : "false";
  }

  async function submit(form) {
    const section = form.closest("section.change");
    const data = Object.fromEntries(new FormData(form));
    if (csrf && !data.csrf) data.csrf = csrf;
    const state = section?.querySelector(".state");
    const response = await fetch(form.action, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(data),
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (state) state.textContent = body.error ?? `failed (${response.status})`;
      return;
    }
    if (!section) {
      window.location.reload();
      return;
    }
    const kind = body.kind === "ignore" ? "ignored" : "approved";
    section.dataset.state = kind;
    if (state) state.textContent = `${kind[0].toUpperCase()}${kind.slice(1)} (${body.screenshotIds.length})`;
    for (const b of section.querySelectorAll(".actions button")) b.disabled = true;
    const next = changes.findIndex((c, i) => i > changes.indexOf(section) && !c.dataset.state);
    if (next !== -1) select(next);
  }

  for (const section of changes) {
    for (const b of section.querySelectorAll("[data-mode]"))
      b.addEventListener("click", () => setMode(section, b.dataset.mode));
    for (const input of section.querySelectorAll('input[type="range"]')) {
      input.addEventListener("input", () =>
        setMode(section, input.name === "opacity" ? "overlay" : "slider"),
      );
    }
    for (const b of section.querySelectorAll("button.zoom")) {
      b.addEventListener("click", () =>
        zoom(section, {
          x: Number(b.dataset.x),
          y: Number(b.dataset.y),
          w: Number(b.dataset.w),
          h: Number(b.dataset.h),
        }),
      );
    }
    section.querySelector("button.zoom-reset")?.addEventListener("click", () => zoom(section, undefined));
    section.addEventListener("click", () => {
      current = changes.indexOf(section);
      changes.forEach((c, i) => {
        c.classList.toggle("current", i === current);
      });
    });
  }
  for (const form of document.querySelectorAll("form.review-action")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(form);
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement
    )
      return;
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (event.key === "a" || event.key === "i") {
      if (current < 0) select(0);
      const button = changes[current]?.querySelector(event.key === "a" ? "button.approve" : "button.ignore");
      if (button && !button.disabled) button.closest("form").requestSubmit();
    } else return;
    event.preventDefault();
  });
})();
