"""Purging the edge caches (articles.delivery.purging) against real HTTP servers on loopback.

Each fake edge is an http.server thread that records what it was sent and
answers as told: Varnish's PURGE, Fastly's and Cloudflare's purge APIs, an
error status, a refused connection (a bound socket that is not listening
yet), a server that never answers.
"""

import dataclasses
import http.server
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import CommandError, call_command

from articles.delivery import purging
from articles.delivery.purging import (
    CloudflarePurger,
    FastlyPurger,
    PurgeError,
    Purger,
    VarnishPurger,
)

ROOT = Path(__file__).resolve().parent.parent
LOGGER = "articles.delivery.purging"


@dataclasses.dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        edge = self.server.edge
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        edge.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
        if edge.hang:
            edge.released.wait(10)
            return
        status = edge.statuses.pop(0) if edge.statuses else 200
        payload = edge.body if status == 200 else b'{"success": false, "errors": [{"message": "nope"}]}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PURGE = do_POST = answer

    def log_message(self, format, *args):
        pass


class FakeEdge:
    """An HTTP server on a loopback port, refusing connections until :meth:`start`."""

    def __init__(self, *, body=b'{"success": true}'):
        # Bound but not listening: the port is ours, and connecting is refused.
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.received = []
        self.statuses = []
        self.body = body
        self.hang = False
        self.released = threading.Event()
        self.server = None

    def start(self):
        self.socket.listen()
        self.server = http.server.ThreadingHTTPServer(self.socket.getsockname(), Handler, bind_and_activate=False)
        self.server.socket.close()
        self.server.socket = self.socket
        self.server.daemon_threads = True
        self.server.edge = self
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        self.released.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        else:
            self.socket.close()

    def purged(self, header="xkey-purge"):
        return [request.headers[header] for request in self.received]


@pytest.fixture
def edges():
    made = []

    def make(**kwargs):
        made.append(FakeEdge(**kwargs))
        return made[-1]

    yield make
    for edge in made:
        edge.stop()


@pytest.fixture
def edge(edges):
    return edges().start()


@pytest.fixture(autouse=True)
def fresh_purging(monkeypatch):
    """Retries a few milliseconds apart, and a new worker and purgers for every test."""
    monkeypatch.setattr(purging, "RETRY_DELAYS", (0.01, 0.02, 0.04))
    purging.reset()
    yield
    purging.reset()


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def varnish_at(settings, *urls, **options):
    settings.ARTICLES_PURGERS = [
        {"BACKEND": "articles.delivery.purging.VarnishPurger", "OPTIONS": {"urls": list(urls), **options}}
    ]


def wait_until(predicate, what):
    """Poll ``predicate``: background retries are asynchronous (a deadline, not a timing assert)."""
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def records(caplog, level):
    return [record for record in caplog.records if record.name == LOGGER and record.levelno == level]


# --- Varnish -------------------------------------------------------------------


def test_varnish_purge_is_a_purge_request_with_the_keys_in_xkey_purge(edge):
    VarnishPurger(edge.url).purge(["article-42", "list-home"])

    [request] = edge.received
    assert request.method == "PURGE"
    assert request.path == "/"
    assert request.headers["xkey-purge"] == "article-42 list-home"
    assert "X-Purge-Token" not in request.headers


def test_varnish_sends_the_secret_as_purge_token(edge):
    VarnishPurger([edge.url], secret="s3cret").purge(["site"])

    assert edge.received[0].headers["X-Purge-Token"] == "s3cret"


def test_varnish_batches_keys_so_a_header_stays_under_4_kb(edge):
    keys = [f"article-{n}" for n in range(2000)]

    VarnishPurger(edge.url).purge(keys)

    headers = edge.purged()
    assert len(headers) > 1
    assert all(len(header) <= VarnishPurger.MAX_HEADER_CHARS for header in headers)
    sent = [key for header in headers for key in header.split(" ")]
    assert sorted(sent) == sorted(keys)


def test_varnish_purges_every_instance_and_reports_the_one_that_failed(edges):
    good, bad = edges().start(), edges().start()
    bad.statuses = [500]

    with pytest.raises(PurgeError) as failure:
        VarnishPurger([bad.url, good.url]).purge(["article-1"])

    assert good.purged() == ["article-1"]
    assert f"PURGE {bad.url}: 500" in str(failure.value)
    assert good.url not in str(failure.value)


def test_varnish_error_status_is_a_purge_error(edge):
    edge.statuses = [403]

    with pytest.raises(PurgeError, match="403"):
        VarnishPurger(edge.url).purge(["site"])


def test_varnish_that_refuses_connections_is_a_purge_error(edges):
    down = edges()

    with pytest.raises(PurgeError, match="connection refused"):
        VarnishPurger(down.url).purge(["site"])


def test_varnish_that_never_answers_times_out(edge):
    edge.hang = True

    with pytest.raises(PurgeError, match=r"no answer within 0\.2 s"):
        VarnishPurger(edge.url, timeout=0.2).purge(["site"])


# --- Fastly and Cloudflare (documented, tested against a fake API) ----------------


def test_fastly_batch_purges_by_surrogate_key(edge):
    keys = [f"article-{n}" for n in range(300)]

    FastlyPurger("SVC1", "fastly-token", base_url=edge.url).purge(keys)

    first, second = edge.received
    assert (first.method, first.path) == ("POST", "/service/SVC1/purge")
    assert first.headers["Fastly-Key"] == "fastly-token"
    assert "Fastly-Soft-Purge" not in first.headers
    assert len(first.headers["Surrogate-Key"].split(" ")) == 256
    assert sorted(edge.purged("Surrogate-Key")[0].split() + edge.purged("Surrogate-Key")[1].split()) == sorted(keys)
    assert second.path == "/service/SVC1/purge"


def test_fastly_soft_purge_header(edge):
    FastlyPurger("SVC1", "fastly-token", soft=True, base_url=edge.url).purge(["site"])

    assert edge.received[0].headers["Fastly-Soft-Purge"] == "1"


def test_fastly_error_does_not_reveal_the_token(edge):
    edge.statuses = [401]

    with pytest.raises(PurgeError, match="Fastly: 401") as failure:
        FastlyPurger("SVC1", "fastly-token", base_url=edge.url).purge(["site"])

    assert "fastly-token" not in str(failure.value)


def test_cloudflare_purges_by_tag_in_batches_of_100(edge):
    keys = [f"tag-{n}" for n in range(250)]

    CloudflarePurger("ZONE9", "cf-token", base_url=f"{edge.url}/client/v4").purge(keys)

    assert [len(json.loads(request.body)["tags"]) for request in edge.received] == [100, 100, 50]
    request = edge.received[0]
    assert (request.method, request.path) == ("POST", "/client/v4/zones/ZONE9/purge_cache")
    assert request.headers["Authorization"] == "Bearer cf-token"
    assert request.headers["Content-Type"] == "application/json"
    assert sorted(tag for r in edge.received for tag in json.loads(r.body)["tags"]) == sorted(keys)


def test_cloudflare_without_success_is_a_purge_error(edges):
    edge = edges(body=b'{"success": false, "errors": [{"code": 1134, "message": "not entitled"}]}').start()

    with pytest.raises(PurgeError, match="not entitled"):
        CloudflarePurger("ZONE9", "cf-token", base_url=edge.url).purge(["site"])


# --- purge(): the call after each commit --------------------------------------------


def test_purge_without_purgers_does_nothing(settings):
    settings.ARTICLES_PURGERS = []

    purging.purge({"article-1"}, using="default")

    assert purging._worker is None  # not even a retry worker was made


def test_purge_reaches_every_configured_purger_at_once(settings, edges, log):
    varnish, fastly = edges().start(), edges().start()
    settings.ARTICLES_PURGERS = [
        {"BACKEND": "articles.delivery.purging.VarnishPurger", "OPTIONS": {"urls": varnish.url}},
        {
            "BACKEND": "articles.delivery.purging.FastlyPurger",
            "OPTIONS": {"service_id": "S", "api_token": "t", "base_url": fastly.url},
        },
    ]

    purging.purge(["list-home", "article-7", "article-7"], using="default")

    assert varnish.purged() == ["article-7 list-home"]
    assert fastly.purged("Surrogate-Key") == ["article-7 list-home"]
    assert records(log, logging.WARNING) == []


def test_failed_purge_warns_once_and_is_retried_until_it_succeeds(settings, edge, log):
    varnish_at(settings, edge.url)
    edge.statuses = [500, 503]

    purging.purge({"article-3"}, using="default")  # does not raise

    [warning] = records(log, logging.WARNING)
    assert f"Varnish {edge.url}" in warning.getMessage()
    assert "500" in warning.getMessage()
    assert "article-3" in warning.getMessage()
    assert warning.exc_info is None  # one line, no traceback
    wait_until(lambda: len(edge.received) == 3, "the retries")
    infos = lambda: [record.getMessage() for record in records(log, logging.INFO)]  # noqa: E731
    wait_until(lambda: any("purged" in message for message in infos()), "the success line")
    assert infos()[-1].endswith("purged 1 key(s) on retry 2")
    assert records(log, logging.ERROR) == []


def test_purge_reaches_a_varnish_that_comes_back(settings, edges, log):
    varnish = edges()
    varnish_at(settings, varnish.url)

    purging.purge({"article-3"})

    assert "connection refused" in records(log, logging.WARNING)[0].getMessage()
    varnish.start()
    wait_until(lambda: varnish.received, "the purge after the restart")
    assert varnish.purged() == ["article-3"]


def test_purges_while_a_retry_is_pending_join_it_without_waiting(settings, edges, log):
    varnish = edges()
    varnish.hang = True  # a Varnish that hangs would cost every save the timeout
    varnish.start()
    varnish_at(settings, varnish.url, timeout=0.2)

    purging.purge({"article-1"})
    purging.purge({"article-2"})
    purging.purge({"list-home"})

    # The first purge waited out the timeout; the others went to the retry.
    assert len(records(log, logging.WARNING)) == 1
    varnish.hang = False
    varnish.released.set()
    wait_until(lambda: "article-1 article-2 list-home" in varnish.purged(), "one retry with every key")


def test_purge_gives_up_with_an_error_naming_the_stale_keys(settings, edge, log):
    varnish_at(settings, edge.url)
    settings.ARTICLES_EDGE_MAX_AGE = 3600
    edge.statuses = [500] * 10

    purging.purge({"article-9", "list-home"})

    wait_until(lambda: records(log, logging.ERROR), "the final error")
    assert len(edge.received) == 1 + len(purging.RETRY_DELAYS)
    [error] = records(log, logging.ERROR)
    message = error.getMessage()
    assert "gave up" in message
    assert "article-9 list-home" in message
    assert "3600 s" in message
    assert "manage.py purge_edge" in message


def test_pending_retries_are_tried_once_more_at_exit(settings, edges, log, monkeypatch):
    varnish = edges()
    varnish_at(settings, varnish.url)
    monkeypatch.setattr(purging, "RETRY_DELAYS", (60,))  # the process exits long before the retry is due
    purging.reset()
    purging.purge({"article-5"})
    varnish.start()

    purging._flush_at_exit()

    assert varnish.purged() == ["article-5"]


def test_a_purger_that_raises_anything_never_fails_the_save(settings, log):
    settings.ARTICLES_PURGERS = [{"BACKEND": "tests.test_purging.BrokenPurger"}]

    purging.purge({"article-1"})

    [error] = records(log, logging.ERROR)
    assert error.exc_info is not None  # a bug: this one keeps its traceback
    assert "unexpected" in error.getMessage()


class BrokenPurger(Purger):
    def purge(self, keys):
        raise KeyError("a bug in a site's own purger")


def test_keys_no_header_can_carry_are_refused_and_the_rest_purged(settings, edge, log):
    varnish_at(settings, edge.url)

    purging.purge({"article-1", "bad key", "with,comma", "list-home"})

    assert edge.purged() == ["article-1 list-home"]
    assert "not a purge key" in records(log, logging.ERROR)[0].getMessage()


def test_a_broken_configuration_is_logged_not_raised(settings, log):
    settings.ARTICLES_PURGERS = [{"BACKEND": "articles.delivery.purging.NoSuchPurger"}]

    purging.purge({"article-1"})

    assert "ARTICLES_PURGERS cannot be loaded" in records(log, logging.ERROR)[0].getMessage()


def test_a_broken_configuration_fails_the_system_check(settings):
    settings.ARTICLES_PURGERS = [{"BACKEND": "articles.delivery.purging.VarnishPurger", "OPTIONS": {"urls": []}}]

    errors = checks.run_checks()

    assert "articles.E002" in {error.id for error in errors}


def test_purgers_are_made_once_and_again_when_the_setting_changes(settings, edges):
    first, second = edges(), edges()
    varnish_at(settings, first.url)
    made = purging.purgers()
    assert purging.purgers() is made

    varnish_at(settings, second.url)

    [purger] = purging.purgers()
    assert purger.urls == [second.url]


# --- manage.py purge_edge ---------------------------------------------------------------


def test_purge_edge_purges_the_given_keys(settings, edge):
    varnish_at(settings, edge.url)

    call_command("purge_edge", "list-home", "article-2", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert edge.purged() == ["article-2 list-home"]


def test_purge_edge_all_purges_the_site_key(settings, edge):
    varnish_at(settings, edge.url)

    call_command("purge_edge", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert edge.purged() == ["site"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give at least one KEY, or --all."),
        (("--all", "site"), "Give keys or --all, not both."),
        (("two words",), "not a purge key"),
    ],
)
def test_purge_edge_refuses_bad_arguments(settings, edge, args, message):
    varnish_at(settings, edge.url)

    with pytest.raises(CommandError, match=message):
        call_command("purge_edge", *args)


def test_purge_edge_without_purgers_says_so(settings):
    settings.ARTICLES_PURGERS = []

    with pytest.raises(CommandError, match="ARTICLES_PURGERS is empty"):
        call_command("purge_edge", "--all")


def run_purge_edge(*args, **env):
    # LOG_LEVEL: only the command's own output, not the apps' start-up lines.
    full_env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "purge-edge-test-" + "x" * 40,
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "purge_edge", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_purge_edge_exit_codes(edges):
    varnish = edges().start()

    done = run_purge_edge("--all", VARNISH_PURGE_URLS=varnish.url, VARNISH_PURGE_SECRET="tok")

    assert done.returncode == 0, done.stderr
    assert varnish.received[0].headers["X-Purge-Token"] == "tok"
    varnish.statuses = [403]
    refused = run_purge_edge("article-1", VARNISH_PURGE_URLS=varnish.url)
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert line == f"CommandError: PURGE {varnish.url}: 403 Forbidden"
