// Recording audio in the browser (MediaRecorder), shared by the evidence page and the messages page.
// LeapRecorder.attach wires a start and a stop button and a clock; when a recording stops it hands over a File.
(function () {
  "use strict";

  function supported() {
    return Boolean(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function fileOf(chunks, type) {
    const extension = type.includes("mp4") ? "m4a" : (type.includes("ogg") ? "ogg" : "webm");
    const stamp = new Date().toISOString().slice(0, 16).replace("T", " ").replace(":", "-");
    return new File(chunks, `Recording ${stamp}.${extension}`, { type: type });
  }

  // options: {start, stop, clock, recordingLabel, onRecorded(file)}
  function attach(options) {
    const { start, stop, clock } = options;
    let recorder = null;
    let chunks = [];
    let tick = null;
    start.addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (error) {
        clock.textContent = error.message;
        return;
      }
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = (event) => chunks.push(event.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        options.onRecorded(fileOf(chunks, recorder.mimeType || "audio/webm"));
      };
      recorder.start(1000);
      const began = Date.now();
      tick = setInterval(() => {
        const seconds = Math.round((Date.now() - began) / 1000);
        clock.textContent = `${options.recordingLabel} ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      }, 1000);
      start.disabled = true;
      stop.disabled = false;
    });
    stop.addEventListener("click", () => {
      clearInterval(tick);
      recorder.stop();
      start.disabled = false;
      stop.disabled = true;
    });
  }

  window.LeapRecorder = { supported: supported, attach: attach };
})();
