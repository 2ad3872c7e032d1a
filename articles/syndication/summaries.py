"""A story's summary for feeds: its standfirst, or else the first paragraph of its body.

Feed readers list a story by headline and summary; an empty summary (a
story filed without a standfirst, like the seed story) leaves a bare
headline. The first paragraph of the body is what a reader would read first,
so it stands in, as plain text.
"""

import re
from html.parser import HTMLParser

from articles.models.blocks import RichText

# HTML's whitespace: runs of it read as one space. Not str.split(), which
# would also take the no-break spaces an editor typed ("US\xa0Secretary").
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")

# Elements that end a line of text: their words must not run together.
_BREAKS = {"p", "br", "li", "ul", "ol", "h2", "h3", "h4", "blockquote", "div"}


def _squash(text):
    return _WHITESPACE.sub(" ", text).strip(" ")


class _FirstParagraph(HTMLParser):
    """The text of the first ``<p>`` with any text in it, and all the text as a fallback."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraph = None
        self.current = None
        self.everything = []

    def handle_starttag(self, tag, attrs):
        if tag == "p" and self.current is not None:
            self.handle_endtag("p")  # a paragraph left open ends where the next begins
        if tag in _BREAKS:
            self.handle_data(" ")
        if tag == "p" and self.paragraph is None:
            self.current = []

    def handle_endtag(self, tag):
        if tag in _BREAKS:
            self.handle_data(" ")
        if tag == "p" and self.current is not None:
            text = _squash("".join(self.current))
            self.current = None
            if text and self.paragraph is None:
                self.paragraph = text

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)
        self.everything.append(data)


def first_paragraph(html):
    """The first paragraph of a rich-text block as one line of plain text ("" if it has no text).

    A block that starts with a list or a heading and has no paragraph gives
    all its text instead.
    """
    parser = _FirstParagraph()
    parser.feed(html)
    parser.close()
    if parser.current is not None:  # a last <p> never closed
        parser.handle_endtag("p")
    return parser.paragraph or _squash("".join(parser.everything))


def first_paragraph_of(blocks):
    """The first paragraph of the first text block among a story's body ``blocks`` ("" if none has text)."""
    texts = sorted((block for block in blocks if isinstance(block, RichText)), key=lambda b: (b.ordering, b.pk))
    for block in texts:
        if text := first_paragraph(block.text):
            return text
    return ""


def summary(story, paragraph=""):
    """What a feed gives as the story's summary, as plain text: never empty.

    The standfirst; else ``paragraph`` (from ``first_paragraph_of``); else,
    for a story with no text at all, its headline.
    """
    return story.standfirst.strip() or paragraph or story.headline
