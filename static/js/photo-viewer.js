/* The review page's photo viewer. Without JavaScript a photo is a link to the full-size image; with it, the link
   opens the page's <dialog data-photo-dialog> instead: zoom in, out and reset with the buttons, the keyboard
   (+, -, 0, arrow keys to move, Esc to close), the mouse wheel or a pinch, and drag to move. Focus stays in the
   viewer while it is open and goes back to the photo when it closes. The transform is set through the CSSOM
   (element.style), which the Content-Security-Policy allows; no style attribute is ever written in the HTML. */
(function () {
  "use strict";
  var dialog = document.querySelector("dialog[data-photo-dialog]");
  var links = document.querySelectorAll("a[data-photo-viewer]");
  if (!dialog || !links.length || typeof dialog.showModal !== "function") { return; }

  var stage = dialog.querySelector("[data-stage]");
  var img = dialog.querySelector("img[data-photo]");
  var title = dialog.querySelector("[data-photo-title]");
  var level = dialog.querySelector("[data-zoom-level]");
  var full = dialog.querySelector("a[data-full]");
  var MIN = 1, MAX = 8, STEP = 1.5, PAN = 60;
  var scale = 1, x = 0, y = 0, opener = null;
  var pointers = new Map(), pinch = null, drag = null;

  function limits() {
    // How far the photo may move: no further than its zoomed edges, so it never leaves the window.
    return {
      x: Math.max(0, (img.offsetWidth * scale - stage.clientWidth) / 2),
      y: Math.max(0, (img.offsetHeight * scale - stage.clientHeight) / 2)
    };
  }

  function apply() {
    var room = limits();
    x = Math.min(room.x, Math.max(-room.x, x));
    y = Math.min(room.y, Math.max(-room.y, y));
    img.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
    level.textContent = Math.round(scale * 100) + "%";
    stage.classList.toggle("zoomed", scale > 1);
    dialog.querySelector("[data-zoom=out]").disabled = scale <= MIN;
    dialog.querySelector("[data-zoom=in]").disabled = scale >= MAX;
  }

  // Zoom to `next`, keeping the point (px from the stage's centre) under the pointer where it is.
  function zoomTo(next, px, py) {
    next = Math.min(MAX, Math.max(MIN, next));
    px = px || 0; py = py || 0;
    x = px - (next / scale) * (px - x);
    y = py - (next / scale) * (py - y);
    scale = next;
    if (scale === MIN) { x = 0; y = 0; }
    apply();
  }

  function fromCentre(clientX, clientY) {
    var box = stage.getBoundingClientRect();
    return [clientX - box.left - box.width / 2, clientY - box.top - box.height / 2];
  }

  function open(link) {
    var photo = link.querySelector("img");
    opener = link;
    img.src = link.href;
    img.alt = photo ? photo.alt : "";
    title.textContent = link.dataset.photoName || img.alt;
    full.href = link.href;
    scale = 1; x = 0; y = 0;
    apply();
    dialog.showModal();
    stage.focus();
  }

  links.forEach(function (link) {
    link.setAttribute("aria-haspopup", "dialog");
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }  // a new tab: as before
      event.preventDefault();
      open(link);
    });
  });

  dialog.addEventListener("close", function () {
    img.removeAttribute("src");
    if (opener) { opener.focus(); opener = null; }
  });
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
  dialog.querySelector("[data-zoom=in]").addEventListener("click", function () { zoomTo(scale * STEP); });
  dialog.querySelector("[data-zoom=out]").addEventListener("click", function () { zoomTo(scale / STEP); });
  dialog.querySelector("[data-zoom=reset]").addEventListener("click", function () { zoomTo(MIN); });
  img.addEventListener("load", apply);

  var MOVES = { ArrowLeft: [PAN, 0], ArrowRight: [-PAN, 0], ArrowUp: [0, PAN], ArrowDown: [0, -PAN] };
  dialog.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === "+" || key === "=") { zoomTo(scale * STEP); }
    else if (key === "-" || key === "_") { zoomTo(scale / STEP); }
    else if (key === "0") { zoomTo(MIN); }
    else if (MOVES[key]) { x += MOVES[key][0]; y += MOVES[key][1]; apply(); }
    else if (key === "Tab") { trapFocus(event); return; }
    else { return; }
    event.preventDefault();
  });

  function trapFocus(event) {
    var focusable = Array.prototype.filter.call(
      dialog.querySelectorAll("button, a[href], [tabindex='0']"),
      function (element) { return !element.disabled && element.offsetParent !== null; });
    if (!focusable.length) { return; }
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  }

  stage.addEventListener("wheel", function (event) {
    event.preventDefault();
    var at = fromCentre(event.clientX, event.clientY);
    zoomTo(scale * Math.pow(1.0015, -event.deltaY), at[0], at[1]);
  }, { passive: false });

  // Pointers: one finger (or the mouse) drags the zoomed photo; two fingers pinch.
  stage.addEventListener("pointerdown", function (event) {
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    stage.setPointerCapture(event.pointerId);
    stage.classList.add("dragging");
    if (pointers.size === 2) {
      var points = Array.from(pointers.values());
      pinch = { distance: distance(points), scale: scale };
      drag = null;
    } else if (pointers.size === 1) {
      drag = { x: event.clientX - x, y: event.clientY - y };
    }
  });
  stage.addEventListener("pointermove", function (event) {
    if (!pointers.has(event.pointerId)) { return; }
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    if (pinch && pointers.size === 2) {
      var points = Array.from(pointers.values());
      var middle = fromCentre((points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2);
      zoomTo(pinch.scale * distance(points) / pinch.distance, middle[0], middle[1]);
    } else if (drag) {
      x = event.clientX - drag.x; y = event.clientY - drag.y;
      apply();
    }
  });
  function release(event) {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) { pinch = null; }
    if (pointers.size === 0) { drag = null; stage.classList.remove("dragging"); }
  }
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);

  function distance(points) {
    return Math.hypot(points[0][0] - points[1][0], points[0][1] - points[1][1]) || 1;
  }
})();
