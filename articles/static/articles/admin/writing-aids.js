/*
 * Writing aids on the story form: the body's word count and reading time,
 * and length counters with the recommended limits on the headline,
 * standfirst, SEO title and SEO description. They advise; nothing is
 * refused (the fields' own maximum lengths are the model's business).
 *
 * Every counting rule is in this file:
 *
 * - The body is every text block (rich text) and pull quote of the story
 *   that will be saved: blocks marked for deletion and the block editor's
 *   empty templates do not count. Widgets, images and embeds are not prose.
 * - A word is a run of characters between spaces that holds at least one
 *   letter or digit ("Trump-Putin" is one word, "—" is none). Rich text is
 *   read as text, so markup never counts.
 * - Reading time is words / ARTICLES_READING_WORDS_PER_MINUTE, rounded up
 *   to whole minutes (a short story takes 1 min, not 0).
 * - A length is counted in characters as the server counts them (Unicode
 *   code points, like Django's max_length), so a counter never disagrees
 *   with a "too long" error.
 *
 * The limits and the reading speed come from the server (json_script
 * "writing-aids-config"); the labels, translated, from <template
 * id="writing-aids-text">. CSP-clean: no inline script, no eval.
 */
;(() => {
  const configElement = document.getElementById("writing-aids-config")
  const text = document.getElementById("writing-aids-text")
  if (!configElement || !text) return
  const config = JSON.parse(configElement.textContent)
  const labels = text.dataset
  const language = document.documentElement.lang || undefined
  const numbers = new Intl.NumberFormat(language)

  const BODY_FIELDS = /^(articles_richtext_set-\d+-text|articles_pullquote_set-\d+-quote)$/
  const WORD = /[\p{L}\p{N}]/u

  function countWords(plain) {
    return plain.split(/\s+/u).filter((token) => WORD.test(token)).length
  }

  // The rich text's words, not its tags: parsed inertly (no script runs, no
  // image loads in a DOMParser document). Block ends are spaces, so
  // "<p>end.</p><p>Next" is two words.
  function plainText(html) {
    const doc = new DOMParser().parseFromString(html, "text/html")
    for (const element of doc.body.querySelectorAll("p, li, h1, h2, h3, h4, h5, h6, blockquote, br, div")) {
      element.append(" ")
    }
    return doc.body.textContent
  }

  function isDeleted(field) {
    const row = field.closest(".inline-related")
    if (!row) return false
    if (row.classList.contains("empty-form")) return true
    const deleted = row.querySelector('input[type="checkbox"][name$="-DELETE"]')
    return Boolean(deleted && deleted.checked)
  }

  function bodyFields(form) {
    return [...form.querySelectorAll("textarea[name], input[name]")].filter(
      (field) => BODY_FIELDS.test(field.name) && !field.name.includes("__prefix__") && !isDeleted(field),
    )
  }

  function bodyWordCount(form) {
    return bodyFields(form).reduce((total, field) => {
      const value = field.name.endsWith("-text") ? plainText(field.value) : field.value
      return total + countWords(value)
    }, 0)
  }

  function readingMinutes(words) {
    return words === 0 ? 0 : Math.ceil(words / config.wordsPerMinute)
  }

  function characters(value) {
    return [...value].length
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match))
  }

  // --- the body's word count and reading time ----------------------------------

  // The line goes just above the body editor (django-content-editor's
  // order machine, with its region tabs), which that editor builds once the
  // page is ready, and which a form layout may move later: the line follows
  // it. Until it exists, the line sits above the form's first inline group.
  function anchorOf(form) {
    const machine = form.querySelector(".order-machine-wrapper")
    if (!machine) return form.querySelector(".inline-group")
    const tabs = machine.previousElementSibling
    return tabs && tabs.matches(".tabs") ? tabs : machine
  }

  function placeLine(form, line) {
    const place = () => {
      const anchor = anchorOf(form)
      if (anchor && line.nextElementSibling !== anchor) anchor.before(line)
    }
    place()
    new MutationObserver(place).observe(form, { childList: true, subtree: true })
  }

  function wordCountLine(form) {
    const line = document.createElement("p")
    line.className = "writing-aids-wordcount"
    line.setAttribute("aria-live", "polite")
    placeLine(form, line)
    return line
  }

  function showWordCount(line, form) {
    const words = bodyWordCount(form)
    const minutes = readingMinutes(words)
    const wording = [
      `${labels.words}: ${numbers.format(words)}`,
      `${labels.readingTime}: ${words ? format(labels.minutes, { minutes: numbers.format(minutes) }) : "–"}`,
    ].join(" · ")
    if (line.textContent !== wording) line.textContent = wording
    line.dataset.words = String(words)
    line.dataset.minutes = String(minutes)
  }

  // --- length counters ---------------------------------------------------------

  function addCounter(field, limit) {
    const counter = document.createElement("span")
    counter.className = "writing-aids-counter"
    counter.id = `${field.id}-length`
    const visible = document.createElement("span")
    visible.className = "writing-aids-counter__count"
    visible.setAttribute("aria-hidden", "true")
    const spoken = document.createElement("span")
    spoken.className = "writing-aids-sr"
    const warning = document.createElement("span")
    warning.className = "writing-aids-counter__warning"
    counter.append(visible, spoken, warning)
    const describedBy = field.getAttribute("aria-describedby")
    field.setAttribute("aria-describedby", describedBy ? `${describedBy} ${counter.id}` : counter.id)
    field.after(counter)

    function update() {
      const count = characters(field.value)
      const over = count > limit
      visible.textContent = `${numbers.format(count)} / ${numbers.format(limit)}`
      spoken.textContent = format(labels.characters, { count: numbers.format(count), limit: numbers.format(limit) })
      warning.textContent = over ? ` ${labels.tooLong}` : ""
      counter.classList.toggle("writing-aids-counter--over", over)
      counter.dataset.count = String(count)
    }
    field.addEventListener("input", update)
    update()
  }

  function init() {
    const form = document.getElementById(labels.form)
    if (!form) return
    for (const [name, limit] of Object.entries(config.limits)) {
      const field = form.querySelector(`[name="${name}"]`)
      if (field && (field.tagName === "TEXTAREA" || field.type === "text")) addCounter(field, limit)
    }
    const line = wordCountLine(form)
    let timer = null
    const update = () => {
      // Screen readers hear the count once typing pauses, not at every key.
      clearTimeout(timer)
      timer = setTimeout(() => showWordCount(line, form), 400)
    }
    form.addEventListener("input", update)
    form.addEventListener("change", update)
    document.addEventListener("formset:added", update)
    document.addEventListener("formset:removed", update)
    showWordCount(line, form)
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init)
  else init()
})()
