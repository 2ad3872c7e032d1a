"""A process's bounded dict of kept things: rendered pages, drawn story cards."""

import threading

from articles.conf import settings


class Bounded:
    """At most ``settings.<limit>`` entries (read at each put, so a changed setting applies), the oldest out first.

    Dicts keep insertion order, so the first key is the oldest; :meth:`touch`
    moves an entry to the back, for a least-recently-used order. Reads take
    no lock: a dict lookup is atomic, and a reader that misses renders anew.
    """

    def __init__(self, limit):
        self.limit = limit
        self._items = {}
        self._lock = threading.Lock()

    def get(self, key):
        return self._items.get(key)

    def put(self, key, value):
        limit = getattr(settings, self.limit)
        with self._lock:
            self._items.pop(key, None)
            while self._items and len(self._items) >= limit:
                del self._items[next(iter(self._items))]
            if limit:
                self._items[key] = value

    def touch(self, key):
        with self._lock:
            value = self._items.pop(key, None)
            if value is not None:
                self._items[key] = value

    def clear(self):
        with self._lock:
            self._items.clear()

    def __len__(self):
        return len(self._items)
