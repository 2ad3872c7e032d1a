"""RSS 2.0 and Atom feeds: the latest stories, and per section, tag and author.

Django's feed generators write one author per item; a story can carry several
bylines in several roles (``articles.syndication.credits``). Only the "by"
bylines are authors; the other roles are contributors:

- RSS: one ``dc:creator`` with the credit line as the byline prints it
  ("Jane Hack and Reuters"), one ``dc:contributor`` per contributor. RSS has
  no structured person, and readers show one creator: feedparser the last of
  several, SimplePie the first; one credit line reads right in both.
- Atom: one ``<author>`` (name and author page) per author, in byline order,
  and one ``<contributor>`` per contributor.

Item ids are tag URIs on the site's domain (``item_id_domain``), never the
host a request happened to name, so a feed fetched under another address
does not show subscribers every story again.

Each item carries the story's full text as well (RSS ``content:encoded``,
Atom ``<content type="html">``): the body as readers see it, made to stand
alone (``articles.syndication.body``).
"""

import re
from urllib.parse import urljoin, urlsplit

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from articles.conf import settings
from articles.delivery import keys as delivery_keys
from articles.listings import author_stories, tag_stories
from articles.models import Article, Author, Section, tags_in_print
from articles.syndication import body as syndication_body
from articles.syndication import credits, summaries

DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"
CONTENT_MODULE = "http://purl.org/rss/1.0/modules/content/"

TITLES = {
    None: _("%(publication)s: latest stories"),
    "section": _("%(publication)s: %(name)s"),
    "tag": _("%(publication)s: stories tagged “%(name)s”"),
    "author": _("%(publication)s: stories by %(name)s"),
}


# The HTML tokenizer opens markup at "<" before a letter, "/", "!" or "?".
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_MARKUP_START = re.compile(r"<+(?=[A-Za-z/!?])")
_TAG_PASSES = 10


def plain_text(value):
    """``value`` as one line of plain text with no markup left in it.

    For a channel's description (RSS) and subtitle (Atom), which readers show
    as text or render as HTML, each as it likes. A section description or an
    author bio is typed as plain text but may hold anything (the ORM and
    fixtures take any string). Tags are removed innermost first, so
    ``<scr<b>ipt>`` cannot close up into ``<script>``; then any "<" that could
    still open markup (``<img src=x onerror=…`` with no closing ">") is
    dropped, which alone makes the result safe, so the passes can be bounded.
    Rendered as HTML, what remains shows no markup and runs nothing; text
    such as "Q&A" or "3 < 4" is kept as typed. (Django's ``strip_tags``
    rewrites "&A" as "&A;" and raises on deep nesting; nh3 would decode
    "&lt;" into markup.)
    """
    text = str(value)
    for _pass in range(_TAG_PASSES):
        # A space, not nothing: "<p>One</p><p>Two</p>" reads "One Two".
        stripped = _TAG.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    text = _MARKUP_START.sub("", text)
    return " ".join(text.split())


def feed_kind(obj):
    """``"section"``, ``"tag"`` or ``"author"`` for an object that has feeds, else None."""
    for kind, model in (("section", Section), ("tag", Tag), ("author", Author)):
        if isinstance(obj, model):
            return kind
    return None


def feed_title(obj=None):
    """The feed's title, shared by the feeds and their autodiscovery links."""
    kind = feed_kind(obj)
    return TITLES[kind] % {"publication": settings.PUBLICATION_NAME, "name": obj.name if kind else ""}


def feed_urls(obj=None):
    """``{"rss": path, "atom": path}`` for the latest stories or for ``obj``'s stories."""
    kind = feed_kind(obj)
    if kind is None:
        return {"rss": reverse("articles:feed_rss"), "atom": reverse("articles:feed_atom")}
    return {
        flavour: reverse(f"articles:{kind}_feed_{flavour}", kwargs={"slug": obj.slug}) for flavour in ("rss", "atom")
    }


def item_id_domain(feed_link):
    """The domain feed item ids are minted on: the site's, not the request's.

    ``ARTICLES_SITE_URL`` when set; else the domain of the feed's own link,
    which Django's syndication builds from ``django.contrib.sites``' current
    site when that app is installed, and from the request's host otherwise.
    """
    return urlsplit(settings.SITE_URL or feed_link).hostname


class BylineCreditsMixin:
    """Shared by both generators: absolute author pages and a stable item id.

    Feed items arrive with relative author paths (``author_credits``,
    ``contributor_credits``) and the story's key; only the generator knows
    the absolute address of the feed, so it finishes both here.
    """

    def add_item(self, *args, author_credits=(), contributor_credits=(), story_key=None, **kwargs):
        if story_key is not None:
            # A tag URI outlives slug and date changes, so a re-headlined
            # story is not shown to subscribers twice.
            pk, created = story_key
            kwargs["unique_id"] = f"tag:{item_id_domain(self.feed['link'])},{created:%Y-%m-%d}:article:{pk}"
            kwargs["unique_id_is_permalink"] = False
        super().add_item(
            *args,
            author_credits=self._absolute(author_credits),
            contributor_credits=self._absolute(contributor_credits),
            **kwargs,
        )

    def _absolute(self, people):
        return [(str(name), urljoin(self.feed["link"], path)) for name, path in people]


class FullTextMixin:
    """Shared by both generators: the story's body, its addresses absolute.

    Against ``ARTICLES_SITE_URL``, else the feed's own absolute address
    (the host the request came to): only the generator knows the latter.
    """

    def add_item(self, *args, body_html=None, **kwargs):
        if body_html is not None:
            kwargs["full_text"] = syndication_body.portable(body_html, settings.SITE_URL or self.feed["link"])
        super().add_item(*args, **kwargs)


class BylinesRssFeed(FullTextMixin, BylineCreditsMixin, Rss201rev2Feed):
    """RSS 2.0 with the authors' credit line as ``dc:creator`` and each contributor as ``dc:contributor``."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": DUBLIN_CORE, "xmlns:content": CONTENT_MODULE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("full_text"):
            handler.addQuickElement("content:encoded", item["full_text"])
        if item["author_credits"]:
            handler.addQuickElement("dc:creator", credits.credit_line(name for name, _url in item["author_credits"]))
        for name, _url in item["contributor_credits"]:
            handler.addQuickElement("dc:contributor", name)


class BylinesAtomFeed(FullTextMixin, BylineCreditsMixin, Atom1Feed):
    """Atom with one ``<author>`` per author and one ``<contributor>`` per contributor (name and page)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("full_text"):
            handler.addQuickElement("content", item["full_text"], {"type": "html"})
        for element, people in (("author", item["author_credits"]), ("contributor", item["contributor_credits"])):
            for name, url in people:
                handler.startElement(element, {})
                handler.addQuickElement("name", name)
                handler.addQuickElement("uri", url)
                handler.endElement(element)


class LatestStoriesFeed(Feed):
    """The latest published stories, newest first."""

    feed_type = BylinesRssFeed

    def title(self, obj):
        return feed_title(obj)

    def link(self, obj):
        return reverse("articles:home")

    def about(self, obj):
        """What the feed's object says about itself: a section's description."""
        return getattr(obj, "description", "")

    def description(self, obj):
        return plain_text(self.about(obj)) or plain_text(feed_title(obj))

    def author_name(self, obj):
        # Atom needs an author for every entry; a story without bylines
        # falls back to the feed's, the publication.
        return settings.PUBLICATION_NAME

    def stories(self, obj):
        return Article.objects.published()

    def list_keys(self, obj):
        """The feed's object and its list (``articles.delivery.keys``)."""
        return [delivery_keys.LIST_HOME]

    def newest(self, obj):
        """The feed's stories, newest first, with what an item shows."""
        return self.stories(obj).with_page_relations().order_by("-published_at", "-pk")

    def items(self, obj):
        items = list(self.newest(obj)[: settings.FEED_SIZE])
        delivery_keys.shows(*self.list_keys(obj))
        delivery_keys.shows_stories(items)
        delivery_keys.shows(*(delivery_keys.tag(tag.pk) for item in items for tag in item.tags.all()))
        delivery_keys.next_due()
        # The full text of all of them at once: a constant number of queries
        # (articles.syndication.body). A story without a standfirst is summed
        # up by its first paragraph, read from the same blocks.
        rendered = syndication_body.bodies(items, lead=True)
        for item in items:
            item.feed_body = rendered[item.pk].html
            if not item.standfirst.strip():
                item.feed_paragraph = summaries.first_paragraph_of(rendered[item.pk].blocks)
        return items

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # Both formats read the description as HTML; the summary is plain
        # text, so "Q&A" or "<" must reach the reader as written.
        return escape(summaries.summary(item, getattr(item, "feed_paragraph", "")))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        # The prefetched tags; taggit's names() would query once per story.
        return [tag.name for tag in item.tags.all()]

    def item_extra_kwargs(self, item):
        return {
            "author_credits": [(author.name, author.get_absolute_url()) for author in credits.authors(item)],
            "contributor_credits": [(author.name, author.get_absolute_url()) for author in credits.contributors(item)],
            "story_key": (item.pk, item.created_at),
            "body_html": item.feed_body,
        }


class SectionFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def link(self, obj):
        return obj.get_absolute_url()

    def stories(self, obj):
        return super().stories(obj).in_section(obj)

    def list_keys(self, obj):
        return [delivery_keys.section(obj.pk), delivery_keys.list_section(obj.pk)]


class TagFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        # Like the tag's page: no feed for a tag no published story carries.
        return get_object_or_404(tags_in_print(), slug=slug)

    def link(self, obj):
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def stories(self, obj):
        return super().stories(obj).tagged(obj)

    def newest(self, obj):
        return tag_stories(obj, super().stories(obj).with_page_relations())

    def list_keys(self, obj):
        return [delivery_keys.tag(obj.pk), delivery_keys.list_tag(obj.pk)]


class AuthorFeed(LatestStoriesFeed):
    """Every story with the author in any byline, whatever the role."""

    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def link(self, obj):
        return obj.get_absolute_url()

    def about(self, obj):
        return obj.bio

    def stories(self, obj):
        return super().stories(obj).by_author(obj)

    def newest(self, obj):
        return author_stories(obj, super().stories(obj).with_page_relations())

    def list_keys(self, obj):
        return [delivery_keys.author(obj.pk), delivery_keys.list_author(obj.pk)]


class AtomMixin:
    feed_type = BylinesAtomFeed

    def subtitle(self, obj):
        return self.description(obj)


class LatestStoriesAtomFeed(AtomMixin, LatestStoriesFeed):
    pass


class SectionAtomFeed(AtomMixin, SectionFeed):
    pass


class TagAtomFeed(AtomMixin, TagFeed):
    pass


class AuthorAtomFeed(AtomMixin, AuthorFeed):
    pass
