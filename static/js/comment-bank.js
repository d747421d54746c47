/* The comment bank picker on the review page, progressively enhanced: without JavaScript it lists the comments'
   text to copy by hand. With it, each comment's Insert buttons put its text in the feedback or the actions field:
   where the cursor is, once the assessor has been in that field and the cursor is not at the end; otherwise after
   what is there, with a blank line between. The field is focused and a status line says what happened. */
(function () {
  "use strict";
  var picker = document.querySelector("[data-comment-bank]");
  if (!picker) { return; }
  var status = picker.querySelector("[data-comment-bank-status]");
  var form = picker.closest("form");
  var visited = new WeakSet();

  function field(name) {
    var found = form ? form.elements.namedItem(name) : null;
    return found || document.querySelector("textarea[name='" + name + "']");
  }

  ["feedback", "actions"].forEach(function (name) {
    var area = field(name);
    if (area) { area.addEventListener("focus", function () { visited.add(area); }); }
  });

  function insert(area, text) {
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    var atCursor = visited.has(area) && end < value.length;
    if (!atCursor) {
      var kept = value.replace(/\s+$/, "");
      var joined = kept ? kept + "\n\n" + text : text;
      area.value = joined;
      area.setSelectionRange(joined.length, joined.length);
    } else {
      var before = value.slice(0, start);
      var spaced = before && !/\s$/.test(before) ? " " + text : text;
      area.setRangeText(spaced, start, end, "end");
    }
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  }

  picker.querySelectorAll("[data-with-js]").forEach(function (el) { el.hidden = false; });
  picker.querySelectorAll("[data-without-js]").forEach(function (el) { el.hidden = true; });
  picker.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-insert-into]");
    if (!button) { return; }
    var name = button.dataset.insertInto, area = field(name);
    if (!area) { return; }
    insert(area, button.closest("[data-snippet-text]").dataset.snippetText);
    status.textContent = picker.dataset["inserted" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
  });
})();
