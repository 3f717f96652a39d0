/* Keyboard shortcuts of the sales inbox (the help line above the table lists them):
   j / k  move to the next / previous lead      a  accept the current lead
   r      open its reject form (reason first)   t  log a contact attempt
   o      open the lead page
   Keys typed into a field, or with Ctrl/Alt/Meta held, are left alone. The current row
   survives an htmx swap (the action re-draws the row with the same id). */
(function () {
  "use strict";
  var currentId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr.inbox-row"));
  }
  function current() {
    var list = rows();
    if (currentId) {
      var found = document.getElementById(currentId);
      if (found) { return found; }
    }
    return list.length ? list[0] : null;
  }
  function select(row) {
    rows().forEach(function (each) { each.classList.remove("is-current"); each.removeAttribute("aria-current"); });
    if (!row) { return; }
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    currentId = row.id;
    row.focus({preventScroll: true});
    row.scrollIntoView({block: "nearest"});
  }
  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var index = list.indexOf(current());
    if (!document.querySelector("tr.inbox-row.is-current")) { index = step > 0 ? -1 : list.length; }
    select(list[Math.max(0, Math.min(list.length - 1, index + step))]);
  }
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable);
  }
  function press(row, key) {
    var control = row && row.querySelector('[data-key="' + key + '"]');
    if (!control) { return false; }
    if (key === "r") {
      var details = control.closest("details");
      if (details) { details.open = true; }
      var reason = details && details.querySelector("select");
      if (reason) { reason.focus(); }
      return true;
    }
    control.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("table[data-shortcuts=inbox]")) { return; }
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "j") { move(1); }
    else if (key === "k") { move(-1); }
    else if (key === "a" || key === "r" || key === "t") {
      var row = current();
      select(row);
      if (!press(row, key)) { return; }
    } else if (key === "o" || key === "Enter") {
      var open = current();
      if (!open || (key === "Enter" && event.target !== open)) { return; }
      window.location.assign(open.dataset.href);
    } else { return; }
    event.preventDefault();
  });
  document.addEventListener("htmx:afterSwap", function () {
    var row = currentId && document.getElementById(currentId);
    if (row) { row.classList.add("is-current"); row.setAttribute("aria-current", "true"); row.focus({preventScroll: true}); }
  });
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr.inbox-row");
    if (row) {
      rows().forEach(function (each) { each.classList.remove("is-current"); each.removeAttribute("aria-current"); });
      row.classList.add("is-current");
      currentId = row.id;
    }
  });
})();
