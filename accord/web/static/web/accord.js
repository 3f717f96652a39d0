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

  // Plotly's Russian: month and day names, number separators (decimal comma, a no-break
  // space between thousands, as Django and Babel write them) and the few interface
  // strings a reader can meet.
  // plotly.js ships no Russian locale in the Python package, and nothing loads from a CDN.
  var PLOTLY_LOCALE_RU = {
    moduleType: "locale",
    name: "ru",
    dictionary: {
      "Autoscale": "Автомасштаб",
      "Double-click to zoom back out": "Двойной щелчок: исходный масштаб",
      "Download plot as a png": "Сохранить как PNG",
      "Reset axes": "Сбросить оси",
      "Reset view": "Сбросить вид",
      "Zoom": "Масштаб",
      "Zoom in": "Увеличить",
      "Zoom out": "Уменьшить",
      "Pan": "Сдвиг",
      "Show closest data on hover": "Ближайшие данные при наведении",
      "Compare data on hover": "Сравнить данные при наведении",
      "trace": "ряд",
      "new text": "новый текст"
    },
    format: {
      days: ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
      shortDays: ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
      months: ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
        "сентябрь", "октябрь", "ноябрь", "декабрь"],
      shortMonths: ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт",
        "ноя", "дек"],
      periods: ["", ""],
      date: "%d.%m.%Y",
      time: "%H:%M:%S",
      datetime: "%d.%m.%Y %H:%M:%S",
      decimal: ",",
      thousands: "\u00a0",
      grouping: [3],
      currency: ["", "\u00a0$"],
      year: "%Y",
      month: "%b %Y",
      dayMonth: "%-d %b",
      dayMonthYear: "%-d %b %Y"
    }
  };
  var plotlyLocaleRegistered = false;

  function pageLocale() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("ru") === 0 ? "ru" : "en";
  }

  // Draw every Plotly figure in newly loaded content (the first page load and htmx swaps).
  function renderCharts(root) {
    if (typeof Plotly === "undefined") return;
    if (!plotlyLocaleRegistered) {
      Plotly.register(PLOTLY_LOCALE_RU);
      plotlyLocaleRegistered = true;
    }
    var charts = root.querySelectorAll ? root.querySelectorAll("[data-plotly-figure]") : [];
    Array.prototype.forEach.call(charts, function (element) {
      var source = document.getElementById(element.dataset.plotlyFigure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(element, figure.data, figure.layout, {
        displayModeBar: false,
        responsive: true,
        locale: pageLocale(),
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
