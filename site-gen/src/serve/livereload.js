// site-gen live preview: reloads the page after each successful rebuild and shows build
// errors in an overlay. Served only by `site-gen serve`, never written to public/.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : null;
  var overlay = null;
  var editor = false;

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
    overlay.textContent = "site-gen: the last change could not be built; showing the last good version.\n\n";
    text.split("\n").forEach(function (line) {
      // ` --> content/a.md:5:1`: a link that opens the place in the editor, if one is set.
      var place = editor && /^(\s*--> )(.+?)(?::(\d+))?(?::(\d+))?$/.exec(line);
      if (place) {
        overlay.appendChild(document.createTextNode(place[1]));
        overlay.appendChild(link(place[0].slice(place[1].length), place[2], place[3], place[4]));
        overlay.appendChild(document.createTextNode("\n"));
      } else {
        overlay.appendChild(document.createTextNode(line + "\n"));
      }
    });
  }

  function link(text, file, line, column) {
    var a = document.createElement("a");
    a.href = "#";
    a.textContent = text;
    a.title = "Open in the editor";
    a.style.color = "#9cf";
    a.addEventListener("click", function (event) {
      event.preventDefault();
      var query = "file=" + encodeURIComponent(file) + "&line=" + (line || 1) + "&column=" + (column || 1);
      fetch("/__open-in-editor?" + query, { method: "POST", headers: { "X-Site-Gen": "open" } })
        .then(function (response) {
          if (response.status === 200) {
            return response.json().then(function (body) { location.href = body.url; });
          }
          if (response.status !== 204) {
            return response.text().then(function (message) { a.title = message; });
          }
        });
    });
    return a;
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
    editor = status.editor;
    if (status.errors) {
      show(status.errors);
    } else if (String(status.version) !== version) {
      location.reload();
    } else {
      hide();
    }
  };
})();
