// On a phone the plan is long: fold every phase but the current one (the first when none
// is current), unless the list is filtered. A link to a row (#milestone-...) opens its phase.
(function () {
  const list = document.getElementById("milestone-list");
  if (!list || !window.matchMedia("(max-width: 640px)").matches) return;
  if (list.dataset.filtering === "true") return;
  const folds = Array.from(list.querySelectorAll("details.phase-fold"));
  const keep = folds.find((fold) => fold.dataset.current === "true") || folds[0];
  const target = location.hash.startsWith("#milestone-")
    ? document.getElementById(location.hash.slice(1))
    : null;
  for (const fold of folds) {
    if (fold !== keep && !(target && fold.contains(target))) fold.open = false;
  }
  if (target) target.scrollIntoView();
})();
