// What would otherwise be inline in the templates: the Content-Security-Policy allows no inline
// script, event handler attribute or style attribute (bpo_transition/settings/base.py).
(function () {
  "use strict";

  // A bar's width from its data-width (a percentage): set through the CSSOM, which the
  // policy allows, instead of a style attribute, which it refuses.
  function widths(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-width]"));
    if (root.matches && root.matches("[data-width]")) bars.push(root);
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, Number(bar.getAttribute("data-width")) || 0));
      bar.style.width = percent + "%";
    });
  }

  // <button data-print> prints the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // <form data-confirm="Question?"> asks before it is sent.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true
  );

  // <input data-select-on-focus> selects its whole value (a link to copy).
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus]")) event.target.select();
  });

  // Content htmx swaps in gets the same treatment as the page.
  document.addEventListener("htmx:load", function (event) {
    widths(event.target);
  });
  widths(document);
})();
