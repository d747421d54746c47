// Evidence page, progressively enhanced: the forms work without this script.
// It adds: saving the draft as the learner types (kept on the device while offline), uploading each file as
// soon as it is chosen, whichever button chose it, with its own progress bar (straight to object storage when
// the server says so), live "n of N ticked" counts per unit, and in-browser recording.
(function () {
  "use strict";
  const strings = JSON.parse(document.getElementById("evidence-strings").textContent);
  const draft = document.getElementById("draft-form");
  const note = document.getElementById("save-note");
  const status = document.getElementById("save-status");
  const announcer = document.getElementById("save-announce");
  const csrf = draft.querySelector("input[name=csrfmiddlewaretoken]").value;
  const revisionInputs = () => document.querySelectorAll("input[name=revision]");
  let storeKey = "leap-evidence-draft-" + draft.dataset.evidence;
  const uploadForm = document.getElementById("upload-form");

  // --- The first save creates the draft ("Add evidence" stores nothing until then) -----------------------
  // The page's token makes a repeated first save (a double tap, a retry) answer with the same draft.
  let creating = null;

  function ensureDraft() {
    if (draft.dataset.autosaveUrl) return Promise.resolve(null);
    if (!creating) {
      creating = fetch(draft.dataset.createUrl, {
        method: "POST", body: new FormData(draft), credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      }).then(async (response) => {
        const body = await response.json();
        if (!response.ok) { creating = null; return body; }
        draft.dataset.autosaveUrl = body.autosave_url;
        draft.removeAttribute("action");
        uploadForm.action = body.upload_url;
        if (uploadForm.dataset.direct === "1") uploadForm.dataset.presignUrl = body.presign_url;
        localStorage.removeItem(storeKey);
        storeKey = "leap-evidence-draft-" + body.pk;
        window.history.replaceState(null, "", body.edit_url);
        return body;
      }, (error) => { creating = null; throw error; });
    }
    return creating;
  }

  // --- What the note says --------------------------------------------------------------------------------
  // Visible text changes silently (it ages every minute); news is announced once, through the hidden live region.
  let savedAt = null;

  function say(text) {
    savedAt = null;
    status.textContent = text;
    announcer.textContent = text;
  }

  function savedText() {
    const minutes = Math.floor((Date.now() - savedAt) / 60000);
    if (minutes < 1) return strings.saved_now;
    if (minutes <= strings.saved_minutes.length) return strings.saved_minutes[minutes - 1];
    return strings.saved_at.replace("%(time)s", savedAt.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  }

  function sayThisSaved() {
    savedAt = Date.now();
    status.textContent = savedText();
    announcer.textContent = strings.saved_now;
  }

  setInterval(() => { if (savedAt) status.textContent = savedText(); }, 20000);

  // --- Draft autosave ----------------------------------------------------------------------------------
  let timer = null;
  let saving = false;
  let pending = false;

  function setRevision(value) {
    revisionInputs().forEach((input) => { input.value = value; });
  }

  function keepLocally() {
    const data = {};
    new FormData(draft).forEach((value, key) => {
      if (key === "csrfmiddlewaretoken") return;
      (data[key] = data[key] || []).push(value);
    });
    try {
      localStorage.setItem(storeKey, JSON.stringify({ at: Date.now(), data: data }));
    } catch (error) {  // storage full or refused: the server copy still follows
    }
  }

  function restoreLocal() {
    const kept = localStorage.getItem(storeKey);
    if (!kept) return;
    const data = JSON.parse(kept).data;
    Object.keys(data).forEach((key) => {
      if (key === "revision") return;
      const fields = draft.querySelectorAll(`[name="${key}"]`);
      fields.forEach((field) => {
        if (field.type === "checkbox") field.checked = data[key].includes(field.value);
        else field.value = data[key][0];
      });
    });
    draft.querySelectorAll("input[type=checkbox][name=criteria]").forEach((box) => {
      if (!data.criteria) box.checked = false;
    });
    countTicks();
    say(strings.restored);
    save();
  }

  async function save() {
    if (saving) { pending = true; return; }
    saving = true;
    say(strings.saving);
    try {
      const created = await ensureDraft();
      if (created) {  // that first save was the autosave: it created the draft with what was typed
        if (!created.ok) throw new Error(created.error || "");
        setRevision(created.revision);
        sayThisSaved();
        return;
      }
      const response = await fetch(draft.dataset.autosaveUrl, {
        method: "POST", body: new FormData(draft), credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      });
      const body = await response.json();
      if (response.ok) {
        setRevision(body.revision);
        localStorage.removeItem(storeKey);
        sayThisSaved();
      } else {
        say(response.status === 409 ? strings.conflict : (body.error || strings.offline));
      }
    } catch (error) {
      say(strings.offline);
    } finally {
      saving = false;
      if (pending) { pending = false; schedule(); }
    }
  }

  function schedule() {
    keepLocally();
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  }

  // --- "n of N ticked" per unit, counted as the learner ticks ---------------------------------------------
  function countTicks() {
    draft.querySelectorAll("details.criteria-unit").forEach((unit) => {
      const count = unit.querySelector(".ticked-count");
      const ticked = unit.querySelectorAll("input[name=criteria]:checked").length;
      count.textContent = JSON.parse(count.dataset.labels)[ticked];
      count.classList.toggle("some", ticked > 0);
    });
  }

  draft.addEventListener("input", schedule);
  draft.addEventListener("change", (event) => {
    if (event.target.name === "criteria") countTicks();
    schedule();
  });
  window.addEventListener("online", () => { if (localStorage.getItem(storeKey)) save(); });
  note.hidden = false;  // from here on the draft is saved as the learner types
  restoreLocal();

  // --- Uploads, one request per file -------------------------------------------------------------------
  const progressList = document.getElementById("upload-progress");
  const template = document.getElementById("t-progress");

  function progressRow(name) {
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector(".name").textContent = name;
    progressList.appendChild(row);
    return row;
  }

  function send(url, body, row, headers) {
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", url);
      Object.entries(headers || {}).forEach(([k, v]) => request.setRequestHeader(k, v));
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) row.querySelector("progress").value = Math.round(100 * event.loaded / event.total);
      };
      request.onload = () => resolve({ status: request.status, text: request.responseText });
      request.onerror = request.onabort = () => resolve({ status: 0, text: "" });
      request.send(body);
    });
  }

  async function uploadToServer(file, row) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("files", file, file.name);
    const result = await send(uploadForm.action, body, row, { "Accept": "application/json" });
    try {
      return JSON.parse(result.text).files[0];
    } catch (error) {  // an error page, not our JSON: a proxy's 413, a 500
      return { ok: false, error: strings.failed };
    }
  }

  async function uploadDirect(file, row) {
    const presign = new FormData();
    presign.append("name", file.name);
    presign.append("size", file.size);
    const answer = await fetch(uploadForm.dataset.presignUrl, {
      method: "POST", body: presign, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    });
    const grant = await answer.json();
    if (!answer.ok) return { ok: false, error: grant.error };
    const body = new FormData();
    Object.entries(grant.fields).forEach(([k, v]) => body.append(k, v));
    body.append("file", file);
    const sent = await send(grant.url, body, row);
    if (sent.status < 200 || sent.status >= 300) return { ok: false, error: strings.failed };
    const confirm = await fetch(grant.confirm_url, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    });
    return (await confirm.json()).files[0];
  }

  async function upload(files) {
    if (!files.length) return;
    try {
      const created = await ensureDraft();
      if (created && !created.ok) throw new Error("");
      if (created) setRevision(created.revision);
    } catch (error) {
      say(strings.offline);
      return;
    }
    for (const file of files) {
      const row = progressRow(file.name);
      let result;
      try {
        result = uploadForm.dataset.direct === "1" ? await uploadDirect(file, row) : await uploadToServer(file, row);
      } catch (error) {
        result = { ok: false, error: strings.failed };
      }
      row.querySelector(".state").textContent = result.ok ? strings.uploaded : result.error;
      row.classList.add(result.ok ? "ok" : "failed");
    }
    if (files.length && progressList.querySelector(".ok")) {
      setTimeout(() => window.location.reload(), 800);
    }
  }

  // Taking a photo, recording a video or audio and choosing files all go the same way: sent at once.
  function sendChosen() {
    const files = [];
    uploadForm.querySelectorAll("input[type=file]").forEach((input) => {
      files.push(...input.files);
      input.value = "";
    });
    upload(files);
  }

  uploadForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendChosen();
  });
  uploadForm.querySelectorAll("input[type=file]").forEach((input) => {
    input.addEventListener("change", () => { if (input.files.length) sendChosen(); });
  });
  document.getElementById("upload-button").hidden = true;  // nothing waits to be sent
  document.getElementById("upload-when").textContent = strings.upload_at_once;

  // --- Recording in the browser ------------------------------------------------------------------------
  const recorderBox = document.getElementById("recorder");
  if (window.LeapRecorder && window.LeapRecorder.supported()) {  // static/js/recorder.js
    recorderBox.hidden = false;
    window.LeapRecorder.attach({
      start: document.getElementById("record-start"), stop: document.getElementById("record-stop"),
      clock: document.getElementById("record-time"), recordingLabel: strings.recording,
      onRecorded: (file) => upload([file]),
    });
  }
})();
