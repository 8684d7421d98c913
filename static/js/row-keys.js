// Keys on a list of rows (My work, an engagement's milestones): j and k move through the rows
// marked data-row, x ticks the current row's tick box when it has one, e opens the address in
// its data-row-edit, ? shows the list of keys (the <dialog id="keyboard-help">). Nothing
// happens while the person types in a field, or with a modifier held.
(function () {
  "use strict";

  var dialog = document.getElementById("keyboard-help");
  var current = null;

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  // Rows folded away (a closed phase) are skipped.
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]")).filter(function (row) {
      return row.getClientRects().length > 0;
    });
  }

  function mark(row) {
    if (current && current !== row) {
      current.classList.remove("row-current");
      current.removeAttribute("aria-current");
    }
    current = row;
    row.classList.add("row-current");
    row.setAttribute("aria-current", "true");
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = current ? list.indexOf(current) : -1;
    if (index === -1) index = step > 0 ? 0 : list.length - 1;
    else index = Math.max(0, Math.min(list.length - 1, index + step));
    var row = list[index];
    if (!row.hasAttribute("tabindex")) row.setAttribute("tabindex", "-1");
    mark(row);
    row.focus();
  }

  function showKeys() {
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || (dialog && dialog.open)) return;
    if (current && !document.contains(current)) current = null; // swapped out by htmx
    var key = event.key;
    if (key === "j" || key === "k") {
      move(key === "j" ? 1 : -1);
    } else if (key === "x" && current) {
      var box = current.querySelector('input[type="checkbox"]');
      if (!box) return;
      box.click();
    } else if (key === "e" && current && current.getAttribute("data-row-edit")) {
      window.location.assign(current.getAttribute("data-row-edit"));
    } else if (key === "?") {
      showKeys();
    } else {
      return;
    }
    event.preventDefault();
  });

  // A click or Tab into a row makes it the current one, so j and k go on from there.
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-row]");
    if (row) mark(row);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-keys-open]")) showKeys();
  });
})();
