"""A cache outage is never a reader outage (articles.resilient_cache, articles.page_cache)."""

import logging
import os
import socket
import urllib.parse
import uuid

import pytest
from django.core.cache import caches

from articles.delivery import resilient_cache
from articles.delivery.resilient_cache import CacheBreaker, ReaderCache
from newsroom.settings import cache_from_url
from tests.cache_backends import CacheServerGone
from tests.tcp_relay import TcpRelay
from tests.test_http_caching import CACHED_PAGE_QUERIES
from tests.test_queries import ARTICLE_PAGE_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_process_copies(settings):
    """These tests are about the shared cache: keep pages out of the process's own copies."""
    settings.ARTICLES_PAGE_CACHE_PROCESS_ENTRIES = 0


HEADLINE = "US says it would consider working with Russia on"
BACKOFF = 5  # ARTICLES_CACHE_BACKOFF_SECONDS' default


class Clock:
    now = 1000.0

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The breakers' clock, moved on by hand."""
    clock = Clock()
    monkeypatch.setattr(resilient_cache, "_clock", lambda: clock.now)
    return clock


@pytest.fixture
def broken_cache(settings, clock):
    """The default cache, failing on every call until its ``down`` is cleared."""
    settings.CACHES = {"default": {"BACKEND": "tests.cache_backends.FlakyCache", "LOCATION": "cache-outage"}}
    cache = caches["default"]
    yield cache
    cache.down = False
    cache.clear()  # what a test stored after the cache came back


@pytest.fixture
def story_url(seed_story):
    return seed_story.get_absolute_url()


def cache_log(caplog, level):
    return [record for record in caplog.records if record.name.startswith("articles") and record.levelno == level]


# Every reader page with something only the seed story puts there.
READER_PAGES = [
    ("/", HEADLINE),
    ("/section/world/", HEADLINE),
    ("/tag/syria/", HEADLINE),
    ("/author/our-foreign-staff/", HEADLINE),
    ("/search/?q=Tillerson", HEADLINE),
    ("/feeds/rss/", HEADLINE),
    ("/feeds/atom/", HEADLINE),
    ("/feeds/section/world/rss/", HEADLINE),
    ("/feeds/tag/syria/atom/", HEADLINE),
    ("/feeds/author/our-foreign-staff/rss/", HEADLINE),
    ("/sitemap.xml", "/sitemap-stories-2017-07.xml"),  # the seed story's month
    ("/sitemap-news.xml", "<urlset"),  # the last two days only: empty, but answering
    ("/sitemap-stories-2017-07.xml", "/us-russia-no-fly-zones-syria-tillerson/"),
]


def test_story_page_is_rendered_while_the_cache_fails(client, broken_cache, story_url, django_assert_num_queries):
    for _ in range(3):
        # Rendered every time (nothing could be stored), at the uncached page's cost.
        with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
            response = client.get(story_url)
        assert response.status_code == 200
        assert HEADLINE in response.content.decode()
        assert "public" in response["Cache-Control"]


@pytest.mark.parametrize(("url", "shown"), READER_PAGES)
def test_every_reader_page_answers_while_the_cache_fails(client, broken_cache, seed_story, url, shown):
    response = client.get(url)
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_conditional_get_works_while_the_cache_fails(client, broken_cache, story_url, django_assert_num_queries):
    first = client.get(story_url)
    assert first.status_code == 200
    with django_assert_num_queries(CACHED_PAGE_QUERIES):  # the stored render decides; no rendering
        response = client.get(story_url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 304
    assert response["ETag"] == first["ETag"]
    response = client.get(story_url, headers={"if-modified-since": first["Last-Modified"]})
    assert response.status_code == 304
    assert client.get(story_url, headers={"if-none-match": '"something-else"'}).status_code == 200


def test_an_outage_logs_one_warning_naming_the_cache_and_the_error(client, broken_cache, story_url, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="articles")
    for _ in range(4):  # across several back-offs, each retry failing again
        for _ in range(3):
            assert client.get(story_url).status_code == 200
        clock.advance(BACKOFF)
    [warning] = cache_log(caplog, logging.WARNING)
    message = warning.getMessage()
    assert "'default'" in message
    assert "CacheServerGone: connection to the cache server was lost" in message
    assert warning.name == "articles.delivery.resilient_cache"
    assert warning.exc_info is None  # one line, no traceback
    assert not cache_log(caplog, logging.ERROR)


@pytest.mark.parametrize("backoff", [None, 30])
def test_the_cache_is_skipped_during_the_backoff_then_tried_again(
    client, broken_cache, story_url, clock, settings, backoff
):
    if backoff is not None:
        settings.ARTICLES_CACHE_BACKOFF_SECONDS = backoff
    backoff = backoff or BACKOFF
    client.get(story_url)
    assert broken_cache.calls == 1  # the get failed; the set was not even tried
    client.get(story_url)
    clock.advance(backoff - 0.5)
    client.get(story_url)
    assert broken_cache.calls == 1
    clock.advance(0.5)
    client.get(story_url)
    assert broken_cache.calls == 2  # one retry, failed: skipped again
    client.get(story_url)
    assert broken_cache.calls == 2


def test_the_page_cache_is_used_again_once_the_cache_answers(
    client, broken_cache, story_url, clock, caplog, django_assert_num_queries
):
    caplog.set_level(logging.INFO, logger="articles")
    client.get(story_url)
    broken_cache.down = False
    client.get(story_url)  # still within the back-off: not asked
    assert broken_cache.calls == 1
    assert not cache_log(caplog, logging.INFO)

    clock.advance(BACKOFF + 2)
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        rendered = client.get(story_url)  # a miss: rendered and stored
    with django_assert_num_queries(CACHED_PAGE_QUERIES):
        cached = client.get(story_url)
    assert cached.content == rendered.content
    [info] = cache_log(caplog, logging.INFO)
    assert info.getMessage() == "Cache 'default' answers again after 7.0 s unavailable; using it again."
    assert len(cache_log(caplog, logging.WARNING)) == 1


def test_a_second_outage_is_reported_again(client, broken_cache, story_url, clock, caplog):
    client.get(story_url)
    broken_cache.down = False
    clock.advance(BACKOFF)
    client.get(story_url)
    broken_cache.down = True
    clock.advance(60)
    client.get(story_url)
    assert len(cache_log(caplog, logging.WARNING)) == 2


def test_when_a_backoff_ends_one_caller_retries_and_the_others_wait(settings, clock):
    breaker = CacheBreaker("default")
    breaker.failed(CacheServerGone("gone"))
    assert not breaker.allows()
    clock.advance(BACKOFF)
    assert breaker.allows()  # this caller tries the cache…
    assert not breaker.allows()  # …while another request in the meantime skips it
    breaker.succeeded()
    assert breaker.allows()
    assert breaker.allows()


def test_after_one_failure_the_other_operations_skip_the_cache(broken_cache):
    cache = ReaderCache("default")
    assert cache.get("headline", "fallback") == "fallback"
    assert cache.set("headline", "stored", 60) is None
    assert cache.delete("headline") is False
    assert broken_cache.calls == 1


@pytest.mark.parametrize("operation", ["get", "set", "delete"])
def test_each_operation_survives_the_backend_failing(broken_cache, operation):
    cache = ReaderCache("default")
    result = {
        "get": lambda: cache.get("headline", "fallback"),
        "set": lambda: cache.set("headline", "stored", 60),
        "delete": lambda: cache.delete("headline"),
    }[operation]()
    assert result == {"get": "fallback", "set": None, "delete": False}[operation]
    assert broken_cache.calls == 1


def test_reader_cache_passes_through_while_the_cache_works(broken_cache):
    broken_cache.down = False
    cache = ReaderCache("default")
    cache.set("headline", "stored", 60)
    assert cache.get("headline") == "stored"
    assert cache.delete("headline") is True
    assert cache.get("headline", "gone") == "gone"


def test_an_unknown_cache_alias_is_still_an_error(settings):
    from django.core.cache import InvalidCacheBackendError

    with pytest.raises(InvalidCacheBackendError):
        ReaderCache("no-such-cache").get("headline")


# Real Redis clients against servers that are not there.


def _redis_caches(url, **extra):
    pytest.importorskip("redis")
    return {"default": {**cache_from_url(url), **extra}}


def _unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_redis_where_nothing_listens(client, settings, story_url, caplog, django_assert_num_queries):
    settings.CACHES = _redis_caches(f"redis://127.0.0.1:{_unused_port()}/0")
    for _ in range(2):
        with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
            response = client.get(story_url)
        assert response.status_code == 200
        assert HEADLINE in response.content.decode()
    [warning] = cache_log(caplog, logging.WARNING)
    assert "ConnectionError" in warning.getMessage()


def test_redis_cache_gives_up_within_a_second():
    # Without them redis-py waits 5 s for a Redis that hangs (older releases: forever).
    options = cache_from_url("redis://127.0.0.1:6379/0")["OPTIONS"]
    assert 0 < options["socket_connect_timeout"] <= 1
    assert 0 < options["socket_timeout"] <= 1


@pytest.fixture
def hanging_server():
    """A loopback port that takes connections and never answers, like a Redis that hangs."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        yield listener.getsockname()[1]


def test_redis_that_hangs_times_out_instead_of_holding_the_reader(client, settings, story_url, hanging_server, caplog):
    settings.CACHES = _redis_caches(f"redis://127.0.0.1:{hanging_server}/0")
    response = client.get(story_url)
    assert response.status_code == 200
    assert HEADLINE in response.content.decode()
    [warning] = cache_log(caplog, logging.WARNING)
    assert "TimeoutError" in warning.getMessage()


# The page cache against the suite's real Redis, taken away and brought back.


@pytest.fixture
def live_redis():
    """(scheme, userinfo, host, port, db) of TEST_CACHE_URL when it is a Redis this run can reach."""
    url = urllib.parse.urlsplit(os.environ.get("TEST_CACHE_URL", ""))
    if url.scheme != "redis":
        pytest.skip("needs TEST_CACHE_URL=redis://…, as CI's PostgreSQL pass sets it")
    pytest.importorskip("redis")
    host, port = url.hostname or "127.0.0.1", url.port or 6379
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {host}:{port} is unreachable in CI: {error}")
        pytest.skip(f"Redis at {host}:{port} is unreachable: {error}")
    userinfo = url.netloc.rpartition("@")[0]
    return userinfo, host, port, url.path


def test_page_cache_on_real_redis_rides_out_an_outage(
    client, settings, story_url, clock, caplog, live_redis, django_assert_num_queries
):
    caplog.set_level(logging.INFO, logger="articles")
    userinfo, host, port, path = live_redis
    with TcpRelay((host, port)) as relay:
        through_relay = f"redis://{userinfo + '@' if userinfo else ''}127.0.0.1:{relay.port}{path}"
        # Our own key prefix: the suite's Redis database is shared, and nothing here needs clearing.
        settings.CACHES = _redis_caches(through_relay, KEY_PREFIX=f"outage-test-{uuid.uuid4().hex}")
        settings.ARTICLES_PAGE_CACHE_SECONDS = 60

        with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
            cold = client.get(story_url)
        with django_assert_num_queries(CACHED_PAGE_QUERIES):
            assert client.get(story_url).content == cold.content

        relay.cut()  # Redis stops
        for _ in range(3):
            with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
                response = client.get(story_url)
            assert response.status_code == 200
            assert HEADLINE in response.content.decode()
        [warning] = cache_log(caplog, logging.WARNING)
        assert "ConnectionError" in warning.getMessage()

        relay.restore()  # Redis is back, with the page it held
        clock.advance(BACKOFF)
        with django_assert_num_queries(CACHED_PAGE_QUERIES):
            assert client.get(story_url).content == cold.content
        [info] = cache_log(caplog, logging.INFO)
        assert "answers again" in info.getMessage()
