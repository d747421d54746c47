/* Progressive enhancement: without JavaScript a share link stays a read-only field to select and copy.
   The labels come from the field: data-copy-label and data-copied-label. */
(function () {
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("input[data-copy]").forEach(function (input) {
    var button = document.createElement("button"), status = document.createElement("span");
    button.type = "button"; button.className = "button small";
    button.textContent = input.dataset.copyLabel || "Copy";
    status.setAttribute("role", "status"); status.className = "muted";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () { status.textContent = input.dataset.copiedLabel || ""; });
    });
    input.after(button, status);
  });
})();
