/*
 * Autosave and presence on the story form (articles.admin_editing).
 *
 * Autosave: once the editor has touched the form, its data (new FormData(form):
 * fields, bylines, blocks; no files) is posted to the autosave endpoint when
 * it differs from what was last sent and the editor has paused typing for a
 * moment (at the latest every few pauses' worth while typing on), and when
 * the page is hidden or left (sendBeacon). Submitting the form stops it:
 * the save itself deletes the draft.
 *
 * Presence: every few seconds, and at once when the page regains focus, the
 * page tells the server it is open and shows who else has the story open and
 * whether someone saved it since this page was loaded.
 *
 * Settings and texts come from data- attributes of #editing-session; no
 * inline script, no eval (the admin's Content-Security-Policy).
 */
(function () {
  "use strict";

  const root = document.getElementById("editing-session");
  const form = document.getElementById("article_form");
  if (!root || !form) {
    return;
  }
  const config = root.dataset;
  const status = root.querySelector(".editing-session-status");
  const notice = root.querySelector(".editing-session-presence");
  const delay = parseInt(config.delay, 10) || 3000;
  const interval = parseInt(config.interval, 10) || 15000;
  const tokenInput = form.querySelector("input[name=version_token]");
  // The version this page was loaded with; presence compares it with the story's.
  const loadedToken = tokenInput ? tokenInput.value : "";
  const csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");

  let touched = false;
  let submitting = false;
  let sending = false;
  let lastSent = null;
  let lastInput = 0;
  let lastSave = Date.now();
  let lastSeen = ""; // when the server last recorded this page as open
  let retryAt = 0; // after a failure, wait a while before the next try

  function show(text, isError) {
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function formData() {
    const data = new FormData(form);
    for (const [name, value] of Array.from(data.entries())) {
      if (value instanceof File) {
        data.delete(name);
      }
    }
    return data;
  }

  function snapshot(data) {
    const pairs = [];
    for (const [name, value] of data.entries()) {
      if (name !== "csrfmiddlewaretoken") {
        pairs.push([name, value]);
      }
    }
    return JSON.stringify(pairs);
  }

  function changed() {
    const data = formData();
    const current = snapshot(data);
    return current === lastSent ? null : { data: data, snapshot: current };
  }

  async function autosave() {
    if (sending || submitting) {
      return;
    }
    const pending = changed();
    if (!pending) {
      return;
    }
    sending = true;
    retryAt = Date.now() + 5 * delay;
    show(config.textSaving);
    try {
      const response = await fetch(config.autosaveUrl, {
        method: "POST",
        body: pending.data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.redirected || !type.includes("application/json")) {
        show(config.textSignedOut, true); // the admin sent its login page
      } else if (response.status === 413) {
        show(config.textTooLarge, true);
        lastSent = pending.snapshot; // the same again would be refused again
      } else if (!response.ok) {
        show(config.textFailed, true);
      } else {
        const answer = await response.json();
        lastSent = pending.snapshot;
        lastSave = Date.now();
        retryAt = 0;
        show(answer.message);
      }
    } catch (error) {
      show(config.textOffline, true);
    } finally {
      sending = false;
    }
  }

  function tick() {
    if (!touched || submitting || lastSent === null) {
      return;
    }
    if (config.paused) {
      show(config.textPaused);
      return;
    }
    const now = Date.now();
    if (now < retryAt) {
      return;
    }
    // Debounced: after a pause in typing, or every four pauses' worth while typing on.
    if (now - lastInput >= delay || now - lastSave >= 4 * delay) {
      autosave();
    }
  }

  function beacon() {
    if (!touched || submitting || config.paused || !navigator.sendBeacon) {
      return;
    }
    const pending = changed();
    if (pending && navigator.sendBeacon(config.autosaveUrl, pending.data)) {
      lastSent = pending.snapshot;
    }
  }

  function touch() {
    touched = true;
    lastInput = Date.now();
  }

  for (const type of ["input", "change", "drop", "click", "keyup"]) {
    form.addEventListener(type, touch, true);
  }
  form.addEventListener("submit", function () {
    submitting = true;
  });
  setInterval(tick, Math.max(500, Math.min(delay, 1000)));
  // What the page opened with is not a change (the rich-text editors settle
  // their markup while loading, hence after "load").
  function baseline() {
    if (lastSent === null) {
      lastSent = snapshot(formData());
    }
  }
  if (document.readyState === "complete") {
    baseline();
  } else {
    window.addEventListener("load", baseline);
  }

  // --- presence ---------------------------------------------------------------

  function presenceData(extra) {
    const data = new FormData();
    if (csrfInput) {
      data.append("csrfmiddlewaretoken", csrfInput.value);
    }
    data.append("version_token", loadedToken);
    for (const [name, value] of Object.entries(extra || {})) {
      data.append(name, value);
    }
    return data;
  }

  function showPresence(answer) {
    const lines = [];
    if (answer.message) {
      lines.push(["also-editing", answer.message]);
    }
    if (answer.saved) {
      lines.push(["saved-meanwhile", answer.saved.message]);
    }
    const text = lines.map((line) => line[1]).join("\n");
    if (notice.dataset.shown === text) {
      return; // unchanged: nothing new for a screen reader to announce
    }
    notice.dataset.shown = text;
    notice.replaceChildren(
      ...lines.map(function ([kind, message]) {
        const paragraph = document.createElement("p");
        paragraph.className = kind;
        paragraph.textContent = message;
        return paragraph;
      }),
    );
  }

  let asking = false;
  async function askPresence() {
    if (asking || submitting || document.visibilityState === "hidden") {
      return;
    }
    asking = true;
    try {
      const response = await fetch(config.presenceUrl, {
        method: "POST",
        body: presenceData(),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && !response.redirected && type.includes("application/json")) {
        const answer = await response.json();
        lastSeen = answer.seen || lastSeen;
        showPresence(answer);
      }
    } catch (error) {
      // Offline for a moment: the next round asks again.
    } finally {
      asking = false;
    }
  }

  if (config.presenceUrl) {
    askPresence();
    setInterval(askPresence, interval);
    window.addEventListener("focus", askPresence);
  }

  // --- leaving ----------------------------------------------------------------

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      beacon();
    } else if (config.presenceUrl) {
      askPresence();
    }
  });
  window.addEventListener("pagehide", function () {
    beacon();
    // Even after a submit: a form that comes back (refused, or "save and
    // continue") says "here" again, which this goodbye cannot undo.
    if (config.presenceUrl && navigator.sendBeacon && lastSeen) {
      navigator.sendBeacon(config.presenceUrl, presenceData({ leaving: lastSeen }));
    }
  });
})();
