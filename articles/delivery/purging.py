"""Purging reader pages from edge caches (Varnish, Fastly, Cloudflare) by key.

Every cacheable reader page carries the keys of what it shows (``xkey``,
``Surrogate-Key``, ``Cache-Tag``). After a change commits, the delivery code
calls :func:`purge` with the keys the change touched, and each configured
edge cache drops exactly the pages that carry one of them: the next request
for such a page reaches the app and gets the new version, while every other
page keeps being served from the edge.

The edges are configured in ``ARTICLES_PURGERS``, shaped like ``CACHES``::

    ARTICLES_PURGERS = [
        {
            "BACKEND": "articles.delivery.purging.VarnishPurger",
            "OPTIONS": {"urls": ["http://127.0.0.1:6081"], "secret": "…"},
        },
    ]

What a failure does. :func:`purge` runs in the request that saved, after the
commit, so it must neither fail the save (the change is committed; a 500
would tell the editor otherwise) nor be lost (the edge would go on serving the
old page for up to its ``Surrogate-Control`` max-age, a day by default). So:

1. each purger is tried once, at once, with a short timeout: normally the
   edge is fresh before the editor's response is sent;
2. a failure logs one WARNING and hands the keys to this process's retry
   worker, a daemon thread that tries again after 1, 2, 4, 8 and 16 s
   (:data:`RETRY_DELAYS`), merging the keys of later failures into the same
   retry. While a purger has a retry pending, later purges for it go
   straight to the worker, so an edge that hangs does not make every save
   wait out the timeout;
3. after the last attempt an ERROR names the keys that may be stale at the
   edge and for how long at most.

A process that exits with retries pending tries them once more and logs at
ERROR what is left. Operators purge by hand with ``manage.py purge_edge KEY…``
or ``--all`` (e.g. after a template deploy).
"""

import atexit
import dataclasses
import http.client
import json
import logging
import os
import re
import threading
import time
import urllib.parse

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from articles.conf import settings

logger = logging.getLogger(__name__)

# The key every reader page carries: purging it empties the edge of our pages.
SITE_KEY = "site"

# Seconds before each retry of a failed purge: about half a minute in all,
# long enough to ride out a Varnish restart, short enough that the ERROR
# comes while someone may still be looking.
RETRY_DELAYS = (1, 2, 4, 8, 16)

# A key is printable ASCII without the separators of the purge headers
# (space for xkey-purge and Surrogate-Key, comma for Cache-Tag).
_KEY = re.compile(r"[!-+\--~]+")

# What a broken ARTICLES_PURGERS raises while the purgers are made.
CONFIGURATION_ERRORS = (ImproperlyConfigured, ImportError, TypeError, ValueError)


class PurgeError(Exception):
    """An edge cache did not confirm a purge: an error status, a refused connection, a timeout."""


class Purger:
    """One edge cache, told to drop every page that carries any of some keys.

    Subclasses implement :meth:`purge`: return when the edge has confirmed,
    raise :class:`PurgeError` otherwise. Purging is idempotent, so a retry
    may repeat keys that an earlier attempt already purged.
    """

    def purge(self, keys: list[str]) -> None:
        raise NotImplementedError

    def __str__(self):
        return type(self).__name__


def check_keys(keys):
    """``keys`` sorted and without repeats; ValueError for one no purge header can carry."""
    checked = sorted(set(keys))
    for key in checked:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"not a purge key: {key!r} (printable ASCII, no spaces or commas)")
    return checked


def batches(keys, *, max_count=None, max_chars=None, separator=" "):
    """``keys`` in runs of at most ``max_count`` keys and ``max_chars`` characters once joined."""
    batch, size = [], 0
    for key in keys:
        grown = size + len(separator) + len(key) if batch else len(key)
        if batch and ((max_count and len(batch) >= max_count) or (max_chars and grown > max_chars)):
            yield batch
            batch, grown = [], len(key)
        batch.append(key)
        size = grown
    if batch:
        yield batch


def _checked_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"not an http(s) URL to purge through: {url!r}")
    return url.rstrip("/")


def _describe(error, timeout):
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout} s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return str(error) or type(error).__name__


def http_request(method, url, *, headers, body=None, timeout):
    """``(status, reason, body)`` of one request; PurgeError if no answer came.

    http.client rather than urllib: no redirects followed (a POST turned
    into a GET would look like success) and no proxy from the environment
    between the app and its own Varnish.
    """
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        # Enough for an API's error message; nothing here needs more.
        return response.status, response.reason, response.read(65536)
    except (OSError, http.client.HTTPException) as error:
        raise PurgeError(f"{method} {url}: {_describe(error, timeout)}") from error
    finally:
        connection.close()


def _excerpt(body):
    return body.decode("utf-8", "replace").strip()[:200]


class VarnishPurger(Purger):
    """``PURGE`` with ``xkey-purge: <keys>`` to each Varnish (``deploy/varnish/newsroom.vcl``).

    ``urls``: one URL or a list, one per Varnish instance (each has its own
    cache). ``secret``: sent as ``X-Purge-Token``, for the VCL's purge token.
    ``timeout``: seconds per request; the first attempt runs in the
    request that saved, so keep it short.
    """

    # Keys per request: Varnish refuses request headers over http_req_hdr_len
    # (8 KB by default); half of it leaves room for everything else.
    MAX_HEADER_CHARS = 4000

    def __init__(self, urls, secret=None, timeout=1.0):
        if isinstance(urls, str):
            urls = [urls]
        self.urls = [_checked_url(url) for url in urls]
        if not self.urls:
            raise ImproperlyConfigured("VarnishPurger needs at least one URL.")
        self.secret = secret or None
        self.timeout = timeout

    def __str__(self):
        return f"Varnish {' '.join(self.urls)}"

    def purge(self, keys):
        failures = []
        for url in self.urls:
            try:
                for batch in batches(keys, max_chars=self.MAX_HEADER_CHARS):
                    headers = {"xkey-purge": " ".join(batch)}
                    if self.secret:
                        headers["X-Purge-Token"] = self.secret
                    status, reason, _body = http_request("PURGE", url, headers=headers, timeout=self.timeout)
                    if status != 200:
                        raise PurgeError(f"PURGE {url}: {status} {reason}")
            except PurgeError as error:
                # The other instances are still purged; the retry repeats
                # all of them, which is harmless.
                failures.append(str(error))
        if failures:
            raise PurgeError("; ".join(failures))


class FastlyPurger(Purger):
    """Fastly's batch purge by surrogate key: ``POST /service/<id>/purge``.

    The keys go in a ``Surrogate-Key`` request header, at most 256 a request
    (Fastly's limit); ``Fastly-Key`` carries the API token, which needs the
    ``purge_select`` scope. ``soft=True`` marks pages stale instead of
    removing them (``Fastly-Soft-Purge: 1``), so Fastly may serve them while
    it revalidates; leave it off if a withdrawn story must never be served.
    ``base_url`` is Fastly's API; change it only to test.
    """

    API = "https://api.fastly.com"
    MAX_KEYS = 256

    def __init__(self, service_id, api_token, *, soft=False, timeout=2.0, base_url=API):
        if not service_id or not api_token:
            raise ImproperlyConfigured("FastlyPurger needs service_id and api_token.")
        self.service_id = service_id
        self.api_token = api_token
        self.soft = soft
        self.timeout = timeout
        self.base_url = _checked_url(base_url)

    def __str__(self):
        return f"Fastly service {self.service_id}"

    def purge(self, keys):
        url = f"{self.base_url}/service/{urllib.parse.quote(self.service_id, safe='')}/purge"
        for batch in batches(keys, max_count=self.MAX_KEYS):
            headers = {"Fastly-Key": self.api_token, "Surrogate-Key": " ".join(batch), "Accept": "application/json"}
            if self.soft:
                headers["Fastly-Soft-Purge"] = "1"
            status, reason, body = http_request("POST", url, headers=headers, body=b"", timeout=self.timeout)
            if status != 200:
                raise PurgeError(f"Fastly: {status} {reason} {_excerpt(body)}".rstrip())


class CloudflarePurger(Purger):
    """Cloudflare's purge by cache tag: ``POST /zones/<zone>/purge_cache`` with ``{"tags": […]}``.

    Cloudflare reads a page's tags from its ``Cache-Tag`` header. At most 100
    tags a request on every plan (Enterprise allows 500: ``batch_size=500``).
    The API token (``Authorization: Bearer``) needs the zone's "Cache Purge"
    permission. ``base_url`` is Cloudflare's API; change it only to test.
    """

    API = "https://api.cloudflare.com/client/v4"

    def __init__(self, zone_id, api_token, *, batch_size=100, timeout=2.0, base_url=API):
        if not zone_id or not api_token:
            raise ImproperlyConfigured("CloudflarePurger needs zone_id and api_token.")
        self.zone_id = zone_id
        self.api_token = api_token
        self.batch_size = batch_size
        self.timeout = timeout
        self.base_url = _checked_url(base_url)

    def __str__(self):
        return f"Cloudflare zone {self.zone_id}"

    def purge(self, keys):
        url = f"{self.base_url}/zones/{urllib.parse.quote(self.zone_id, safe='')}/purge_cache"
        headers = {"Authorization": f"Bearer {self.api_token}", "Content-Type": "application/json"}
        for batch in batches(keys, max_count=self.batch_size):
            body = json.dumps({"tags": batch}).encode()
            status, reason, answer = http_request("POST", url, headers=headers, body=body, timeout=self.timeout)
            if status != 200 or not _cloudflare_success(answer):
                raise PurgeError(f"Cloudflare: {status} {reason} {_excerpt(answer)}".rstrip())


def _cloudflare_success(body):
    """Cloudflare's own verdict: ``{"success": true, …}`` (a 200 alone is not enough)."""
    try:
        return json.loads(body).get("success") is True
    except (ValueError, AttributeError):
        return False


# --- Configuration -----------------------------------------------------------

_purgers = None
_purgers_lock = threading.Lock()


def load_purgers(entries):
    """Purger instances for ``ARTICLES_PURGERS``-shaped ``entries``."""
    made = []
    for entry in entries:
        if not isinstance(entry, dict) or "BACKEND" not in entry:
            raise ImproperlyConfigured(f"ARTICLES_PURGERS entries are dicts with a BACKEND, not {entry!r}.")
        made.append(import_string(entry["BACKEND"])(**entry.get("OPTIONS", {})))
    return tuple(made)


def purgers():
    """This process's purgers, made from ``ARTICLES_PURGERS`` on first use."""
    global _purgers
    loaded = _purgers
    if loaded is None:
        with _purgers_lock:
            if _purgers is None:
                _purgers = load_purgers(settings.PURGERS)
            loaded = _purgers
    return loaded


@receiver(setting_changed)
def _forget_purgers(*, setting, **kwargs):
    global _purgers
    if setting == "ARTICLES_PURGERS":
        _purgers = None


# --- Retries -----------------------------------------------------------------


@dataclasses.dataclass
class _Retry:
    keys: set
    failures: int  # attempts that failed since these keys were last added to
    due: float


class RetryWorker:
    """Failed purges, tried again in one daemon thread of this process.

    ``delays``: seconds before each retry (:data:`RETRY_DELAYS` by default);
    after ``len(delays)`` failed retries the keys are given up with an ERROR.
    A retry for a purger takes in the keys of every later failure; new keys
    start the schedule again, so none is given up before its full share of
    attempts.
    """

    def __init__(self, delays=None):
        self.delays = tuple(RETRY_DELAYS if delays is None else delays)
        self._condition = threading.Condition()
        self._pending = {}  # purger -> _Retry
        self._busy = set()  # purgers being retried right now
        self._thread = None
        self._stopped = False

    def is_pending(self, purger):
        with self._condition:
            return purger in self._pending or purger in self._busy

    def submit(self, purger, keys):
        with self._condition:
            self._add(purger, set(keys))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="articles-purge-retry", daemon=True)
                self._thread.start()
            self._condition.notify()

    def stop(self):
        """End the thread, leaving pending keys unpurged (tests; a new worker takes over)."""
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def _add(self, purger, keys):
        retry = self._pending.get(purger)
        if retry is None:
            self._pending[purger] = _Retry(keys, 0, time.monotonic() + self.delays[0])
        elif not keys <= retry.keys:
            retry.keys |= keys
            retry.failures = 0

    def _run(self):
        while True:
            with self._condition:
                while True:
                    if self._stopped:
                        return
                    now = time.monotonic()
                    due = [purger for purger, retry in self._pending.items() if retry.due <= now]
                    if due:
                        break
                    wake = min((retry.due for retry in self._pending.values()), default=None)
                    self._condition.wait(None if wake is None else wake - now)
                work = [(purger, self._pending.pop(purger)) for purger in due]
                self._busy.update(purger for purger, _retry in work)
            for purger, retry in work:
                try:
                    self._attempt(purger, retry)
                finally:
                    with self._condition:
                        self._busy.discard(purger)

    def _attempt(self, purger, retry):
        keys = sorted(retry.keys)
        attempt = retry.failures + 1
        error = _try(purger, keys)
        if error is None:
            logger.info("%s: purged %d key(s) on retry %d", purger, len(keys), attempt)
            return
        with self._condition:
            newer = self._pending.pop(purger, None)  # keys that failed while this attempt ran
            merged = retry.keys | (newer.keys if newer else set())
            failures = 0 if merged != retry.keys else attempt
            if failures >= len(self.delays):
                _give_up(purger, sorted(merged), f"{attempt + 1} attempts, the last: {error}")
                return
            delay = self.delays[failures]
            self._pending[purger] = _Retry(merged, failures, time.monotonic() + delay)
        logger.info("%s: purge retry %d failed (%s); next in %s s", purger, attempt, error, delay)

    def flush(self):
        """Try every pending retry once more, now; give up on what still fails."""
        with self._condition:
            work = list(self._pending.items())
            self._pending.clear()
        for purger, retry in work:
            keys = sorted(retry.keys)
            error = _try(purger, keys)
            if error is not None:
                _give_up(purger, keys, f"the process is exiting: {error}")


def _try(purger, keys):
    """``None`` if ``purger`` purged ``keys``, else the error, logged if unexpected."""
    try:
        purger.purge(keys)
    except PurgeError as error:
        return error
    except Exception as error:
        # A purger of the site's own may fail in ways nobody listed. This runs
        # after a commit, inside the editor's request: raising here would turn
        # a saved change into a 500, so it is logged (with its traceback: it
        # is a bug) and retried like any other failure.
        logger.exception("%s: purge raised an unexpected error", purger)
        return error
    return None


def _give_up(purger, keys, why):
    logger.error(
        "%s: gave up purging (%s). These keys may be stale at the edge for up to %s s "
        "(Surrogate-Control max-age, ARTICLES_EDGE_MAX_AGE); once the edge answers, run "
        "`manage.py purge_edge %s`",
        purger,
        why,
        settings.EDGE_MAX_AGE,
        " ".join(keys),
    )


_worker = None
_worker_lock = threading.Lock()


def retry_worker():
    """This process's :class:`RetryWorker`, made with :data:`RETRY_DELAYS` on first use."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = RetryWorker()
        return _worker


def reset():
    """Forget the purgers and stop the retry worker (tests, and a forked child)."""
    global _purgers, _worker
    _purgers = None
    if _worker is not None:
        _worker.stop()
    _worker = None


def _after_fork_in_child():
    # The parent's retry thread does not exist in the child, and its locks
    # may have been held at the fork: the child starts from nothing (the
    # parent still owns its pending retries).
    global _purgers_lock, _worker_lock, _worker
    _purgers_lock = threading.Lock()
    _worker_lock = threading.Lock()
    _worker = None


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _flush_at_exit():
    if _worker is not None:
        _worker.flush()


# --- The entry point ---------------------------------------------------------


def purge(keys, using=None):
    """Drop the pages carrying any of ``keys`` from every edge cache; never raises.

    Call it once per committed change, from ``transaction.on_commit(…,
    using=alias)`` with ``using`` that alias (it is named in the log): purged
    before the commit, the edge could fetch and keep the old version again.
    Returns at once when no purger is configured.
    """
    try:
        configured = purgers()
    except CONFIGURATION_ERRORS as error:
        logger.error("ARTICLES_PURGERS cannot be loaded (%s); not purged: %s", error, " ".join(map(str, keys)))
        return
    if not configured:
        return
    try:
        keys = check_keys(keys)
    except ValueError as error:
        # A bug in the caller; purge the keys that can be purged.
        logger.error("%s", error)
        keys = sorted({key for key in keys if isinstance(key, str) and _KEY.fullmatch(key)})
    if not keys:
        return
    worker = retry_worker()
    for purger in configured:
        if worker.is_pending(purger):
            worker.submit(purger, keys)
            continue
        error = _try(purger, keys)
        if error is None:
            continue
        if isinstance(error, PurgeError):
            logger.warning(
                "%s: purge after a commit on %r failed (%s); retrying in the background: %s",
                purger,
                using or "default",
                error,
                " ".join(keys),
            )
        worker.submit(purger, keys)
