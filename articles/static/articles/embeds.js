// Turns an embed placeholder (articles/blocks/embed.html) into the provider's
// player when the reader asks for it, and not before: until the click the
// provider receives nothing from the reader's browser.
//
// The player runs in a sandbox that never has allow-same-origin next to
// allow-scripts; this file drops the pair even if the markup asked for it.

const HIDDEN_UNTIL_SCRIPT = "[data-embed-load][hidden]"

function sandboxTokens(value) {
  const tokens = (value || "").split(/\s+/).filter(Boolean)
  return tokens.includes("allow-scripts") ? tokens.filter((token) => token !== "allow-same-origin") : tokens
}

function load(frame) {
  const src = frame.dataset.embedSrc
  if (!src || new URL(src, document.baseURI).protocol !== "https:") return
  const iframe = document.createElement("iframe")
  iframe.setAttribute("sandbox", sandboxTokens(frame.dataset.embedSandbox).join(" "))
  iframe.setAttribute("allow", frame.dataset.embedAllow || "")
  iframe.setAttribute("loading", "lazy")
  iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin")
  iframe.title = frame.dataset.embedTitle || ""
  iframe.className = "embed__iframe"
  // CSSOM, not a style attribute: the Content-Security-Policy refuses inline styles.
  if (frame.dataset.embedHeight) iframe.style.height = `${Number.parseInt(frame.dataset.embedHeight, 10)}px`
  else if (frame.dataset.embedRatio) iframe.style.aspectRatio = frame.dataset.embedRatio
  iframe.src = src
  frame.replaceChildren(iframe)
  frame.classList.add("embed__frame--loaded")
  // Keyboard and screen-reader users stay where they were: on the player.
  iframe.focus()
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-embed-load]")
  const frame = button?.closest("[data-embed-src]")
  if (frame) load(frame)
})

for (const button of document.querySelectorAll(HIDDEN_UNTIL_SCRIPT)) button.hidden = false
