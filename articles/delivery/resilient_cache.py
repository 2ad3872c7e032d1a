"""Cache access for reader pages that a cache outage cannot turn into a reader outage.

The app uses Django's cache only to go faster (``articles.delivery.page_cache``), so
when the cache fails the right answer is always the one without it: a
``get`` is a miss, a ``set`` or ``delete`` did nothing, and the page is
rendered as if there were no cache. :class:`ReaderCache` is that cache:
``ReaderCache(alias).get(key)`` and so on, in place of ``caches[alias]``.

A failure opens a per-process circuit breaker for the alias: one warning
goes to the log (``articles.delivery.resilient_cache``, naming the alias and the
error, without a traceback), and for ``ARTICLES_CACHE_BACKOFF_SECONDS`` the
cache is not asked at all, so that during an outage requests do not each
wait out a connection timeout and the log does not get a line per request.
After the back-off one request tries the cache again (the others keep
skipping it until that try is over); a failure starts another back-off
without a new warning, a success closes the breaker and logs an info line
saying how long the cache was unavailable.

Which errors count as the cache failing: any ``Exception`` the backend
raises. Django's cache backends do not wrap their clients' errors, so what
an outage raises depends on the backend a site configures: redis-py's
``RedisError`` (its ``ConnectionError`` is not the built-in one),
pymemcache's ``MemcacheError``, pylibmc's ``Error``, ``OSError`` from a
socket or the file-based cache, ``DatabaseError`` from the database cache,
django-redis's ``ConnectionInterrupted``, or a missing client library
(``ImportError`` at the first call). A tuple of those would have to import
optional libraries to name them and would still miss the next backend's
own type, letting its outage become a reader's 500 again. The cost of
catching ``Exception`` here is small: nothing the cache raises can be worse
for a reader than the page without the cache, and the error is still
logged. ``KeyboardInterrupt`` and ``SystemExit`` are not ``Exception`` and
pass through.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

from articles.conf import settings

logger = logging.getLogger(__name__)

# The breaker's clock: monotonic, so a change of the system time cannot
# shorten or stretch a back-off. Tests replace it to move time on.
_clock = time.monotonic


class CacheBreaker:
    """Whether this process should ask one cache alias, and the log lines about it."""

    def __init__(self, alias):
        self.alias = alias
        self._lock = threading.Lock()
        self._retry_at = None  # None: closed, the cache is asked
        self._down_since = None

    def allows(self):
        """May the caller use the cache now? Claims the one retry when a back-off ends."""
        if self._retry_at is None:
            return True  # the usual case, without taking the lock
        with self._lock:
            if self._retry_at is None:
                return True
            now = _clock()
            if now < self._retry_at:
                return False
            # This caller tries the cache; everyone else skips it for another
            # back-off or until the try succeeds, so a cache that is still down
            # costs this process one timeout per back-off, not one per request.
            self._retry_at = now + settings.CACHE_BACKOFF_SECONDS
            return True

    def succeeded(self):
        if self._retry_at is None:
            return
        with self._lock:
            if self._retry_at is None:
                return
            down_for = _clock() - self._down_since
            self._retry_at = self._down_since = None
        logger.info("Cache %r answers again after %.1f s unavailable; using it again.", self.alias, down_for)

    def failed(self, error):
        with self._lock:
            now = _clock()
            first = self._retry_at is None
            if first:
                self._down_since = now
            self._retry_at = now + settings.CACHE_BACKOFF_SECONDS
        backoff = settings.CACHE_BACKOFF_SECONDS
        if first:
            logger.warning(
                "Cache %r is unavailable (%s: %s); serving pages without it and retrying every %s s.",
                self.alias,
                type(error).__name__,
                error,
                backoff,
            )
        else:
            logger.debug("Cache %r is still unavailable (%s: %s).", self.alias, type(error).__name__, error)


_breakers = {}
_breakers_lock = threading.Lock()


def breaker(alias):
    """The process's breaker for ``alias``."""
    try:
        return _breakers[alias]
    except KeyError:
        with _breakers_lock:
            return _breakers.setdefault(alias, CacheBreaker(alias))


@receiver(setting_changed)
def reset_breakers(*, setting, **kwargs):
    """Forget outages when the caches are configured anew (as tests do)."""
    if setting == "CACHES":
        with _breakers_lock:
            _breakers.clear()


class ReaderCache:
    """``caches[alias]`` whose errors read as misses (see the module docstring)."""

    def __init__(self, alias):
        self.alias = alias

    def _call(self, method, fallback, *args):
        guard = breaker(self.alias)
        if not guard.allows():
            return fallback
        # Outside the try: an alias missing from CACHES is a configuration
        # error to report, not an outage to ride out.
        cache = caches[self.alias]
        try:
            result = getattr(cache, method)(*args)
        except Exception as error:  # any backend's outage; see the module docstring
            guard.failed(error)
            return fallback
        guard.succeeded()
        return result

    def get(self, key, default=None):
        return self._call("get", default, key, default)

    def set(self, key, value, timeout):
        self._call("set", None, key, value, timeout)

    def add(self, key, value, timeout):
        """``True`` if the key was not there and now is; ``False`` too when the cache failed."""
        return self._call("add", False, key, value, timeout)

    def delete(self, key):
        """``True`` if the key was there and is gone; ``False`` too when the cache failed."""
        return self._call("delete", False, key)
