// site-gen live preview: reloads the page after each successful rebuild and shows build
// errors in an overlay. Served only by `site-gen serve`, never written to public/.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : null;
  var overlay = null;

  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "site-gen-overlay";
      overlay.setAttribute("role", "alert");
      var s = overlay.style;
      s.position = "fixed";
      s.inset = "0";
      s.zIndex = "2147483647";
      s.overflow = "auto";
      s.margin = "0";
      s.padding = "2rem";
      s.background = "rgba(20, 20, 20, 0.94)";
      s.color = "#fff";
      s.font = "16px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
      s.whiteSpace = "pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "site-gen: the last change could not be built; showing the last good version.\n\n" + text;
  }

  function hide() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  var source = new EventSource("/__livereload");
  source.onmessage = function (event) {
    var status = JSON.parse(event.data);
    if (status.errors) {
      show(status.errors);
    } else if (String(status.version) !== version) {
      location.reload();
    } else {
      hide();
    }
  };
})();
