"""Rendered reader pages, valid while the versions of the keys they show are unchanged.

An entry is stored per address (scheme, host, path and query string — a
page's canonical link names the host) and language, and holds the page's
bytes and headers, its keys with the versions they had, and when it
changes by itself (``expires_at``: a scheduled story comes due). A request
reads the entry from the cache and the current versions of its keys from
the database in one query (``DeliveryKey``; for a story page the same
query checks that the story is still visible, so a story withdrawn by any
path, even raw SQL, is never served from here). All versions equal: the
entry is served, no view runs. Any differ: the page is rendered again.

Stored only when it cannot be stale: the versions stored with a page were
read *before* it was rendered (the check of the entry it replaces), so a
change that commits during the render leaves the entry already out of date.
A page rendered with no entry to go by (its first render, or its keys
changed) reads the versions after rendering, and is not stored if one of
them changed since the request began (a change committed while it rendered;
its keys are renewed just after the commit, ``articles.delivery.changes``).

Only pages for requests without a session cookie or credentials are stored
or served, and only 200s that set no cookie and are not marked private.
The cache is ``caches[ARTICLES_PAGE_CACHE]`` reached through
``ReaderCache``: when it fails, pages are rendered as if there were none.
Hits and misses are logged at DEBUG ("hit", "miss", "stale") for benchmarks.
"""

import datetime
import functools
import hashlib
import logging

from django.db import connections, router
from django.http import HttpResponse
from django.utils import timezone, translation

from articles.conf import settings
from articles.delivery.http import is_marked_private, render, sets_cookies, validator_headers
from articles.delivery.resilient_cache import ReaderCache
from articles.delivery.sql import as_datetime

logger = logging.getLogger(__name__)

KEY_PREFIX = "articles.page"
# Entries in an older layout are ignored, not misread.
_FORMAT = 2
# Clocks of the machines that save and render may differ by this much: a
# first render is stored only if its keys last changed this long before it began.
CLOCK_SKEW = datetime.timedelta(seconds=1)
_VISIBLE = "!visible"


def page_key(request):
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{translation.get_language()}"
    return f"{KEY_PREFIX}:{hashlib.sha256(address.encode()).hexdigest()[:40]}"


@functools.cache
def _versions_sql(alias, count, with_story):
    from articles.models import Article, DeliveryKey

    quote = connections[alias].ops.quote_name
    placeholders = ", ".join(["%s"] * count)
    sql = (
        f"SELECT {quote('key')}, {quote('version')}, {quote('changed_at')} "
        f"FROM {quote(DeliveryKey._meta.db_table)} WHERE {quote('key')} IN ({placeholders})"
    )
    if with_story:
        sql += (
            f" UNION ALL SELECT %s, NULL, NULL FROM {quote(Article._meta.db_table)}"
            f" WHERE {quote('id')} = %s AND {quote('status')} = %s AND {quote('published_at')} <= %s"
        )
    return sql


def read_versions(page_keys, story_pk=None):
    """``{key: (version, changed_at)}`` for the keys that have changed at least once; one query.

    With ``story_pk``, also whether that story is visible now: the second
    value, ``None`` when not asked.
    """
    from articles.models import Article, DeliveryKey

    alias = router.db_for_read(DeliveryKey)
    connection = connections[alias]
    params = list(page_keys)
    if story_pk is not None:
        now = Article._meta.get_field("published_at").get_db_prep_value(timezone.now(), connection)
        params += [_VISIBLE, story_pk, Article.Status.PUBLISHED, now]
    with connection.cursor() as cursor:
        cursor.execute(_versions_sql(alias, len(page_keys), story_pk is not None), params)
        rows = cursor.fetchall()
    versions = {key: (str(version), as_datetime(changed_at)) for key, version, changed_at in rows if key != _VISIBLE}
    visible = None if story_pk is None else any(key == _VISIBLE for key, _, _ in rows)
    return versions, visible


def _fingerprint(page_keys, versions):
    return tuple(versions.get(key, (None,))[0] for key in page_keys)


def _storable(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and not is_marked_private(response)
        and not sets_cookies(request, response)
    )


def _from_entry(entry):
    response = HttpResponse(entry["content"], headers=entry["headers"])
    response.articles_expires_at = entry["expires_at"]
    return response


def serve(request, view, args, kwargs, page, story_pk_of):
    """The page for an anonymous GET or HEAD: from the cache while valid, else rendered and stored.

    ``page`` is the response's key collection (``articles.delivery.keys``);
    ``story_pk_of(page)`` names the story whose visibility a hit must check.
    """
    started = timezone.now()
    cache = ReaderCache(settings.PAGE_CACHE)
    address = page_key(request)
    entry = cache.get(address)
    before = None  # versions read before rendering, for the entry's keys
    if entry is not None and entry.get("format") == _FORMAT:
        versions, visible = read_versions(entry["keys"], entry["story"])
        fresh = (
            visible is not False
            and _fingerprint(entry["keys"], versions) == entry["versions"]
            and (entry["expires_at"] is None or timezone.now() < entry["expires_at"])
        )
        if fresh:
            logger.debug("hit", extra={"path": request.path})
            return _from_entry(entry)
        logger.debug("stale", extra={"path": request.path})
        before = (set(entry["keys"]), versions)
    else:
        logger.debug("miss", extra={"path": request.path})

    response = render(view(request, *args, **kwargs))
    if response.status_code != 200:
        return response
    page_keys = tuple(sorted(page.keys))
    story = story_pk_of(page)
    if before is not None and set(page_keys) <= before[0]:
        versions, safe = before[1], True
    else:
        versions, _ = read_versions(page_keys)
        safe = all(changed_at < started - CLOCK_SKEW for _, changed_at in versions.values() if changed_at)
    headers = validator_headers(response, page, versions)
    for name, value in headers.items():
        response[name] = value
    response.articles_expires_at = page.expires_at
    if safe and _storable(request, response):
        entry = {
            "format": _FORMAT,
            "keys": page_keys,
            "versions": _fingerprint(page_keys, versions),
            "story": story,
            "expires_at": page.expires_at,
            "content": response.content,
            "headers": list(response.headers.items()),
        }
        cache.set(address, entry, settings.PAGE_CACHE_SECONDS)
    return response
