"""Rendered reader pages, served while nothing they show has changed.

An entry is stored per address (scheme, host, path and query string — a
page's canonical link names the host), language and fingerprint of the
templates and settings (``articles.delivery.fingerprint``), and holds the
page's bytes and headers, what decides its validity, and when it changes
by itself (``expires_at``: a scheduled story comes due). Each request
checks that validity in the database, in one query:

- a story page shows its stored render (``articles.delivery.story_render``):
  valid while the render's generation and the story's status and
  publication time are what they were (:func:`read_generation`), so a story
  withdrawn or re-dated by any path, even raw SQL, is never served from here;
- any other page: valid while the versions of its keys (``DeliveryKey``)
  are the ones it was rendered with (:func:`read_versions`).

Stored only when it cannot be stale. A story page's content and generation
come from one row in one query. For other pages, the versions stored were
read *before* rendering (the check of the entry it replaces), so a change
that commits during the render leaves the entry already out of date; a page
with no entry to go by (its first render, or its keys changed) reads the
versions after rendering, and is not stored if one of them changed since
the request began (its keys are renewed just after the commit,
``articles.delivery.changes``).

Each process keeps its latest pages (:data:`process_copies`) in front of
``caches[ARTICLES_PAGE_CACHE]``, which is reached through ``ReaderCache``:
when it fails, pages are rendered as if there were none. Only pages for
requests without a session cookie or credentials are stored or served, and
only 200s that set no cookie and are not marked private. Outcomes ("hit",
"miss", "stale") are counted in :data:`outcomes` and logged at DEBUG.
"""

import collections
import datetime
import functools
import hashlib
import logging

from django.core.signals import setting_changed
from django.db import connections, router
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import timezone, translation

from articles.conf import settings
from articles.delivery.bounded import Bounded
from articles.delivery.fingerprint import fingerprint
from articles.delivery.http import (
    is_marked_private,
    patch_reader_cache_headers,
    render,
    sets_cookies,
    validator_headers,
)
from articles.delivery.resilient_cache import ReaderCache
from articles.delivery.sql import as_datetime

logger = logging.getLogger(__name__)

# How many requests each outcome had in this process: for benchmarks, which
# should not have to turn DEBUG logging on (and pay for it) to count.
outcomes = collections.Counter()

KEY_PREFIX = "articles.page"
# Entries in an older layout are ignored, not misread.
_FORMAT = 5
# Clocks of the machines that save and render may differ by this much: a
# first render is stored only if its keys last changed this long before it began.
CLOCK_SKEW = datetime.timedelta(seconds=1)


def page_key(request):
    # The host as sent, not validated: a page is only ever stored by a request
    # whose host passed ALLOWED_HOSTS (rendering it builds absolute URLs), so
    # a spoofed host finds no entry. Validating here again costs every hit.
    host = request._get_raw_host()
    # The fingerprint: a deploy with other templates or settings starts afresh.
    address = f"{request.scheme}://{host}{request.get_full_path()}|{translation.get_language()}|{fingerprint()}"
    return f"{KEY_PREFIX}:{hashlib.sha256(address.encode()).hexdigest()[:40]}"


@functools.cache
def _versions_sql(alias, count, with_times):
    from articles.models import DeliveryKey

    quote = connections[alias].ops.quote_name
    placeholders = ", ".join(["%s"] * count)
    times = f", {quote('changed_at')}" if with_times else ""
    return (
        f"SELECT {quote('key')}, {quote('version')}{times} "
        f"FROM {quote(DeliveryKey._meta.db_table)} WHERE {quote('key')} IN ({placeholders})"
    )


def read_versions(page_keys, with_times=False):
    """``{key: version}`` for the keys that have changed at least once; one query.

    ``with_times``: ``{key: (version, changed_at)}`` instead (the hit path
    does without: parsing times costs more than the query).
    """
    from articles.models import DeliveryKey

    alias = router.db_for_read(DeliveryKey)
    with connections[alias].cursor() as cursor:
        cursor.execute(_versions_sql(alias, len(page_keys), with_times), list(page_keys))
        rows = cursor.fetchall()
    if with_times:
        return {key: (str(version), as_datetime(changed_at)) for key, version, changed_at in rows}
    return {key: str(version) for key, version in rows}


def _fingerprint(page_keys, versions):
    return tuple(versions.get(key) for key in page_keys)


def _storable(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and not is_marked_private(response)
        and not sets_cookies(request, response)
    )


def _from_entry(entry):
    response = HttpResponse(entry["content"])
    # The headers were checked when the page was stored: put them back as they
    # were (ResponseHeaders keeps {lower-case name: (name, value)}) rather than
    # validating each one again on every hit.
    response.headers._store = dict(entry["headers"])
    response.articles_expires_at = entry["expires_at"]
    response.articles_headers_complete = entry["complete"]
    return response


@functools.cache
def _generation_sql(alias):
    from articles.models import Article, StoryRender

    quote = connections[alias].ops.quote_name
    render, story = quote(StoryRender._meta.db_table), quote(Article._meta.db_table)
    return (
        f"SELECT r.{quote('generation')}, a.{quote('status')}, a.{quote('published_at')} FROM {render} r"
        f" INNER JOIN {story} a ON a.{quote('id')} = r.{quote('article_id')} WHERE r.{quote('article_id')} = %s"
    )


def read_generation(story_pk):
    """``(generation, status, published_at)`` of a story's stored render and its row, as the database gives them.

    A page stored while the story was visible is still valid while this is
    unchanged: same render, still published, not re-dated (so still due).
    Comparing the raw values spares converting times on every hit.
    """
    from articles.models import StoryRender

    alias = router.db_for_read(StoryRender)
    with connections[alias].cursor() as cursor:
        cursor.execute(_generation_sql(alias), [story_pk])
        return cursor.fetchone()


def _is_fresh(entry):
    if entry["expires_at"] is not None and timezone.now() >= entry["expires_at"]:
        return False
    if entry["generation"] is not None:
        # A story page shows its stored render: every change to what it shows
        # moves the render's generation on (articles.delivery.story_render).
        return read_generation(entry["story"]) == entry["generation"]
    return _fingerprint(entry["keys"], read_versions(entry["keys"])) == entry["versions"]


# The pages this process served last, in front of the shared cache. Validity
# is still checked against the database on every request, so a copy here is
# never served after a change; it spares fetching and unpickling the page
# from the cache (a network round trip with Redis), and keeps pages coming
# while the cache is down.
process_copies = Bounded("PAGE_CACHE_PROCESS_ENTRIES")


@receiver(setting_changed)
def _forget_copies(*, setting, **kwargs):
    if setting in ("CACHES", "ARTICLES_PAGE_CACHE", "ARTICLES_PAGE_CACHE_PROCESS_ENTRIES"):
        process_copies.clear()


def _usable(entry):
    return entry is not None and entry.get("format") == _FORMAT


def _same_version(entry, other):
    """Both rendered from the same state (no need to check the database twice)?"""
    return _usable(other) and all(entry[name] == other[name] for name in ("keys", "versions", "generation"))


def _hit(request, entry):
    outcomes["hit"] += 1
    logger.debug("hit", extra={"path": request.path})
    return _from_entry(entry)


def serve(request, view, args, kwargs, page):
    """The page for an anonymous GET or HEAD: from the cache while valid, else rendered and stored.

    ``page`` is the response's collection of what it shows (``articles.delivery.keys``).
    """
    address = page_key(request)
    entry = process_copies.get(address)
    if _usable(entry) and _is_fresh(entry):
        return _hit(request, entry)
    started = timezone.now()
    cache = ReaderCache(settings.PAGE_CACHE)
    # Not here, or out of date here: another process may have stored it anew.
    shared = cache.get(address)
    if _usable(shared) and not _same_version(shared, entry):
        if _is_fresh(shared):
            process_copies.put(address, shared)
            return _hit(request, shared)
        entry = shared
    before = None  # versions read before rendering, for the entry's keys
    if _usable(entry):
        outcomes["stale"] += 1
        logger.debug("stale", extra={"path": request.path})
        if entry["generation"] is None:
            # With the change times, for Last-Modified; before rendering (see the docstring).
            before = (set(entry["keys"]), read_versions(entry["keys"], with_times=True))
    else:
        outcomes["miss"] += 1
        logger.debug("miss", extra={"path": request.path})

    response = render(view(request, *args, **kwargs))
    if response.status_code != 200:
        return response
    page_keys = tuple(sorted(page.keys))
    if page.generation is not None:
        # The content and its generation came from one row in one query: consistent.
        timed, safe = {}, True
    elif before is not None and set(page_keys) <= before[0]:
        timed, safe = before[1], True
    else:
        timed = read_versions(page_keys, with_times=True)
        safe = all(changed_at < started - CLOCK_SKEW for _, changed_at in timed.values())
    versions = {key: version for key, (version, _) in timed.items()}
    times = [changed_at for key, (_, changed_at) in timed.items() if key in page.keys]
    headers = validator_headers(response, page, times)
    for name, value in headers.items():
        response[name] = value
    response.articles_expires_at = page.expires_at
    if safe and _storable(request, response):
        # The caching headers too, so that a hit serves the headers as they are:
        # they depend only on settings (in the page key's fingerprint) and, for a
        # page that changes by itself, on the time left (then patched per hit).
        patch_reader_cache_headers(request, response, page.expires_at)
        entry = {
            "format": _FORMAT,
            "keys": page_keys,
            "versions": _fingerprint(page_keys, versions),
            "story": page.story_pk,
            "generation": page.generation,
            "expires_at": page.expires_at,
            "content": response.content,
            "headers": dict(response.headers._store),
            "complete": page.expires_at is None,
        }
        cache.set(address, entry, settings.PAGE_CACHE_SECONDS)
        process_copies.put(address, entry)
    return response
