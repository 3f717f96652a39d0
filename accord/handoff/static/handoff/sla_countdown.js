/* Live SLA countdowns: every element with data-due (ISO time) shows the time left, ticking
   each second; past the deadline it shows the time overdue. The server renders the first
   value, so the page reads correctly without JavaScript. The unit abbreviations come from
   data attributes on <body>, rendered by the translated base template. */
(function () {
  "use strict";
  function units() {
    var data = document.body.dataset;
    return {h: data.unitHours || "h", m: data.unitMinutes || "m", s: data.unitSeconds || "s"};
  }
  function format(seconds) {
    var unit = units();
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return sign + (h ? h + " " + unit.h + " " : "") + (h || m ? m + " " + unit.m + " " : "") + s + " " + unit.s;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (element) {
      var left = (Date.parse(element.dataset.due) - now) / 1000;
      element.textContent = format(left);
      element.classList.toggle("sla-overdue", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
})();
