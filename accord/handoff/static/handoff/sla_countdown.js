/* Live SLA countdowns: every element with data-due (ISO time) shows the time left, ticking
   each second; past the deadline it shows the time overdue. The server renders the first
   value, so the page reads correctly without JavaScript. */
(function () {
  "use strict";
  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return sign + (h ? h + "h " : "") + (h || m ? m + "m " : "") + s + "s";
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
