/* On a wide screen the decision panel sits beside the evidence, sticks to the top and scrolls on its own, with its
   submit bar at its bottom edge. Without this script the panel is as tall as the window less a margin, so before
   the page scrolls its lower part (and the submit bar) can sit below the fold; this keeps the panel within what
   is visible, so the submit bar always is. */
(function () {
  "use strict";
  var panel = document.querySelector(".review-decision");
  if (!panel) { return; }
  var wide = window.matchMedia("(min-width: 48rem)");
  var MARGIN = 16, queued = false;

  function fit() {
    queued = false;
    if (!wide.matches) { panel.style.maxHeight = ""; return; }
    var top = Math.max(panel.getBoundingClientRect().top, MARGIN);
    panel.style.maxHeight = Math.max(240, window.innerHeight - top - MARGIN) + "px";
  }
  function queue() {
    if (!queued) { queued = true; window.requestAnimationFrame(fit); }
  }
  window.addEventListener("scroll", queue, { passive: true });
  window.addEventListener("resize", queue);
  fit();
})();
