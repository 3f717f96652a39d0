/* Accord's small page behaviours. Everything works without it; it only saves clicks. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The language switcher applies on change; its button stays for people without JS.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]")) {
      target.form.submit();
    }
  });

  // A form with data-confirm asks first (no onsubmit= handlers: the CSP forbids them).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Draw every Plotly figure in newly loaded content (the first page load and htmx swaps).
  function renderCharts(root) {
    if (typeof Plotly === "undefined") return;
    var charts = root.querySelectorAll ? root.querySelectorAll("[data-plotly-figure]") : [];
    Array.prototype.forEach.call(charts, function (element) {
      var source = document.getElementById(element.dataset.plotlyFigure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(element, figure.data, figure.layout, {
        displayModeBar: false,
        responsive: true,
      });
    });
  }

  // Deferred scripts (plotly.js among them) have all run by DOMContentLoaded.
  document.addEventListener("DOMContentLoaded", function () {
    renderCharts(document);
  });
  // htmx fires htmx:load on every fragment it swaps in (and once on the body at start,
  // which the handler above already covered).
  document.addEventListener("htmx:load", function (event) {
    if (event.detail && event.detail.elt !== document.body) renderCharts(event.detail.elt);
  });
})();
