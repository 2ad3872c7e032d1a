"""A cache backend for tests that fails on demand, the way a cache server going away does."""

from django.core.cache.backends.locmem import LocMemCache


class CacheServerGone(Exception):
    """A backend's own error type: Django's cache backends do not wrap their clients' errors."""


class FlakyCache(LocMemCache):
    """Local memory that raises :class:`CacheServerGone` from every call while ``down`` is set.

    ``calls`` counts the calls that reached the backend, failed or not.
    Set both on the instance (``caches[alias]``), which lives as long as the
    test's settings.
    """

    down = True
    calls = 0

    def _reach(self):
        self.calls += 1
        if self.down:
            raise CacheServerGone("connection to the cache server was lost")

    def add(self, *args, **kwargs):
        self._reach()
        return super().add(*args, **kwargs)

    def get(self, *args, **kwargs):
        self._reach()
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._reach()
        return super().set(*args, **kwargs)

    def touch(self, *args, **kwargs):
        self._reach()
        return super().touch(*args, **kwargs)

    def incr(self, *args, **kwargs):
        self._reach()
        return super().incr(*args, **kwargs)

    def has_key(self, *args, **kwargs):
        self._reach()
        return super().has_key(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._reach()
        return super().delete(*args, **kwargs)

    def clear(self):
        self._reach()
        return super().clear()
