// Selecting a node shows its details panel. Everything shown was rendered into the page by the
// server side (escaped there); this script only hides and shows it, it never builds markup.
(function () {
  "use strict";
  var explorer = document.getElementById("explorer");
  var panel = document.getElementById("details");
  var narrow = window.matchMedia("(max-width: 63.99rem)");

  function select(id, from) {
    var section = document.getElementById("detail-" + id);
    if (!section) { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".detail"), function (s) {
      s.hidden = s !== section;
    });
    Array.prototype.forEach.call(document.querySelectorAll("svg .node"), function (g) {
      g.classList.toggle("selected", g.getAttribute("data-node") === id);
    });
    var hint = document.getElementById("details-hint");
    if (hint) { hint.hidden = true; }
    if (!from) { return; }
    if (!explorer.contains(from)) {
      explorer.scrollIntoView({ behavior: "smooth", block: "start" });
    } else if (narrow.matches && from.closest("svg")) {
      panel.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-node]") : null;
    if (!target) { return; }
    event.preventDefault();
    select(target.getAttribute("data-node"), target);
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.classList &&
        target.classList.contains("node")) {
      event.preventDefault();
      select(target.getAttribute("data-node"), target);
    }
  });
  var start = (location.hash.match(/^#node-(.+)$/) || [])[1] || document.body.getAttribute("data-root");
  if (start) { select(start, null); }
})();
