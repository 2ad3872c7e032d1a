"""The app under gunicorn behind a real Varnish with deploy/varnish/newsroom.vcl.

``pytest -m edge`` selects these. They need Debian's ``varnish`` and
``varnish-modules`` (vmod_xkey) and skip without them, except when ``CI`` is
set: then a missing Varnish fails the run.

Nothing runs in pytest-django's test database. In a temporary directory a
SQLite file database is migrated and loaded with the seed story by
``manage.py`` subprocesses; gunicorn serves it (``DEBUG=0``) and Varnish
sits in front, both on free loopback ports. An editor's changes are made by
another process (tests/edge/editor.py) with the same environment, so they
commit and purge as a save in the admin would, and every assertion is about
what a reader gets from Varnish's port: the changed pages fresh on the very
next request, a withdrawn story gone at once, unrelated pages still served
from Varnish's cache (``X-Cache: HIT`` and ``MAIN.cache_hit`` going up).
"""

import contextlib
import dataclasses
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from articles.delivery.purging import PurgeError, VarnishPurger
from tests.servers import free_port, unavailable, wait_for

pytestmark = pytest.mark.edge

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"
EDITOR = ROOT / "tests" / "edge" / "editor.py"
# Debian installs varnishd in /usr/sbin, which is not on every user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
PURGE_SECRET = "edge-test-purge-token"
WHAT = "the edge cache test"

# Pages that share nothing (section, tag, author, related stories) with the
# World stories the tests edit: every edit must leave them in Varnish.
UNRELATED = ["/section/sport/", "/tag/football/", "/author/sports-desk/"]


def render_vcl(backend_port, secret):
    """deploy/varnish/newsroom.vcl with the test's backend and purge token."""
    text = VCL.read_text()
    for line, replacement in [
        ('.port = "8000";', f'.port = "{backend_port}";'),
        ('set req.http.X-Newsroom-Purge-Secret = "";', f'set req.http.X-Newsroom-Purge-Secret = "{secret}";'),
    ]:
        assert text.count(line) == 1, f"{VCL.name} no longer has {line!r} once; update render_vcl()"
        text = text.replace(line, replacement)
    return text


@dataclasses.dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def cache(self):
        return self.headers.get("X-Cache")


def fetch(port, path, *, method="GET", headers=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


@dataclasses.dataclass
class Stack:
    port: int
    app_port: int
    env: dict
    workdir: Path
    varnishstat: str
    paths: dict

    def request(self, path, **kwargs):
        return fetch(self.port, path, **kwargs)

    def get(self, path, **kwargs):
        return self.request(path, **kwargs)

    def cached(self, path):
        """GET ``path`` until Varnish serves it from its cache, and return that copy."""
        self.get(path)
        answer = self.get(path)
        assert answer.status == 200, f"{path}: {answer.status}"
        assert answer.cache == "HIT", f"{path} is not cached by Varnish: X-Cache {answer.cache}"
        return answer

    def cache_hits(self):
        result = subprocess.run(
            [self.varnishstat, "-n", str(self.workdir), "-1", "-f", "MAIN.cache_hit"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return int(result.stdout.split()[1])

    def edit(self, action, *args):
        """One editor's save, committed (and purged) by a process of its own."""
        result = run([sys.executable, str(EDITOR), action, *args], self.env)
        return json.loads(result.stdout.strip().splitlines()[-1])["path"]


def run(command, env):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def varnish_tools():
    varnishd = shutil.which("varnishd", path=SEARCH_PATH)
    varnishstat = shutil.which("varnishstat", path=SEARCH_PATH)
    if not varnishd or not varnishstat:
        unavailable("varnishd is not installed (apt-get install varnish varnish-modules)", WHAT)
    return varnishd, varnishstat


@contextlib.contextmanager
def varnish_in_front(tmp, backend_port):
    """Varnish with the shipped VCL in front of ``backend_port``: its port, while it runs."""
    varnishd, _varnishstat = varnish_tools()
    vcl = tmp / "newsroom.vcl"
    vcl.write_text(render_vcl(backend_port, PURGE_SECRET))
    # -j none: run as the current user. As root varnishd would switch to
    # the varnish user, who may not read or write the temporary directory.
    compiled = subprocess.run(
        [varnishd, "-j", "none", "-C", "-f", str(vcl), "-n", str(tmp / "vcc")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if compiled.returncode != 0:
        if "Could not find VMOD xkey" in compiled.stderr:
            unavailable("vmod_xkey is not installed (apt-get install varnish-modules)", WHAT)
        pytest.fail(f"{VCL.name} does not compile:\n{compiled.stderr}")
    port = free_port()
    log = tmp / "varnishd.log"
    command = [varnishd, "-F", "-j", "none", "-n", str(tmp), "-a", f"127.0.0.1:{port}", "-f", str(vcl)]
    # Counters summed after every request, so varnishstat keeps up.
    command += ["-s", "malloc,64m", "-p", "thread_stats_rate=1"]
    varnish = subprocess.Popen(
        command,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(port, varnish, log)
        yield port
    finally:
        stop(varnish)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    _varnishd, varnishstat = varnish_tools()
    tmp = tmp_path_factory.mktemp("edge")
    app_port = free_port()
    # The suite's own settings and switches stay out: this is the project
    # as deployed, from its environment.
    inherited = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "CACHE_URL", "VARNISH_PURGE_URLS"}
    env = {name: value for name, value in os.environ.items() if name not in inherited}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'newsroom.sqlite3'}",
        DEBUG="0",
        SECRET_KEY="edge-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        # The app's own page cache: shared Redis where the suite has one
        # (CI's PostgreSQL run), else none (a per-process locmem cache could
        # not see the editor process's changes).
        CACHE_URL=os.environ.get("TEST_CACHE_URL", "dummy://"),
        PYTHONPATH=str(ROOT),
    )
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    # DEBUG off: pages link the hashed static files collectstatic records.
    run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    run([sys.executable, "manage.py", "loaddata", "syria-no-fly-zones", "-v0"], env)
    # Before Varnish is up: there is nothing to purge yet.
    setup = run([sys.executable, str(EDITOR), "setup"], env)
    paths = json.loads(setup.stdout.strip().splitlines()[-1])["paths"]

    with varnish_in_front(tmp, app_port) as varnish_port:
        env.update(VARNISH_PURGE_URLS=f"http://127.0.0.1:{varnish_port}", VARNISH_PURGE_SECRET=PURGE_SECRET)
        app_log = tmp / "gunicorn.log"
        app = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{app_port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=app_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(app_port, app, app_log)
            yield Stack(varnish_port, app_port, env, tmp, varnishstat, paths)
        finally:
            stop(app)


# --- The VCL's rules, against a backend that answers as scripted ------------------------

KEYED = {"Cache-Control": "public, max-age=1", "Surrogate-Control": "max-age=86400"}
SCRIPT = {
    # The app's reader page: a minute for browsers, a day for the edge.
    "/keyed/1": (
        200,
        {**KEYED, "xkey": "page-1 pair site", "Surrogate-Key": "page-1 pair site", "Cache-Tag": "page-1"},
    ),
    "/keyed/2": (
        200,
        {**KEYED, "xkey": "page-2 pair site", "Surrogate-Key": "page-2 pair site", "Cache-Tag": "page-2"},
    ),
    "/browser-lifetime-only": (200, {"Cache-Control": "public, max-age=1"}),
    # Personal, whatever Surrogate-Control says.
    "/private": (200, {"Cache-Control": "private", "Surrogate-Control": "max-age=86400", "xkey": "site"}),
    "/sets-a-cookie": (200, {"Cache-Control": "public, max-age=60", "Set-Cookie": "csrftoken=x; Path=/"}),
    # A scheduled story is due now: the edge must ask again.
    "/due-now": (200, {"Cache-Control": "public, max-age=60", "Surrogate-Control": "max-age=0", "xkey": "site"}),
    # No lifetime and no keys: a redirect, a 404, an error.
    "/no-lifetime": (404, {}),
}


class ScriptedBackend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.fetches[self.path] = self.server.fetches.get(self.path, 0) + 1
        status, headers = SCRIPT[self.path]
        body = f"{self.path} #{self.server.fetches[self.path]}".encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """(Varnish's port, the backend's fetch count per path)."""
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedBackend)
    backend.fetches = {}
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        with varnish_in_front(tmp_path_factory.mktemp("vcl"), backend.server_address[1]) as port:
            yield port, backend.fetches
    finally:
        backend.shutdown()
        backend.server_close()


def test_the_edge_keeps_a_page_for_its_surrogate_control_lifetime(scripted):
    port, _fetches = scripted
    for path in ("/keyed/1", "/browser-lifetime-only"):
        fetch(port, path)
        assert fetch(port, path).cache == "HIT"

    time.sleep(2)  # both Cache-Control lifetimes (1 s) are over

    page = fetch(port, "/keyed/1")
    assert page.cache == "HIT"  # Surrogate-Control: a day
    assert fetch(port, "/browser-lifetime-only").cache == "MISS"
    assert page.headers["Cache-Control"] == "public, max-age=1"  # browsers get the app's own
    for header in ("xkey", "Surrogate-Key", "Surrogate-Control"):
        assert header not in page.headers
    assert page.headers["Cache-Tag"] == "page-1"  # for a Cloudflare in front


@pytest.mark.parametrize("path", ["/private", "/sets-a-cookie", "/due-now", "/no-lifetime"])
def test_what_the_app_does_not_mark_cacheable_is_not_cached(scripted, path):
    port, fetches = scripted
    before = fetches.get(path, 0)

    answers = [fetch(port, path) for _ in range(3)]

    assert "HIT" not in [answer.cache for answer in answers]
    assert fetches[path] == before + 3


def test_an_xkey_purge_drops_exactly_the_pages_with_the_key(scripted):
    port, _fetches = scripted
    for path in ("/keyed/1", "/keyed/2"):
        fetch(port, path)
        assert fetch(port, path).cache == "HIT"

    VarnishPurger(f"http://127.0.0.1:{port}", secret=PURGE_SECRET).purge(["page-1"])

    assert fetch(port, "/keyed/1").cache == "MISS"
    assert fetch(port, "/keyed/2").cache == "HIT"
    answer = fetch(port, "/", method="PURGE", headers={"xkey-purge": "pair", "X-Purge-Token": PURGE_SECRET})
    assert answer.text.strip() == "Purged 2"
    assert fetch(port, "/keyed/2").cache == "MISS"


def test_the_purger_with_a_wrong_secret_is_refused(scripted):
    port, _fetches = scripted

    with pytest.raises(PurgeError, match="403"):
        VarnishPurger(f"http://127.0.0.1:{port}", secret="not-the-secret").purge(["page-1"])


# --- What Varnish caches and what it passes: the app behind it ---------------------------


def test_anonymous_reader_pages_are_cached_without_their_keys(stack):
    first = stack.get("/")
    second = stack.get("/")

    assert first.status == second.status == 200
    assert first.cache in ("MISS", "HIT")
    assert second.cache == "HIT"
    assert second.text == first.text
    for header in ("xkey", "Surrogate-Key", "Surrogate-Control"):
        assert header not in second.headers


def test_a_signed_in_editor_is_never_served_from_the_cache(stack):
    stack.cached("/")

    for _ in range(2):
        answer = stack.get("/", headers={"Cookie": "csrftoken=abc; sessionid=an-editors-session"})
        assert answer.cache == "PASS"
        assert "private" in answer.headers["Cache-Control"]

    assert stack.get("/").cache == "HIT"  # nor did the editor's page replace the readers' copy


def test_other_cookies_do_not_split_the_cache(stack):
    stack.cached("/section/world/")

    answer = stack.get("/section/world/", headers={"Cookie": "csrftoken=abc; _ga=GA1.2.3"})

    assert answer.cache == "HIT"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/admin/login/", {}),
        ("GET", "/preview/1/", {}),
        ("GET", "/", {"Authorization": "Basic ZWRpdG9yOnB3"}),
        ("POST", "/search/", {"Content-Length": "0"}),
    ],
)
def test_admin_previews_credentials_and_posts_pass(stack, method, path, headers):
    for _ in range(2):
        answer = stack.request(path, method=method, headers=headers)
        assert answer.cache == "PASS", f"{method} {path}: {answer.status} {answer.cache}"


def test_responses_without_a_lifetime_are_not_cached(stack):
    for _ in range(2):
        answer = stack.get("/tag/no-such-tag/")
        assert answer.status == 404
        assert answer.cache != "HIT"


def test_purging_needs_the_token_and_an_allowed_address(stack):
    def purge(headers, source="127.0.0.1"):
        return stack.request("/", method="PURGE", headers={"xkey-purge": "site", **headers}, source=source)

    assert purge({}).status == 403
    assert purge({"X-Purge-Token": "guessed"}).status == 403
    # Loopback, but not in the `purgers` ACL.
    assert purge({"X-Purge-Token": PURGE_SECRET}, source="127.0.0.2").status == 403
    assert stack.request("/", method="PURGE", headers={"X-Purge-Token": PURGE_SECRET}).status == 400
    assert stack.request("/", method="BAN", headers={"X-Purge-Token": PURGE_SECRET}).status == 405

    done = purge({"X-Purge-Token": PURGE_SECRET})

    assert done.status == 200
    assert done.text.startswith("Purged ")


def test_purge_edge_command_reaches_varnish(stack):
    result = run([sys.executable, "manage.py", "purge_edge", "article-1", "list-home"], stack.env)

    assert "purged article-1 list-home" in result.stdout


# --- Freshness after an editor's save (needs the app's keys: articles.delivery) --------


@pytest.fixture
def unrelated(stack):
    """Cache the unrelated pages; after the test they must still be hits."""
    pages = [*UNRELATED, stack.paths["cup-final-report"]]
    for path in pages:
        stack.cached(path)
    hits = stack.cache_hits()
    yield
    for path in pages:
        assert stack.get(path).cache == "HIT", f"{path} was purged by an edit it does not show"
    # Varnish adds each worker's counts to MAIN.cache_hit in batches, so
    # the counter is read until it moves (X-Cache above is the exact check).
    deadline = time.monotonic() + 10
    while stack.cache_hits() <= hits:
        assert time.monotonic() < deadline, "MAIN.cache_hit did not go up"
        time.sleep(0.1)


def story_part(path):
    """The story sitemap part of the month in a story's address (``/2017/07/07/slug/``)."""
    year, month = path.split("/")[1:3]
    return f"/sitemap-stories-{year}-{month}.xml"


def test_a_published_story_appears_at_once(stack, unrelated):
    # The new story is published now, as the Aleppo story was: the same month's part.
    part = story_part(stack.paths["aleppo-aid-convoy"])
    pages = ["/", "/section/world/", "/tag/syria/", "/feeds/rss/", part, "/sitemap-news.xml"]
    pages.append(stack.paths["us-russia-no-fly-zones-syria-tillerson"])  # its related stories
    for path in pages:
        assert "astana" not in stack.cached(path).text.lower()

    path = stack.edit("publish", "ceasefire-talks-in-astana", "Ceasefire talks open in Astana")

    assert stack.get(path).status == 200
    for page in pages:
        answer = stack.get(page)
        assert answer.status == 200
        assert "Ceasefire talks open in Astana" in answer.text or path in answer.text, f"{page} is stale"


def test_a_new_headline_is_on_every_page_at_once(stack, unrelated):
    story = stack.paths["aleppo-aid-convoy"]
    pages = [story, "/", "/section/world/", "/tag/syria/", "/tag/g20/", "/feeds/rss/"]
    pages.append(stack.paths["us-russia-no-fly-zones-syria-tillerson"])
    for path in pages:
        assert "Aid convoy reaches Aleppo" in stack.cached(path).text

    stack.edit("headline", "aleppo-aid-convoy", "Aid convoy reaches besieged Aleppo")

    for page in pages:
        assert "Aid convoy reaches besieged Aleppo" in stack.get(page).text, f"{page} is stale"


def test_a_correction_is_shown_at_once(stack, unrelated):
    story = stack.paths["us-russia-no-fly-zones-syria-tillerson"]
    stack.cached(story)

    stack.edit("correct", "us-russia-no-fly-zones-syria-tillerson", "An earlier version misdated the G20 summit.")

    assert "An earlier version misdated the G20 summit." in stack.get(story).text


def test_retagging_moves_the_story_between_tag_pages_at_once(stack, unrelated):
    story = stack.paths["aleppo-aid-convoy"]
    assert story in stack.cached("/tag/g20/").text
    stack.cached(story)
    assert stack.get("/tag/diplomacy/").status == 404

    stack.edit("retag", "aleppo-aid-convoy", "+Diplomacy", "-G20")

    assert story not in stack.get("/tag/g20/").text
    assert story in stack.get("/tag/diplomacy/").text
    assert "/tag/diplomacy/" in stack.get(story).text


def test_a_withdrawn_story_is_gone_at_once(stack, unrelated):
    story = stack.paths["aleppo-aid-convoy"]
    lists = ["/", "/section/world/", "/tag/syria/", "/feeds/rss/", story_part(story), "/sitemap-news.xml"]
    stack.cached(story)
    for path in lists:
        assert story in stack.cached(path).text

    stack.edit("withdraw", "aleppo-aid-convoy")

    for _ in range(2):
        assert stack.get(story).status == 404
    for path in lists:
        assert story not in stack.get(path).text, f"{path} still lists the withdrawn story"
