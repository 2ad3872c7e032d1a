/*
 * The live preview beside the story form (articles.editing.live_preview).
 *
 * About a second after the last change, the whole story form (fields,
 * bylines, blocks, tags) is posted to the preview endpoint into the named,
 * sandboxed frame of the panel: the form's own submission, with its action
 * and target switched for that one call and put back at once. So what the
 * server renders is exactly what a save would post, and the frame gets the
 * endpoint's response as a page of its own, with the reader's
 * Content-Security-Policy (no script; a srcdoc or blob: frame would inherit
 * the admin's). form.submit() sends no submit event: other scripts of the
 * form (the block editor's, autosave) do not take it for a save.
 *
 * Widths: mobile (375 px) and desktop (1280 px), each scaled down to fit the
 * panel. The panel's state (open, width) is remembered in localStorage.
 * CSP-clean: no inline script or handler, no eval.
 */
;(() => {
  const panel = document.getElementById("live-preview")
  const toggle = document.querySelector(".live-preview-toggle")
  if (!panel || !toggle) return
  const form = document.getElementById(panel.dataset.form)
  if (!form) return
  const frame = panel.querySelector(".live-preview__frame")
  const viewport = panel.querySelector(".live-preview__viewport")
  const status = panel.querySelector(".live-preview__status")
  const widthButtons = [...panel.querySelectorAll(".live-preview__width")]
  const STORAGE_KEY = "articles.livePreview"
  const DEBOUNCE_MS = 1000

  let timer = null
  let loading = false
  let changedWhileLoading = false
  let scroll = { x: 0, y: 0 }
  let lastPosted = null

  function remembered() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {}
    } catch {
      return {}
    }
  }

  function remember(state) {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...remembered(), ...state }))
    } catch {
      // Private mode or full storage: the panel just starts closed next time.
    }
  }

  function isOpen() {
    return !panel.hidden
  }

  function say(text) {
    if (status.textContent !== text) status.textContent = text
  }

  function currentWidth() {
    const pressed = widthButtons.find((button) => button.getAttribute("aria-pressed") === "true")
    return Number(pressed ? pressed.dataset.width : 1280)
  }

  // The chosen width, scaled to fit the panel: the frame is laid out at the
  // device's width and shrunk, so the page's own breakpoints apply.
  function fit() {
    const available = viewport.clientWidth
    // The list of errors is the panel's own message, not a page to judge at a device's width: full size.
    const width = panel.dataset.showing === "errors" ? available : currentWidth()
    const scale = Math.min(1, available / width)
    frame.style.width = `${width}px`
    frame.style.height = `${viewport.clientHeight / scale}px`
    frame.style.transform = `scale(${scale})`
    // A phone's width sits in the middle of a wider panel.
    frame.style.left = `${Math.max(0, (available - width * scale) / 2)}px`
    panel.dataset.width = String(width)
  }

  function setWidth(width) {
    for (const button of widthButtons) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.width) === width))
    }
    fit()
    remember({ width })
  }

  function frameDocument() {
    try {
      return frame.contentDocument
    } catch {
      return null
    }
  }

  // What the form would post now (files aside): a refresh that would post
  // the same again is skipped, whatever set it off.
  function formState() {
    const entries = [...new FormData(form)].filter(([, value]) => typeof value === "string")
    return new URLSearchParams(entries).toString()
  }

  function refresh({ force = false } = {}) {
    clearTimeout(timer)
    if (!isOpen()) return
    if (loading) {
      changedWhileLoading = true
      return
    }
    const state = formState()
    if (!force && state === lastPosted) return
    lastPosted = state
    const shown = frameDocument()
    if (shown && shown.defaultView && shown.URL !== "about:blank") {
      scroll = { x: shown.defaultView.scrollX, y: shown.defaultView.scrollY }
    }
    loading = true
    changedWhileLoading = false
    panel.setAttribute("aria-busy", "true")
    const action = form.getAttribute("action")
    const target = form.getAttribute("target")
    form.setAttribute("action", panel.dataset.url)
    form.setAttribute("target", frame.name)
    try {
      // The prototype's submit: a field named "submit" cannot shadow it.
      HTMLFormElement.prototype.submit.call(form)
    } finally {
      if (action === null) form.removeAttribute("action")
      else form.setAttribute("action", action)
      if (target === null) form.removeAttribute("target")
      else form.setAttribute("target", target)
    }
  }

  function schedule() {
    if (!isOpen()) return
    clearTimeout(timer)
    timer = setTimeout(refresh, DEBOUNCE_MS)
  }

  frame.addEventListener("load", () => {
    if (!loading) return // the empty frame's first load
    loading = false
    panel.removeAttribute("aria-busy")
    const shown = frameDocument()
    panel.dataset.showing = shown && shown.querySelector(".live-preview-errors") ? "errors" : "story"
    fit()
    if (panel.dataset.showing === "errors") {
      say(panel.dataset.invalid)
    } else if (shown && shown.querySelector(".story")) {
      say(panel.dataset.updated)
      shown.defaultView.scrollTo(scroll.x, scroll.y)
    } else {
      // Signed out, no longer allowed, a server error: say so, try again on the next change.
      say(panel.dataset.failed)
      lastPosted = null
    }
    if (changedWhileLoading) schedule()
  })

  function open() {
    panel.hidden = false
    document.body.classList.add("live-preview-open")
    toggle.setAttribute("aria-expanded", "true")
    fit()
    remember({ open: true })
    refresh({ force: true })
  }

  function close() {
    clearTimeout(timer)
    panel.hidden = true
    document.body.classList.remove("live-preview-open")
    toggle.setAttribute("aria-expanded", "false")
    remember({ open: false })
    toggle.focus()
  }

  toggle.addEventListener("click", () => (isOpen() ? close() : open()))
  panel.querySelector(".live-preview__close").addEventListener("click", close)
  for (const button of widthButtons) {
    button.addEventListener("click", () => setWidth(Number(button.dataset.width)))
  }

  // Typing (fields and the prose editor, which fires "input" on its
  // textarea), choices (selects, select2, checkboxes), blocks and bylines
  // added, removed or moved (the block editor changes ordering fields and
  // the rows' order from script, without events). Anything else that
  // changes the form's markup only costs a comparison (formState).
  form.addEventListener("input", schedule)
  form.addEventListener("change", schedule)
  document.addEventListener("formset:added", schedule)
  document.addEventListener("formset:removed", schedule)
  new MutationObserver(schedule).observe(form, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["style", "value"],
  })
  new ResizeObserver(() => isOpen() && fit()).observe(viewport)

  const state = remembered()
  if (state.width) {
    for (const button of widthButtons) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.width) === state.width))
    }
  }
  if (state.open) open()
})()
