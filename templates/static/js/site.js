/* Progressive enhancement for collapsible sections (details.fold).
   Loaded with `defer`, so the document is parsed when this runs. Without JS the native
   <details> elements keep working on their own. */
(function () {
  "use strict";

  var FOLD_SELECTOR = "details.fold";
  var LABEL_OPEN_ALL = "Fold alle ud";
  var LABEL_CLOSE_ALL = "Fold alle ind";
  // A "fold all" button only makes sense for two or more consecutive sections.
  var MIN_RUN_LENGTH = 2;

  function isFold(node) {
    return node !== null && node.nodeType === 1 && node.matches(FOLD_SELECTOR);
  }

  // Next element sibling, but only if nothing other than whitespace or comments lies between.
  function nextAdjacentElement(el) {
    var node = el.nextSibling;
    while (node !== null) {
      if (node.nodeType === 1) {
        return node;
      }
      if (node.nodeType === 3 && node.textContent.trim() !== "") {
        return null;
      }
      node = node.nextSibling;
    }
    return null;
  }

  function previousAdjacentElement(el) {
    var node = el.previousSibling;
    while (node !== null) {
      if (node.nodeType === 1) {
        return node;
      }
      if (node.nodeType === 3 && node.textContent.trim() !== "") {
        return null;
      }
      node = node.previousSibling;
    }
    return null;
  }

  // Groups of consecutive sibling details.fold elements, in document order.
  function findRuns() {
    var runs = [];
    var folds = document.querySelectorAll(FOLD_SELECTOR);
    for (var i = 0; i < folds.length; i++) {
      var first = folds[i];
      if (isFold(previousAdjacentElement(first))) {
        continue; // Not the start of a run.
      }
      var run = [first];
      var next = nextAdjacentElement(first);
      while (isFold(next)) {
        run.push(next);
        next = nextAdjacentElement(next);
      }
      runs.push(run);
    }
    return runs;
  }

  function setupRun(run) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fold-all";

    var ids = [];
    for (var i = 0; i < run.length; i++) {
      if (run[i].id) {
        ids.push(run[i].id);
      }
    }
    if (ids.length === run.length) {
      button.setAttribute("aria-controls", ids.join(" "));
    }

    function allOpen() {
      for (var j = 0; j < run.length; j++) {
        if (!run[j].open) {
          return false;
        }
      }
      return true;
    }

    function update() {
      var expanded = allOpen();
      button.textContent = expanded ? LABEL_CLOSE_ALL : LABEL_OPEN_ALL;
      button.setAttribute("aria-expanded", expanded ? "true" : "false");
    }

    button.addEventListener("click", function () {
      var open = !allOpen();
      for (var j = 0; j < run.length; j++) {
        run[j].open = open;
      }
      update();
    });

    for (var k = 0; k < run.length; k++) {
      // `toggle` does not bubble, so listen on each element.
      run[k].addEventListener("toggle", update);
    }

    update();
    run[0].parentNode.insertBefore(button, run[0]);
  }

  // Open every closed details.fold that contains (or is) the element the URL hash points at.
  function openHashTarget() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) {
      return;
    }
    var id;
    try {
      id = decodeURIComponent(hash.slice(1));
    } catch (e) {
      id = hash.slice(1);
    }
    var target = document.getElementById(id);
    if (target === null) {
      return;
    }
    var opened = false;
    var el = target;
    while (el !== null && el !== document.body) {
      if (isFold(el) && !el.open) {
        el.open = true;
        opened = true;
      }
      el = el.parentElement;
    }
    if (opened) {
      target.scrollIntoView();
    }
  }

  // Print everything: open all folds before printing and restore afterwards.
  var closedBeforePrint = [];

  function openAllForPrint() {
    closedBeforePrint = [];
    var folds = document.querySelectorAll(FOLD_SELECTOR);
    for (var i = 0; i < folds.length; i++) {
      if (!folds[i].open) {
        closedBeforePrint.push(folds[i]);
        folds[i].open = true;
      }
    }
  }

  function restoreAfterPrint() {
    for (var i = 0; i < closedBeforePrint.length; i++) {
      closedBeforePrint[i].open = false;
    }
    closedBeforePrint = [];
  }

  function init() {
    var runs = findRuns();
    for (var i = 0; i < runs.length; i++) {
      if (runs[i].length >= MIN_RUN_LENGTH) {
        setupRun(runs[i]);
      }
    }

    openHashTarget();
    window.addEventListener("hashchange", openHashTarget);

    // Clicking a link to the hash that is already in the URL fires no hashchange.
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (link !== null && link.hash === window.location.hash) {
        openHashTarget();
      }
    });

    window.addEventListener("beforeprint", openAllForPrint);
    window.addEventListener("afterprint", restoreAfterPrint);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
