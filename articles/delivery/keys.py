"""The keys of what a reader page shows, and the page being rendered's collection of them.

A key names one thing readers see (``article-42``, ``author-7``,
``section-3``, ``tag-12``, ``widget-timeline-3``, ``image-5``) or one list of stories
whose membership or order can change (``list-home``, ``list-section-3``,
``list-tag-12``, ``list-author-7``, ``stories-2017-07``: a month's stories, as
its story sitemap part lists them). A few keys name a whole collection,
for pages that show all of it (``stories``: every story readers can see,
for sitemaps and search; ``sections``, ``tags``, ``authors``) and ``site``
is on every page, so that one change of it (``manage.py purge_edge --all``,
:func:`articles.delivery.changes.announce` with no keys) renews them all.
Keys use primary keys, not slugs: a renamed section keeps its key.

While a reader view runs inside ``reader_page`` (``articles.delivery.http``)
a :class:`PageKeys` collects what it shows: views, feeds and the body
renderer call :func:`shows`, :func:`shows_stories` and :func:`changes_at`
without having to be handed the request.
"""

import contextvars
import dataclasses
import datetime

SITE = "site"
STORIES = "stories"
SECTIONS = "sections"
TAGS = "tags"
AUTHORS = "authors"
LIST_HOME = "list-home"


def _named(prefix, doc):
    def key(pk):
        return f"{prefix}-{pk}"

    key.__name__ = key.__qualname__ = prefix.replace("-", "_")
    key.__doc__ = doc
    return key


article = _named("article", "A story: its own page, and its card in lists and related stories.")
author = _named("author", "An author (person, desk or agency): their page and every byline naming them.")
section = _named("section", "A section: its page and the stories that name it.")
tag = _named("tag", "A tag (taggit's Tag): its page and the stories that show it.")
image = _named("image", "A library picture: every page that shows it (its words, its focal point's crops).")
list_section = _named("list-section", "Which stories a section lists, in which order.")
list_tag = _named("list-tag", "Which stories carry a tag (its page, and related stories drawn from it).")
list_author = _named("list-author", "Which stories an author has a byline on.")


def stories_month(when):
    """``stories-2017-07``: the stories published in that month (site time zone), as its sitemap part lists them."""
    from django.utils import timezone

    return f"stories-{timezone.localtime(when):%Y-%m}"


def widget(obj):
    """``widget-timeline-3``: the widget kind's model name and the widget's pk."""
    return widget_of(type(obj), obj.pk)


def widget_of(model, pk):
    return f"widget-{model._meta.model_name}-{pk}"


@dataclasses.dataclass
class PageKeys:
    """What one response shows: its keys, the newest moment in it, and when it changes by itself."""

    keys: set = dataclasses.field(default_factory=lambda: {SITE})
    # The newest publication or edit time of what the page shows (Last-Modified).
    latest: datetime.datetime | None = None
    # When the page will change without a save: the next scheduled story it would show.
    expires_at: datetime.datetime | None = None
    # A story page: the story whose stored render the page shows, and that
    # render's generation; a page cache hit checks these instead of every key.
    story_pk: int | None = None
    generation: tuple | None = None

    def add(self, *keys):
        self.keys.update(keys)

    def moment(self, when):
        if when is not None and (self.latest is None or when > self.latest):
            self.latest = when

    def expires(self, when):
        if when is not None and (self.expires_at is None or when < self.expires_at):
            self.expires_at = when


_current = contextvars.ContextVar("articles_page_keys", default=None)


def collecting():
    """Start a collection for the response being made; returns (collection, token for :func:`done`)."""
    page = PageKeys()
    return page, _current.set(page)


def done(token):
    _current.reset(token)


def current():
    return _current.get()


def shows(*keys):
    """The page being rendered shows these keys (no-op outside a reader page)."""
    page = _current.get()
    if page is not None:
        page.add(*keys)


def changes_at(when):
    """The page being rendered changes by itself at ``when`` (a scheduled story comes due)."""
    page = _current.get()
    if page is not None:
        page.expires(when)


def next_due(scheduled=None):
    """The page changes by itself when the first of ``scheduled`` comes due (one indexed query).

    ``scheduled`` is the list's own stories not yet due (a section's, a
    tag's), so that a story scheduled elsewhere leaves the page alone; by
    default, any scheduled story.
    """
    from django.db.models import Min

    from articles.models import Article

    if scheduled is None:
        scheduled = Article.objects.scheduled()
    changes_at(scheduled.order_by().aggregate(due=Min("published_at"))["due"])


def shows_stories(stories):
    """A list shows these stories as cards: each story and its bylined authors.

    Reads only what ``with_page_relations()`` prefetched (bylines with their
    authors), so it costs no query.
    """
    page = _current.get()
    if page is None:
        return
    for story in stories:
        page.add(article(story.pk))
        page.moment(story.updated_at)
        page.moment(story.published_at)
        for byline in story.bylines.all():
            page.add(author(byline.author_id))
