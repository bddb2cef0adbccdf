// The map of the grids (民情地图): a click on the plan (<svg data-map-pick>) fills the pin form's
// two numbers (<input data-map-x>, <input data-map-y>, 0–10000 across and down) and shows where
// (<circle data-map-draft>). The form is posted as usual; without script the numbers are typed.
// Kept out of the markup: the CSP allows no inline script.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var svg = event.target.closest("svg[data-map-pick]");
    if (!svg || event.target.closest("a")) return;  // a marker opens its item
    var form = document.querySelector("form[data-map-form]");
    if (!form) return;
    var scale = parseInt(svg.getAttribute("data-map-scale"), 10) || 10000;
    var box = svg.getBoundingClientRect();
    if (!box.width || !box.height) return;
    var clamp = function (v) { return Math.max(0, Math.min(scale, Math.round(v))); };
    var x = clamp((event.clientX - box.left) / box.width * scale);
    var y = clamp((event.clientY - box.top) / box.height * scale);
    form.querySelector("[data-map-x]").value = x;
    form.querySelector("[data-map-y]").value = y;
    var draft = svg.querySelector("[data-map-draft]");
    var view = svg.viewBox && svg.viewBox.baseVal;
    if (draft && view && view.width) {
      draft.setAttribute("cx", (x / scale * view.width).toFixed(1));
      draft.setAttribute("cy", (y / scale * view.height).toFixed(1));
    }
    var grid = form.querySelector("select");
    if (grid) grid.focus();
  });
})();
