// The bulk bar: says how many rows are ticked and keeps its button off while none is.
(function () {
  "use strict";
  const bar = document.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const count = bar.querySelector("[data-bulk-count]");
  const button = bar.querySelector("button[type=submit]");
  const idle = count.textContent;
  function ticked() {
    return document.querySelectorAll('input[name="ids"][form="' + bar.id + '"]:checked').length;
  }
  function update() {
    const n = ticked();
    count.textContent = n ? n + (n === 1 ? " milestone selected" : " milestones selected") : idle;
    button.disabled = n === 0;
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('input[name="ids"]')) update();
  });
  document.addEventListener("htmx:afterSwap", update);
  update();
})();
