"""Read replicas: readers' reads from a replica, everything else from the primary.

Turned on by ``DATABASE_REPLICA_URLS`` (newsroom/settings.py; README "Two
app servers, read replicas"), which adds the aliases ``replica_1``, … and
installs :class:`PrimaryReplicaRouter` and :class:`ReplicaReadsMiddleware`.

A replica applies the primary's changes a moment later (replication lag),
so what it returns can be older than what was just saved. Reads go to a
replica only when that cannot show anyone a stale page:

- only during an anonymous reader's ``GET`` or ``HEAD`` (no session cookie):
  editors, a sign-in, any form post, management commands and background
  work all read the primary, so an editor sees their own save at once;
- never inside a transaction, where a read may decide a write;
- never for ``REPLICA_LAG`` seconds (5) after any write committed, in any
  process: the shared cache holds a mark while that lasts. Without it a
  reader asking right after a save would get the page from the lagging
  replica, and the page cache and the edge, just purged by the save, would
  keep that old page for their whole lifetime. A replica that lags by
  more than ``REPLICA_LAG`` breaks this promise: raise it, or watch the lag.

When the cache cannot be asked, reads go to the primary (the safe choice).
Writes always go to the primary; migrations run there only, and replicas
get the schema through replication.
"""

import contextvars
import random

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from articles.delivery.resilient_cache import breaker

#: The shared cache's key for "a write committed less than REPLICA_LAG seconds ago".
RECENT_WRITE = "newsroom:recent-write"
CACHE_ALIAS = "default"

# Whether the current request may read from a replica (set by the middleware, per thread and task).
_replica_reads = contextvars.ContextVar("newsroom_replica_reads", default=False)


def _mark_recent_write():
    guard = breaker(CACHE_ALIAS)
    if not guard.allows():
        return  # the cache is down: nobody reads the mark then, and readers use the primary
    try:
        caches[CACHE_ALIAS].set(RECENT_WRITE, True, settings.REPLICA_LAG)
    except Exception as error:  # any backend's outage, as articles.delivery.resilient_cache explains
        guard.failed(error)
    else:
        guard.succeeded()


def written_recently():
    """``True`` while a write's mark is in the shared cache, and when the cache cannot say."""
    guard = breaker(CACHE_ALIAS)
    if not guard.allows():
        return True
    try:
        marked = caches[CACHE_ALIAS].get(RECENT_WRITE)
    except Exception as error:  # any backend's outage, as articles.delivery.resilient_cache explains
        guard.failed(error)
        return True
    guard.succeeded()
    return bool(marked)


class PrimaryReplicaRouter:
    """Writes to ``default``; a reader request's reads to one of ``settings.READ_REPLICAS``."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return random.choice(settings.READ_REPLICAS)
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        connection = connections[DEFAULT_DB_ALIAS]
        # Marked when the write commits (at once outside a transaction), once per transaction.
        if not connection.in_atomic_block or not any(
            func is _mark_recent_write for _sids, func, _robust in connection.run_on_commit
        ):
            transaction.on_commit(_mark_recent_write, using=DEFAULT_DB_ALIAS)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Lets an anonymous reader's ``GET``/``HEAD`` read from a replica, unless a write is too recent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _replica_reads.set(self.may_read_replica(request))
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)

    @staticmethod
    def may_read_replica(request):
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not written_recently()
        )
