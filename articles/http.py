"""HTTP caching for reader pages: validators, 304s and Cache-Control.

Wrap a reader view with :func:`reader_page` where its URL is declared::

    path("", reader_page(views.HomeView.as_view()), name="home"),
    path("feeds/rss/", reader_page(feeds.LatestFeed()), name="feed_rss"),
    path("sitemap.xml", reader_page(sitemap_views.index, ...), ...)  # etc.

That one change is all another reader page (section, tag, author, search,
feeds, sitemaps) needs. The story page passes ``state=story_state,
page_cache=True``. Previews must not be wrapped: they are ``never_cache``.

What a wrapped page gets:

- ``ETag`` and ``Last-Modified``, and a 304 for ``If-None-Match`` /
  ``If-Modified-Since`` when nothing changed (Django's ``condition``).
- ``Cache-Control: public, max-age=ARTICLES_READER_MAX_AGE`` for anonymous
  readers; ``private`` when the request carries the session cookie (a
  signed-in editor) or HTTP credentials, or when the response is about to
  set a cookie (session, CSRF, messages). A response that already says
  ``private``, ``no-store`` or ``no-cache`` is never made public.
  ``Vary: Cookie`` always, so a shared cache never hands the anonymous copy
  to a signed-in editor or the other way round.

What "unchanged" means — the content state, read in ONE query per request:

- the ``ContentVersion`` token, replaced by ``articles.signals`` on every
  save, delete and m2m change of the newsroom's models (story, bylines,
  authors, tags, body blocks, widgets with their events and facts,
  corrections, sections). Any edit therefore changes every reader page's
  validators: coarse, but a story page also shows other stories (related,
  latest), so anything narrower would need to know the page's dependencies;
- the newest ``published_at`` that is already due: a scheduled story goes
  live without any save, and this is what notices it;
- for a story page, the story's own row read through
  ``Article.objects.published()``, so a withdrawn story stops being served
  at once — from this process's page cache or any other's.

Known gaps (the page cache timeout and ``max-age`` bound them): writes that
send no signal (``QuerySet.update()``, ``bulk_create()``, raw SQL) unless
the code calls ``articles.signals.mark_content_changed()``, as
``articles.locking.save_if_unchanged`` behind the admin's bulk actions does; a deploy that changes
templates (clear the page cache or change ``CACHES[...]["VERSION"]``);
``Last-Modified`` has whole seconds, so two changes within one second look
alike to a client that sends only ``If-Modified-Since`` (``ETag`` tells them
apart); a scheduled story coming due at the same instant as an already
visible one.
"""

import dataclasses
import datetime
import functools
import hashlib

from django.conf import settings as django_settings
from django.db import connections, router
from django.db.models import Subquery
from django.template.response import SimpleTemplateResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import condition

from articles.conf import settings
from articles.models import Article, ContentVersion

_NOT_PUBLIC = {"private", "no-store", "no-cache"}


@dataclasses.dataclass(frozen=True)
class ContentState:
    """What a reader page's validators and page-cache key are made of."""

    token: str
    changed_at: datetime.datetime
    latest_due: datetime.datetime | None
    # (pk, updated_at, published_at) of the story a story page shows.
    story: tuple | None = None

    @functools.cached_property
    def key(self):
        parts = (str(self.token), self.changed_at, self.latest_due, self.story, translation.get_language())
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]

    @property
    def etag(self):
        return f'"{self.key}"'

    @property
    def last_modified(self):
        moments = [self.changed_at, self.latest_due]
        if self.story:
            moments += self.story[1:]
        return max(moment for moment in moments if moment is not None)


def _version():
    return ContentVersion.objects.filter(pk=ContentVersion.SINGLETON)


def _latest_due(now):
    """The newest publication time already reached: moves when a scheduled story goes live."""
    return Article.objects.published(at=now).order_by("-published_at").values("published_at")[:1]


def _site_state_query(now, slug):
    return _version().annotate(latest_due=Subquery(_latest_due(now))).values_list("token", "changed_at", "latest_due")


def _story_state_query(now, slug):
    version = _version()
    return (
        Article.objects.published(at=now)
        .filter(slug=slug)
        .annotate(
            version_token=Subquery(version.values("token")),
            version_changed_at=Subquery(version.values("changed_at")),
            latest_due=Subquery(_latest_due(now)),
        )
        .values_list("version_token", "version_changed_at", "latest_due", "pk", "updated_at", "published_at")
    )


# Stand-ins the state queries are compiled with; each request swaps in its own values.
_AT = datetime.datetime(1970, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
_SLUG = "\x00articles.http.slug"


@functools.cache
def _compiled(build, alias):
    """``build(now, slug)``'s SQL, compiled by the ORM once per process and database.

    Compiling the queryset costs more than running it; the SQL stays the ORM's
    (``Article.objects.published()`` keeps deciding what readers see), only
    the parameters change per request.
    """
    connection = connections[alias]
    sql, params = build(_AT, _SLUG)[:1].query.get_compiler(alias).as_sql()
    at = Article._meta.get_field("published_at").get_db_prep_value(_AT, connection)
    slots = [("at" if param == at else "slug" if param == _SLUG else None) for param in params]
    if "at" not in slots:
        raise RuntimeError("articles.http: the state query does not filter on publication time")
    return sql, params, slots


def _as_datetime(value):
    if value is None or isinstance(value, datetime.datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
    return timezone.make_aware(parse_datetime(value), datetime.UTC)  # SQLite's text, stored in UTC


def _state_row(build, slug=None):
    alias = router.db_for_read(Article)
    connection = connections[alias]
    sql, params, slots = _compiled(build, alias)
    now = Article._meta.get_field("published_at").get_db_prep_value(timezone.now(), connection)
    values = {"at": now, "slug": slug}
    params = [param if slot is None else values[slot] for param, slot in zip(params, slots, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def site_state(request, *args, **kwargs):
    """The content state of a page that may show any story (home, listings, feeds)."""
    row = _state_row(_site_state_query)
    if row is None:
        return None  # no version row: no validators and no page cache, rather than wrong ones
    token, changed_at, latest_due = row
    return ContentState(str(token), _as_datetime(changed_at), _as_datetime(latest_due))


def story_state(request, *args, slug=None, year=None, month=None, day=None, **kwargs):
    """The content state of a story page, or ``None`` if readers may not see it there.

    ``None`` (not published, scheduled, withdrawn, an old slug, a date that
    is not the story's) lets the view answer as it would without caching:
    404 or a redirect.
    """
    row = _state_row(_story_state_query, slug)
    if row is None or row[0] is None:
        return None
    token, changed_at, latest_due, pk, updated_at, published_at = row
    published_at = _as_datetime(published_at)
    try:
        url_date = datetime.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None
    if timezone.localdate(published_at) != url_date:
        return None
    story = (pk, _as_datetime(updated_at), published_at)
    return ContentState(str(token), _as_datetime(changed_at), _as_datetime(latest_due), story=story)


def current_state(request, state, args, kwargs):
    """``state(request, …)``, computed once per request however often it is asked for."""
    memo = request.__dict__.setdefault("_articles_content_state", {})
    if state not in memo:
        memo[state] = state(request, *args, **kwargs)
    return memo[state]


def is_private_request(request):
    """Does the request carry something that may make the page personal?"""
    return django_settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META


def sets_cookies(request, response):
    """Will this response set a cookie, now or in the middleware on its way out?"""
    session = getattr(request, "session", None)
    messages = getattr(request, "_messages", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
        or getattr(messages, "added_new", False)
    )


def is_marked_private(response):
    directives = {part.split("=")[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}
    return bool(directives & _NOT_PUBLIC)


def render(response):
    """Render a template response now, so what it does to the request can be inspected."""
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()
    return response


def patch_reader_cache_headers(request, response):
    """Cache-Control and Vary for a reader page (see the module docstring)."""
    if response.status_code not in (200, 304):
        return
    patch_vary_headers(response, ["Cookie"])
    if is_marked_private(response):
        return
    if is_private_request(request) or sets_cookies(request, response):
        patch_cache_control(response, private=True)
    else:
        patch_cache_control(response, public=True, max_age=settings.READER_MAX_AGE)


def reader_page(view=None, *, state=site_state, page_cache=False):
    """Conditional responses and caching headers for a reader view.

    ``state(request, *args, **kwargs)`` returns the page's
    :class:`ContentState` (or ``None``: no validators); ``page_cache=True``
    also keeps the rendered page (``articles.page_cache``). Usable as
    ``reader_page(view)``, ``@reader_page`` or
    ``@method_decorator(reader_page, name="dispatch")``.
    """
    if view is None:
        return functools.partial(reader_page, state=state, page_cache=page_cache)

    def etag(request, *args, **kwargs):
        current = current_state(request, state, args, kwargs)
        return current.etag if current else None

    def last_modified(request, *args, **kwargs):
        current = current_state(request, state, args, kwargs)
        return current.last_modified if current else None

    inner = view
    if page_cache:
        from articles.page_cache import cached_page

        inner = cached_page(view, state)
    conditional = condition(etag_func=etag, last_modified_func=last_modified)(inner)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = render(conditional(request, *args, **kwargs))
        patch_reader_cache_headers(request, response)
        return response

    return wrapper
