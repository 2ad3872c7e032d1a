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


def reader_page(view=None, *, keys=(), page_cache_on=True, scheduled=False):
    """Page cache, validators, 304s and caching headers for a reader view.

    Usable as ``reader_page(view)``, ``@reader_page`` or
    ``reader_page(view, keys=[...], page_cache_on=False)`` (search: endless
    addresses that would push stories out of the cache). ``scheduled=True``
    for a view that lists stories without saying so itself (Django's sitemap
    views): the page then expires when the next scheduled story comes due.
    """
    if view is None:
        return functools.partial(reader_page, keys=keys, page_cache_on=page_cache_on, scheduled=scheduled)
    fixed = tuple(keys)
    inner = view
    if scheduled:

        def inner(request, *args, **kwargs):
            # Asked only when the page is rendered: a page cache hit does not pay for it.
            delivery_keys.next_due()
            return view(request, *args, **kwargs)

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
                response = page_cache.serve(request, inner, args, kwargs, page)
            else:
                response = render(inner(request, *args, **kwargs))
                if response.status_code == 200:
                    for name, value in validator_headers(response, page, None).items():
                        response[name] = value
                response.articles_expires_at = page.expires_at
        finally:
            delivery_keys.done(token)
        expires_at = getattr(response, "articles_expires_at", None)
        complete = getattr(response, "articles_headers_complete", False)
        response = conditional(request, response)
        if not complete:
            patch_reader_cache_headers(request, response, expires_at)
        return response

    return wrapper
