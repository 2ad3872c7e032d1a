"""Reading reader pages the way a test needs to: structure and exact text."""

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
