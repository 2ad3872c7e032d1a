"""A story page's parts rendered when something they show is saved, and read back per request.

What changes only at save time — the story with its body (blocks and
widgets), byline and corrections; its ``<head>`` metadata (description,
canonical link, Open Graph, Twitter card, JSON-LD); its related stories —
is rendered by :func:`store` after the change commits
(``articles.delivery.changes``) and kept in ``StoryRender``. A reader's
request runs one query (:func:`lookup`: is the story visible at this
address, and its stored parts) and wraps the parts in the site's layout
(``articles/article_detail.html``). Previews keep rendering live, from the
same templates, so editors see their unsaved changes.

Parts are rendered without a request, so the two things that depend on one
are left as placeholders and put in per request by :meth:`Stored.parts`:
the origin of absolute URLs (canonical link, ``og:url``, JSON-LD; each host
keeps its own) and the script prefix of every address (a site mounted
under ``/news/``). Parts made with other templates or settings than this
process has (``articles.delivery.fingerprint``: a deploy) are rendered again
on their next read. They are rendered in ``LANGUAGE_CODE`` and the default
time zone; a request in another language or time zone gets a live render.

A render is stale when something it shows changed (``refresh`` marks it,
through the keys in ``RenderDependency``) or when a scheduled story that
would join its related stories comes due (``expires_at``). A stale render is
rendered again by the first request that reads it, which stores it unless
something changed meanwhile: the write is conditional on the ``generation``
the request read, and every change moves the generation on.
"""

import contextlib
import contextvars
import dataclasses
import datetime
import logging

from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.db import DatabaseError, router, transaction
from django.db.models import F, Min
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from articles.conf import settings
from articles.delivery import keys
from articles.delivery.fingerprint import fingerprint
from articles.delivery.sql import Prepared, as_bool, as_datetime, as_json
from articles.models import Article, RenderDependency, StoryRender, TaggedArticle

logger = logging.getLogger(__name__)

ORIGIN_HOST = "articles-origin.invalid"
ORIGIN = f"http://{ORIGIN_HOST}"
PREFIX = "/_articles-script-prefix_/"


class _RequestWithoutOrigin(HttpRequest):
    """What the templates get as ``request`` at save time: absolute URLs start with :data:`ORIGIN`."""

    def get_host(self):
        return ORIGIN_HOST


def _layout():
    return (django_settings.LANGUAGE_CODE, django_settings.TIME_ZONE)


def _in_layout():
    """Is this request in the language and time zone stored renders are made in?"""
    return (translation.get_language(), timezone.get_current_timezone_name()) == _layout()


def _story_keys(article, related):
    found = {keys.article(article.pk), keys.section(article.section_id)}
    found.update(keys.author(byline.author_id) for byline in article.bylines.all())
    for tag in article.tags.all():
        # Its name on the page, and the list related stories are drawn from.
        found.update((keys.tag(tag.pk), keys.list_tag(tag.pk)))
    found.update(keys.article(story.pk) for story in related)
    return found


def _next_related_due(article):
    """When a scheduled story sharing a tag with ``article`` comes due (it may join its related stories)."""
    its_tags = TaggedArticle.objects.filter(content_object=article.pk).values("tag")
    sharing = TaggedArticle.objects.filter(tag__in=its_tags).values("content_object")
    return Article.objects.scheduled().filter(pk__in=sharing).aggregate(due=Min("published_at"))["due"]


def render_parts(article, language=None, time_zone=None):
    """Title, head and content of ``article``'s page, with placeholders; and the keys they show.

    ``article`` comes from ``Article.objects.with_page_relations()`` with
    ``corrections`` prefetched. Returns a dict of ``StoryRender`` fields.
    Rendered in ``LANGUAGE_CODE`` and ``TIME_ZONE`` unless told otherwise.
    """
    language = language or django_settings.LANGUAGE_CODE
    time_zone = time_zone or django_settings.TIME_ZONE
    from articles.delivery.keys import collecting, done
    from articles.renderer import body_regions
    from articles.views import related_stories

    page, token = collecting()
    prefix = get_script_prefix()
    # Django's settings add the script prefix to MEDIA_URL/STATIC_URL on their
    # first read in a process and keep the result, and so do the storages'
    # base URLs: read them all now, or the first picture or static file drawn
    # here would leave the placeholder in every later URL of the process.
    django_settings.MEDIA_URL, django_settings.STATIC_URL  # noqa: B018 (read for their side effect)
    for storage in (default_storage, staticfiles_storage):
        getattr(storage, "base_url", None)  # a storage with no base URL (S3) builds each URL itself
    set_script_prefix(PREFIX)
    try:
        with translation.override(language), timezone.override(time_zone):
            request = _RequestWithoutOrigin()
            related = related_stories(article)
            context = {"article": article, "body": body_regions(article), "related_stories": related}
            content = render_to_string("articles/includes/story.html", context, request)
            head = render_to_string("articles/includes/story_head.html", {"article": article}, request)
    finally:
        set_script_prefix(prefix)
        done(token)
    return {
        "fingerprint": fingerprint() if (language, time_zone) == _layout() else "",
        "title": article.seo_title or article.headline,
        "head": head,
        "content": content,
        "keys": sorted(page.keys | _story_keys(article, related)),
        "expires_at": _next_related_due(article),
    }


def _page_story(pk, using=None):
    return (
        Article.objects.using(using)
        .with_page_relations()
        .prefetch_related("corrections")
        .filter(pk=pk, status=Article.Status.PUBLISHED)
        .first()
    )


def store(pk, generation=None, using=None):
    """Render story ``pk``'s parts and keep them, unless something changed since ``generation`` was read.

    Returns the parts (a dict, with the ``generation`` they belong to and
    whether they were ``kept``), or ``None`` when the story is not published
    (its render, if any, is dropped: only previews show drafts, and live).
    """
    using = using or router.db_for_write(StoryRender)
    renders = StoryRender.objects.using(using)
    if generation is None:
        row, _ = renders.get_or_create(article_id=pk)
        generation = row.generation
    article = _page_story(pk, using)
    if article is None:
        renders.filter(article_id=pk).delete()
        return None
    parts = render_parts(article)
    rendered_at = timezone.now()
    with transaction.atomic(using=using):
        written = renders.filter(article_id=pk, generation=generation).update(
            **parts, stale=False, rendered_at=rendered_at
        )
        if written:
            RenderDependency.objects.using(using).filter(render_id=pk).delete()
            RenderDependency.objects.using(using).bulk_create(
                [RenderDependency(render_id=pk, key=key) for key in parts["keys"]]
            )
    return {**parts, "generation": generation, "kept": bool(written), "rendered_at": rendered_at}


# How many stories refresh() renders at once, when not ARTICLES_RENDER_AT_SAVE (render_at_save()).
_render_limit = contextvars.ContextVar("articles_render_at_save", default=None)


@contextlib.contextmanager
def render_at_save(limit):
    """Render at most ``limit`` stories after each change made inside the block, instead of the setting.

    For bulk writers (imports, generators): rendering the newest stories of
    every batch of a thousand costs more than writing the batch, and an
    imported story without a render is rendered by its first reader anyway
    (:func:`for_request`).
    """
    token = _render_limit.set(limit)
    try:
        yield
    finally:
        _render_limit.reset(token)


def refresh(changed, using=None):
    """After a change: mark the renders that show ``changed`` keys stale, and render some again now.

    Stories named by ``article-…`` keys are rendered too when they have no
    render yet (just published). At most ``ARTICLES_RENDER_AT_SAVE`` are
    rendered in the saving request; the rest on their next read.
    """
    renders = StoryRender.objects.using(using)
    showing = RenderDependency.objects.using(using).filter(key__in=changed).values("render_id")
    affected = set(renders.filter(pk__in=showing).values_list("pk", flat=True))
    named = {int(key[len("article-") :]) for key in changed if key.startswith("article-")}
    if affected:
        renders.filter(pk__in=affected).update(stale=True, generation=F("generation") + 1)
    if named:
        published = Article.objects.using(using).filter(pk__in=named, status=Article.Status.PUBLISHED)
        affected |= set(published.values_list("pk", flat=True))
        gone = named - affected
        if gone:
            renders.filter(pk__in=gone).delete()
    # The named stories first (the one an editor just saved), newest first: of a
    # batch, the newest are the ones readers are about to ask for.
    limit = _render_limit.get()
    limit = settings.RENDER_AT_SAVE if limit is None else limit
    for pk in sorted(affected, key=lambda pk: (pk not in named, -pk))[:limit]:
        store(pk, using=using)


def _lookup_query(at, slug):
    return (
        Article.objects.published(at=at)
        .filter(slug=slug)
        .values_list(
            "pk",
            "published_at",
            "updated_at",
            "render__fingerprint",
            "render__title",
            "render__head",
            "render__content",
            "render__keys",
            "render__expires_at",
            "render__stale",
            "render__generation",
            "render__rendered_at",
        )[:1]
    )


_lookup = Prepared(_lookup_query, Article)


@dataclasses.dataclass
class Stored:
    """A visible story at one slug, and what is stored of its page."""

    pk: int
    published_at: datetime.datetime
    updated_at: datetime.datetime
    fingerprint: str | None
    title: str | None
    head: str | None
    content: str | None
    keys: list | None
    expires_at: datetime.datetime | None
    stale: bool | None
    generation: int | None
    rendered_at: datetime.datetime | None
    # The row's publication time as the database gave it, for the page cache's check.
    raw_published_at: object = None

    def usable(self):
        """Stored, fresh, and in the language and time zone of this request."""
        return (
            self.stale is False
            and (self.expires_at is None or timezone.now() < self.expires_at)
            and self.fingerprint == fingerprint()
            and _in_layout()
        )

    def parts(self, request):
        """The stored parts with this request's origin and script prefix in place of the placeholders."""
        origin = f"{request.scheme}://{request.get_host()}"
        prefix = get_script_prefix()

        def fill(html):
            return mark_safe(html.replace(ORIGIN, origin).replace(PREFIX, prefix))

        return {"title": self.title, "head": fill(self.head), "content": fill(self.content)}

    def fill_from(self, parts):
        for name in ("title", "head", "content", "keys", "expires_at"):
            setattr(self, name, parts[name])
        # Kept or not, the page shows what this generation of the story holds:
        # if a change came in meanwhile, the generation has moved on already.
        self.generation = parts.get("generation")
        self.rendered_at = parts.get("rendered_at")


def lookup(slug):
    """The story readers may see at ``slug`` with its stored render (one query), or ``None``."""
    row = _lookup.fetchone(slug=slug)
    if row is None:
        return None
    (
        pk,
        published_at,
        updated_at,
        made_with,
        title,
        head,
        content,
        stored_keys,
        expires_at,
        stale,
        generation,
        rendered_at,
    ) = row
    return Stored(
        pk=pk,
        published_at=as_datetime(published_at),
        updated_at=as_datetime(updated_at),
        fingerprint=made_with,
        title=title,
        head=head,
        content=content,
        keys=as_json(stored_keys),
        expires_at=as_datetime(expires_at),
        stale=as_bool(stale),
        generation=generation,
        rendered_at=as_datetime(rendered_at),
        raw_published_at=published_at,
    )


def for_request(request, stored):
    """The parts of ``stored`` for this request: as stored if usable, else rendered now (and kept if possible)."""
    if not stored.usable():
        if _in_layout():
            try:
                parts = store(stored.pk, generation=stored.generation)
            except DatabaseError as error:
                # Keeping the render is only an optimisation: a database too busy
                # to take the write (SQLite's lock under an editor's long save)
                # must not cost the reader the page.
                logger.warning("Could not keep the render of story %s (%s); serving it unkept.", stored.pk, error)
                article = _page_story(stored.pk)
                parts = render_parts(article) if article else None
        else:
            article = _page_story(stored.pk)
            language, time_zone = translation.get_language(), timezone.get_current_timezone_name()
            parts = render_parts(article, language, time_zone) if article else None
        if parts is None:
            return None
        stored.fill_from(parts)
    keys.shows(*stored.keys)
    keys.changes_at(stored.expires_at)
    page = keys.current()
    if page is not None:
        page.story_pk = stored.pk
        # What page_cache.read_generation() must find for a stored copy of this page to be valid.
        page.generation = (stored.generation, Article.Status.PUBLISHED.value, stored.raw_published_at)
        page.moment(stored.updated_at)
        page.moment(stored.published_at)
        page.moment(stored.rendered_at)
    return stored.parts(request)
