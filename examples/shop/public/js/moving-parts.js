// The lab page's moving parts: a carousel that advances every 3 s and a clock that ticks every second.
const slides = [...document.querySelectorAll("[data-carousel] .lab-slide")];
let current = 0;
setInterval(() => {
  slides[current].classList.remove("is-active");
  current = (current + 1) % slides.length;
  slides[current].classList.add("is-active");
}, 3000);

const clock = document.querySelector("[data-clock]");
const tick = () => {
  clock.textContent = new Date().toLocaleTimeString("en-GB");
};
tick();
setInterval(tick, 1000);
document.getElementById("lab-search").focus();
