"""``reader_page``: what every reader view is wrapped in where its URL is declared.

::

    path("", reader_page(views.HomeView.as_view()), name="home"),
    path("feeds/rss/", reader_page(feeds.LatestStoriesFeed()), name="feed_rss"),
    path("sitemap.xml", reader_page(sitemap_views.index, keys=[keys.STORIES]), ...)

The view reports what it shows (``articles.delivery.keys.shows`` and
friends; ``keys`` adds fixed ones); the wrapper turns that into the page
cache entry, the validators, the 304s and the caching headers
(``articles.delivery.page_cache``, ``articles.delivery.http``).
Previews must not be wrapped: they are ``never_cache``.
"""

import functools

from articles.conf import settings
from articles.delivery import keys as delivery_keys
from articles.delivery import page_cache
from articles.delivery.http import (
    conditional,
    is_private_request,
    patch_reader_cache_headers,
    render,
    validator_headers,
)


def _story_of(page):
    return getattr(page, "story_pk", None)


def reader_page(view=None, *, keys=(), page_cache_on=True):
    """Page cache, validators, 304s and caching headers for a reader view.

    Usable as ``reader_page(view)``, ``@reader_page`` or
    ``reader_page(view, keys=[...], page_cache_on=False)`` (search: endless
    addresses that would push stories out of the cache).
    """
    if view is None:
        return functools.partial(reader_page, keys=keys, page_cache_on=page_cache_on)
    fixed = tuple(keys)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        page, token = delivery_keys.collecting()
        page.add(*fixed)
        try:
            cacheable = (
                page_cache_on
                and settings.PAGE_CACHE is not None
                and request.method in ("GET", "HEAD")
                and not is_private_request(request)
            )
            if cacheable:
                response = page_cache.serve(request, view, args, kwargs, page, _story_of)
            else:
                response = render(view(request, *args, **kwargs))
                if response.status_code == 200:
                    for name, value in validator_headers(response, page, None).items():
                        response[name] = value
                response.articles_expires_at = page.expires_at
        finally:
            delivery_keys.done(token)
        expires_at = getattr(response, "articles_expires_at", None)
        response = conditional(request, response)
        patch_reader_cache_headers(request, response, expires_at)
        return response

    return wrapper
