"""Reading reader pages the way a test needs to: structure and exact text."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


class _BodyParser(HTMLParser):
    """Collects the top-level blocks of ``<div class="story__body">``.

    Paragraphs come out as ``("p", text)`` with entities decoded (so a
    no-break space is ``\\xa0``); widgets as ``("widget", heading text)``.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.depth = 0  # depth inside the body div; 0 = outside
        self.current = None
        self.in_heading = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth < 0:
            return
        if self.depth == 0:
            if tag == "div" and "story__body" in classes:
                self.depth = 1
            return
        if tag in {"br", "img", "hr"}:
            return
        self.depth += 1
        if self.depth == 2:
            if tag == "p":
                self.current = ["p", ""]
            elif tag in {"aside", "figure"}:
                self.current = ["widget" if tag == "aside" else tag, ""]
        elif tag == "h2" and self.current and self.current[0] == "widget":
            self.in_heading = True

    def handle_endtag(self, tag):
        if self.depth <= 0 or tag in {"br", "img", "hr"}:
            return
        if tag == "h2":
            self.in_heading = False
        self.depth -= 1
        if self.depth == 1 and self.current:
            self.blocks.append(tuple(self.current))
            self.current = None
        if self.depth == 0:
            self.depth = -1  # done: ignore the rest of the page

    def handle_data(self, data):
        if self.depth < 2 or not self.current:
            return
        if self.current[0] == "p" or self.in_heading:
            self.current[1] += data


def body_blocks(html):
    parser = _BodyParser()
    parser.feed(html)
    return parser.blocks


def source_paragraphs(path):
    """The 15 body paragraphs and two widget markers of the source text."""
    text = path.read_text(encoding="utf-8")
    chunks = text.split("\n\n")[2:]  # after the headline and byline/caption
    return [("widget", c) if c in {"Syria war timeline", "Profile | Bashar al-Assad"} else ("p", c) for c in chunks]


# What a browser may run or load when it meets it in a reader's page.
RUNNABLE_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "svg",
    "math",
    "style",
    "template",
}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "cite", "data", "background", "ping"}
# Open Graph and Twitter properties whose content is an address.
URL_META = {"og:url", "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "article:author"}
# Keys of the schema.org JSON-LD whose values are addresses.
URL_KEYS = {"url", "@id", "image", "logo", "sameAs"}
RUNNABLE_SCHEME = re.compile(r"(javascript|vbscript|data):", re.IGNORECASE)
# Browsers drop ASCII tabs and newlines anywhere in an address and ignore
# leading spaces and control characters, so "\tjava\nscript:" is javascript.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")
MARKUP_START = re.compile(r"<[A-Za-z/!?]")


def runnable_url(value):
    """True if following ``value`` could run script (javascript:, vbscript:, data:)."""
    return bool(RUNNABLE_SCHEME.match(_IGNORED_IN_URL.sub("", value or "")))


def is_embed_script(tag, attrs):
    """The app's embed loader (articles/embeds.js): the one script file a reader page may load, and only it."""
    from django.templatetags.static import static

    return tag == "script" and attrs == {"type": "module", "src": static("articles/embeds.js")}


class _RunnableFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.structured_data = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs_dict = dict(attrs)
        if tag == "script" and attrs_dict.get("type") == "application/ld+json" and len(attrs) == 1:
            self._in_jsonld = True
            self.structured_data.append("")
        elif tag in RUNNABLE_ELEMENTS and not is_embed_script(tag, attrs_dict):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            elif name in URL_ATTRIBUTES and runnable_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "meta":
            if (attrs_dict.get("http-equiv") or "").lower() == "refresh":
                self.problems.append("<meta http-equiv=refresh>")
            key = attrs_dict.get("property") or attrs_dict.get("name")
            if key in URL_META and runnable_url(attrs_dict.get("content")):
                self.problems.append(f"<meta {key}={attrs_dict.get('content')!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.structured_data[-1] += data

    def handle_comment(self, data):
        self.problems.append(f"comment <!--{data}-->")


def _jsonld_problems(text):
    # Inside <script> the HTML parser looks only for "</script"; an editor's
    # text must sit in the JSON as escaped string data.
    if "<" in text:
        return [f"raw '<' in JSON-LD: {text!r}"]
    return [
        f"JSON-LD {key}={value!r}"
        for key, value in json_strings(json.loads(text))
        if key in URL_KEYS and runnable_url(value)
    ]


def json_strings(node, key=None):
    """Every string in a JSON document with the key it stands under (a list's items under the list's key)."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from json_strings(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from json_strings(child, key)
    elif isinstance(node, str):
        yield key, node


def runnable_markup(html):
    """What in ``html`` a browser would run: script, event handlers, script URLs.

    The one schema.org JSON-LD block a story page carries is data, not
    script: it is allowed, but must parse as JSON with no raw "<" and no
    script URL in its addresses. An empty list means the page is clean.
    """
    finder = _RunnableFinder()
    finder.feed(html)
    finder.close()
    problems = list(finder.problems)
    for text in finder.structured_data:
        problems += _jsonld_problems(text)
    return problems


ATOM = "{http://www.w3.org/2005/Atom}"
# RSS's full text, content:encoded.
CONTENT_MODULE = "{http://purl.org/rss/1.0/modules/content/}"


def feed_problems(xml):
    """What in an RSS or Atom feed a feed reader could run.

    Readers render descriptions, summaries and content as HTML; the
    channel's description (RSS) and subtitle (Atom) must be plain text with
    nothing that opens markup; links must not be script URLs.
    """
    root = ET.fromstring(xml)
    problems = []
    for element in [*root.findall("channel/description"), *root.findall(f"{ATOM}subtitle")]:
        if MARKUP_START.search(element.text or ""):
            problems.append(f"channel text holds markup: {element.text!r}")
    for element in root.iter():
        tag = element.tag.removeprefix(ATOM).removeprefix(CONTENT_MODULE)
        text = element.text or ""
        if tag in {"description", "summary", "content", "encoded", "subtitle"}:
            problems += [f"<{tag}>: {problem}" for problem in runnable_markup(text)]
        if tag in {"link", "uri", "id", "guid", "comments"} and runnable_url(text):
            problems.append(f"<{tag}>{text}")
        if runnable_url(element.get("href")):
            problems.append(f"<{tag} href={element.get('href')!r}>")
    return problems


def ninjs_problems(text):
    """What in a ninjs document a consumer could run: markup in its HTML bodies, script URLs anywhere.

    Headlines and descriptions are ``text/plain``: a consumer shows them as
    text, so what they hold is the story's words, whatever they look like.
    """
    document = json.loads(text)
    problems = [
        f"{key}={value!r}" for key, value in json_strings(document) if key in {"uri", "href"} and runnable_url(value)
    ]
    for body in document.get("bodies", []):
        problems += [f"bodies: {problem}" for problem in runnable_markup(body["value"])]
    return problems


def sitemap_problems(xml, host="http://testserver/"):
    """Sitemap entries that are not addresses on this site."""
    root = ET.fromstring(xml)
    return [
        loc.text
        for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
        if not (loc.text or "").startswith(host)
    ]
