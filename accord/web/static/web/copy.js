/* Copy buttons: <button data-copy-target="ID"> copies the text of the element with that id.
 * The result is announced in the element marked data-copy-status (its data-copied-text and
 * data-failed-text attributes hold the translated messages). */
(function () {
  "use strict";
  function announce(ok) {
    var status = document.querySelector("[data-copy-status]");
    if (!status) return;
    status.textContent = status.getAttribute(ok ? "data-copied-text" : "data-failed-text") || "";
  }
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    var text = source.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { announce(true); },
        function () { selectText(source); announce(false); }
      );
      return;
    }
    selectText(source);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    announce(copied);
  });
})();
