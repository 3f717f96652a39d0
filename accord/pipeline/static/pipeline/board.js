/* The deals board: drag a card onto another column to move it. The drop only fills the
   card's own stage select and submits its form (htmx posts it, the server moves the deal
   through the deal service and draws the board again), so dragging and the keyboard
   buttons take the same path. Nothing here is needed to move a deal. */
(function () {
  "use strict";
  var dragged = null;

  function columnOf(element) {
    return element && element.closest ? element.closest(".board-column[data-stage]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal || "");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll(".board-column.is-drop-target").forEach(function (c) {
      c.classList.remove("is-drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("is-drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    var form = dragged.querySelector("form.deal-move");
    var select = form && form.querySelector("select[name=to_stage]");
    var go = form && form.querySelector(".deal-move-go");
    if (!select || !go || select.value === column.dataset.stage) return;
    select.value = column.dataset.stage;
    if (form.requestSubmit) form.requestSubmit(go); else go.click();
  });

  // After a move the board is drawn again: keep the keyboard on the moved card (or on the
  // won/lost dialog when one opened).
  document.addEventListener("htmx:afterSettle", function () {
    var board = document.getElementById("deal-board");
    if (!board) return;
    var dialog = board.querySelector("#close-dialog [autofocus]");
    var moved = board.querySelector(".deal-card.is-moved .deal-stage-select");
    var target = dialog || moved;
    if (target) target.focus();
  });
})();
