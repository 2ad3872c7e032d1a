"""A story's body as it travels: feeds' full text, ninjs ``bodies``.

The blocks are rendered by the reader page's own renderer and templates
(``articles.renderer``: widgets, pull quotes, pictures), except embeds,
which away from the site are a link to the original, never a placeholder
that needs our script. :func:`portable` then reduces the markup to what
reads the same anywhere: no classes, ids, scripts, event handlers, frames
or ``srcset``; ``<picture>`` becomes its plain ``<img>``; every link and
picture address absolute. It runs nh3 with its own allow-list, so what
leaves is sanitised whatever the templates say.

Stories are rendered in batches (:func:`bodies`): one query per block type
and per widget relation for a whole feed, as for one story page.
"""

import dataclasses
import re
from urllib.parse import urljoin

import nh3
from django.template.loader import render_to_string
from feincms3.renderer import template_renderer

from articles.models import Embed
from articles.renderer import body_contents
from articles.renderer import renderer as reader_renderer

# The reader's registry with one change: an embed is a link (articles/syndication/embed.html).
renderer = reader_renderer.copy()
renderer.unregister(Embed)
renderer.register(
    Embed, template_renderer("articles/syndication/embed.html", lambda plugin, context: {"plugin": plugin})
)

TAGS = {
    "a",
    "aside",
    "b",
    "blockquote",
    "br",
    "dd",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "section",
    "small",
    "strong",
    "time",
    "ul",
}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "time": {"datetime"}, "ol": {"start"}}
# Dropped with what they hold: a button's label ("Load YouTube content") means nothing without our script.
DROPPED_WITH_CONTENT = {"script", "style", "button", "template", "noscript", "iframe", "object"}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_URL_ATTRIBUTES = {"href", "src"}
# Where the reader's templates set words apart by CSS alone, which the copy
# does not have: a credit would run on into its caption ("Hamburg Reuters").
_SET_APART_BY_CSS = [
    (re.compile(r'<span class="credit">([^<]*)</span>'), r"<small>(\1)</small>"),
    (re.compile(r'<span class="gallery__number">([^<]*)</span>'), r"\1."),
]


def absolute(url, base_url):
    """``url`` made absolute against ``base_url`` (a path like ``/media/x.jpg`` takes the base's origin)."""
    return urljoin(base_url, url.strip())


def portable(html, base_url):
    """``html`` reduced to self-contained, sanitised markup with absolute addresses."""

    def keep(tag, attribute, value):
        if attribute in _URL_ATTRIBUTES:
            return absolute(value, base_url)
        return value

    for pattern, words in _SET_APART_BY_CSS:
        html = pattern.sub(words, html)
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    # The templates' indentation, left where their wrappers went.
    return "\n".join(line.strip() for line in cleaned.splitlines() if line.strip())


@dataclasses.dataclass
class Body:
    """A story's rendered body (site-relative, before :func:`portable`) and the blocks it was made of."""

    html: str
    blocks: list


def bodies(articles, *, lead=False):
    """``{article pk: Body}`` for ``articles`` (with ``lead``: the lead picture above the blocks).

    ``articles`` come with ``select_related("lead_image")`` when ``lead``
    (``with_page_relations()`` does). A reader view calling this reports the
    widgets and pictures it shows, as the story page does.
    """
    articles = list(articles)
    rendered = {}
    for article, contents in body_contents(articles, renderer.plugins()).items():
        context = {"article": article, "body": renderer.regions_from_contents(contents), "lead": lead}
        html = render_to_string("articles/syndication/body.html", context)
        rendered[article.pk] = Body(html=html, blocks=list(contents))
    return rendered


def story_body(article, base_url, *, lead=False):
    """One story's portable body HTML (see :func:`bodies` and :func:`portable`)."""
    return portable(bodies([article], lead=lead)[article.pk].html, base_url)


def site_url(request=None):
    """The base of absolute addresses: ``ARTICLES_SITE_URL``, else the address the request came to."""
    from articles.conf import settings

    if settings.SITE_URL:
        return settings.SITE_URL
    if request is None:
        raise ValueError("ARTICLES_SITE_URL is empty: a request is needed for absolute addresses")
    return f"{request.scheme}://{request.get_host()}/"
