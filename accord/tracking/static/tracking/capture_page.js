/* The form-error page's "go back" link returns to the form with its input kept. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
