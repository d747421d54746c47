// Messages page: record a voice note in the browser (static/js/recorder.js) and put it into the form's voice
// note file input, with a player to listen back before sending. Without this script the file input is there.
(function () {
  "use strict";
  const box = document.getElementById("voice-recorder");
  const input = document.getElementById("id_voice");
  if (!box || !input || !window.LeapRecorder || !window.LeapRecorder.supported() || !window.DataTransfer) return;
  const strings = JSON.parse(document.getElementById("voice-strings").textContent);
  const preview = document.getElementById("voice-preview");
  const state = document.getElementById("voice-state");
  const discard = document.getElementById("voice-discard");
  box.hidden = false;

  function setVoice(file) {
    const files = new DataTransfer();
    if (file) files.items.add(file);
    input.files = files.files;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = !file;
    discard.hidden = !file;
    if (file) preview.src = URL.createObjectURL(file);
    else preview.removeAttribute("src");
    state.textContent = file ? strings.ready : "";
  }

  window.LeapRecorder.attach({
    start: document.getElementById("voice-start"), stop: document.getElementById("voice-stop"),
    clock: state, recordingLabel: strings.recording, onRecorded: setVoice,
  });
  discard.addEventListener("click", () => setVoice(null));
  input.addEventListener("change", () => {
    preview.hidden = discard.hidden = true;
    state.textContent = "";
  });
})();
