"""A rendered-page cache for story pages, keyed on the content state.

``reader_page(view, state=story_state, page_cache=True)`` (``articles.http``)
puts it in front of the story view. A hit costs the one query that reads the
content state and no rendering at all.

The key is made of the address (scheme, host, path and query string — the
page's canonical link names the host) and the content state: the content
version token, the newest publication time already due, and the story's own
row read through ``Article.objects.published()``. When any of them changes
the old entry is simply never asked for again, so a stale page or a story
that was withdrawn cannot be served from here after the change; old entries
expire after ``ARTICLES_PAGE_CACHE_SECONDS``, which also bounds the changes
no signal reports (see ``articles.http``).

Only pages for requests without a session cookie or credentials are stored
or served, and only 200s that set no cookie and are not marked private:
what is stored is the page any anonymous reader gets, with nothing
personal in it.

The cache is ``caches[ARTICLES_PAGE_CACHE]`` (``"default"``; ``None`` turns
it off). Settings' ``CACHE_URL`` picks local memory (per process) or Redis
(shared by every process). It is reached through
``articles.resilient_cache.ReaderCache``: when the cache fails, the page is
rendered as if there were no cache, and the failure is logged once.
"""

import functools
import hashlib

from django.http import HttpResponse

from articles.conf import settings
from articles.http import current_state, is_marked_private, is_private_request, render, sets_cookies
from articles.resilient_cache import ReaderCache

KEY_PREFIX = "articles.page"


def page_key(request, state):
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"{KEY_PREFIX}:{state.key}:{hashlib.sha256(address.encode()).hexdigest()[:40]}"


def _storable(response):
    return response.status_code == 200 and not response.streaming and not is_marked_private(response)


def cached_page(view, state):
    """Serve ``view``'s anonymous 200s from the page cache while ``state`` is unchanged."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        alias = settings.PAGE_CACHE
        if alias is None or request.method not in ("GET", "HEAD") or is_private_request(request):
            return view(request, *args, **kwargs)
        current = current_state(request, state, args, kwargs)
        if current is None:
            return view(request, *args, **kwargs)
        cache = ReaderCache(alias)
        key = page_key(request, current)
        entry = cache.get(key)
        if entry is not None:
            content, headers = entry
            return HttpResponse(content, headers=headers)
        response = render(view(request, *args, **kwargs))
        if _storable(response) and not sets_cookies(request, response):
            cache.set(key, (response.content, list(response.headers.items())), settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
