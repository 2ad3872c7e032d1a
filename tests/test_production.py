"""The demo as README "Running in production" deploys it: ``make serve``, over real HTTP.

``pytest -m production`` selects these. ``make serve`` runs with the
README's production environment (only the addresses changed: a loopback
port, this machine's database and cache): it migrates, collects the static
files into a temporary STATIC_ROOT, loads the seed story and starts gunicorn
with DEBUG off. The requests then play the TLS proxy in front, sending
``X-Forwarded-Proto: https`` as the documented ``SECURE_PROXY_SSL_HEADER``
expects.

With the suite on PostgreSQL (``DATABASE_URL=postgres://…``) the server gets
a database of its own on that server, created and dropped here, and the
suite's Redis (``TEST_CACHE_URL``) as its cache: CI's second run. Otherwise
it runs on a SQLite file and the per-process cache, the fallback ``make
serve`` documents. It needs ``make``; without it the tests skip, except
when ``CI`` is set: then they fail.
"""

import contextlib
import dataclasses
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import pytest

from articles.delivery.page_cache import CLOCK_SKEW
from benchmarks.harness import stop_group as stop
from tests.servers import free_port, unavailable, wait_for
from tests.test_project import production_environment

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parent.parent
ONE_YEAR = 365 * 24 * 3600
HTTPS = {"X-Forwarded-Proto": "https"}
STORY = "/2017/07/05/us-russia-no-fly-zones-syria-tillerson/"
# Settings the suite's own process carries that a deployment would not.
SUITE_ONLY = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "CACHE_URL", "MAKEFLAGS", "MFLAGS"}


@dataclasses.dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def fetch(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def start(command, env, log):
    # A session of its own, so that stopping it stops make, gunicorn and its workers together.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


@contextlib.contextmanager
def server_database(tmp):
    """``(DATABASE_URL, CACHE_URL)`` for the server, its PostgreSQL database dropped afterwards."""
    suite = os.environ.get("DATABASE_URL", "")
    if not suite.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp / 'newsroom.sqlite3'}", "locmem://"
        return
    import psycopg

    config = dj_database_url.parse(suite)
    name = f"{config['NAME']}_serve"
    address = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": config["NAME"],
    }

    def admin(statement):
        with psycopg.connect(**address, autocommit=True) as connection:
            connection.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{name}"')  # left over by an interrupted run of this test
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield suite.rsplit("/", 1)[0] + f"/{name}", os.environ.get("TEST_CACHE_URL", "locmem://")
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclasses.dataclass
class Server:
    port: int
    env: dict
    media_root: Path

    def get(self, path, headers=None):
        return fetch(self.port, path, {**HTTPS, **(headers or {})})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``make serve`` with the README's production environment, while it runs."""
    make = shutil.which("make")
    if not make:
        unavailable("make is not installed", "the production test")
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    documented = production_environment()
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY and k not in documented}
    env.update(documented)
    # No Varnish here (tests/test_edge_varnish.py runs that): nothing to purge.
    del env["VARNISH_PURGE_URLS"], env["VARNISH_PURGE_SECRET"]
    with server_database(tmp) as (database_url, cache_url):
        env.update(
            SECRET_KEY="production-test-" + "aB9xQz7Lm2" * 5,
            ALLOWED_HOSTS="127.0.0.1",
            CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}",
            DATABASE_URL=database_url,
            CACHE_URL=cache_url,
            STATIC_ROOT=str(tmp / "static"),
            MEDIA_ROOT=str(tmp / "media"),
            BIND=f"127.0.0.1:{port}",
            LOG_LEVEL="WARNING",
        )
        (tmp / "media").mkdir()
        (tmp / "media" / "upload.txt").write_text("an editor's upload")
        log = tmp / "serve.log"
        # -o: use this interpreter's packages as they are, never reinstall them mid-test.
        process = start([make, "-o", ".venv/.installed", "serve", f"PY={sys.executable}"], env, log)
        try:
            wait_for(port, process, log, seconds=90)
            yield Server(port, env, tmp / "media")
        finally:
            stop(process)


def stylesheet(page, name):
    """The hashed URL ``page`` links ``name`` (``articles/newsroom.css``) by."""
    stem, extension = name.rsplit(".", 1)
    found = re.search(rf'href="(/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{extension})"', page.text)
    assert found, f"no hashed link to {name} in the page"
    return found.group(1)


def assert_cached_for_a_year(answer):
    assert answer.status == 200
    cache_control = answer.headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= ONE_YEAR, cache_control
    assert "immutable" in cache_control
    assert "public" in cache_control


@pytest.mark.parametrize("path", ["/", STORY])
def test_reader_pages_and_their_hashed_stylesheets(served, path):
    page = served.get(path)

    assert page.status == 200
    assert "no-fly zones" in page.text
    for name in ("articles/newsroom.css", "articles/print.css"):
        css = served.get(stylesheet(page, name))
        assert_cached_for_a_year(css)
        assert css.headers["Content-Type"].startswith("text/css")
        assert b"{" in css.body


def test_stylesheets_are_sent_compressed_to_browsers_that_accept_it(served):
    url = stylesheet(served.get("/"), "articles/newsroom.css")

    plain = served.get(url)
    gzipped = served.get(url, {"Accept-Encoding": "gzip"})

    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert len(gzipped.body) < len(plain.body)
    assert "Accept-Encoding" in gzipped.headers["Vary"]


def test_the_admins_stylesheets(served):
    login = served.get("/admin/login/")

    assert login.status == 200
    for name in ("admin/css/base.css", "admin/css/login.css"):
        assert_cached_for_a_year(served.get(stylesheet(login, name)))


def test_the_proxy_decides_https(served):
    # Without the proxy's header the request came over plain HTTP: to HTTPS, for good.
    plain = fetch(served.port, "/")
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{served.port}/"

    secure = served.get("/")
    assert secure.status == 200
    assert secure.headers["Strict-Transport-Security"].startswith(f"max-age={ONE_YEAR}")
    assert "upgrade-insecure-requests" in secure.headers["Content-Security-Policy"]


def test_a_forwarded_host_is_not_believed_unless_configured(served):
    page = served.get("/", {"X-Forwarded-Host": "attacker.example"})

    assert page.status == 200
    assert "attacker.example" not in page.text
    assert f'<link rel="canonical" href="https://127.0.0.1:{served.port}/">' in page.text


def test_uploads_are_left_to_the_web_server(served):
    assert (served.media_root / "upload.txt").exists()

    assert served.get("/media/upload.txt").status == 404


def test_the_pages_come_from_the_configured_database_and_cache(served):
    if served.env["DATABASE_URL"].startswith("postgres"):
        import psycopg

        with psycopg.connect(served.env["DATABASE_URL"]) as connection:
            [(stories,)] = connection.execute("SELECT count(*) FROM articles_article").fetchall()
        assert stories == 1  # make serve loaded the seed story there
    if served.env["CACHE_URL"].startswith("redis"):
        import redis

        cache = redis.Redis.from_url(served.env["CACHE_URL"])
        # The page cache keeps no page whose stories changed within its clock
        # skew of the request (CLOCK_SKEW), and ``make serve`` loaded the seed
        # story just before gunicorn started: wait that out, as a reader would.
        time.sleep(CLOCK_SKEW.total_seconds() + 0.5)
        before = cache.dbsize()
        assert served.get("/tag/syria/").status == 200  # a page no other test asks for
        assert cache.dbsize() > before  # the page cache stored it there


def test_the_deploy_check_passes_with_the_servers_environment(served):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=served.env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert not re.search(r"\b[a-z_]+\.W\d{3}\b", output)


def test_without_a_configured_proxy_its_headers_are_ignored(served, tmp_path):
    """gunicorn straight from its config, no proxy settings: a client's X-Forwarded-Proto is just a header.

    gunicorn's own default would believe it from 127.0.0.1 (and the request
    would count as HTTPS); ``deploy/gunicorn.conf.py`` trusts no address
    unless ``FORWARDED_ALLOW_IPS`` names it. Also ``SERVE_MEDIA``: Django
    serving uploads itself, for a laptop.
    """
    port = free_port()
    env = {
        k: v
        for k, v in served.env.items()
        if k not in {"SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "FORWARDED_ALLOW_IPS"}
    }
    env.update(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", SERVE_MEDIA="1", DEBUG="0")
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--config", "deploy/gunicorn.conf.py"]
    process = start(command, env, log)
    try:
        wait_for(port, process, log, seconds=90)
        page = fetch(port, "/", HTTPS)
        upload = fetch(port, "/media/upload.txt")
    finally:
        stop(process)

    assert page.status == 200
    assert "upgrade-insecure-requests" not in page.headers["Content-Security-Policy"]
    assert f'<link rel="canonical" href="http://127.0.0.1:{port}/">' in page.text
    assert upload.status == 200
    assert upload.text == "an editor's upload"


def test_the_story_editor_loads_every_static_file_it_names(served):
    """The admin's change form with the block and prose editors: scripts, styles and the import map's modules."""
    env = {**served.env, "DJANGO_SUPERUSER_PASSWORD": "production-test-pw-8e2f"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "chief",
            "--email",
            "c@example.com",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    login = served.get("/admin/login/")
    csrf = re.search(r"csrftoken=([^;]+)", login.headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    body = f"csrfmiddlewaretoken={token}&username=chief&password=production-test-pw-8e2f&next=/admin/"
    connection.request(
        "POST",
        "/admin/login/",
        body=body,
        headers={
            **HTTPS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"https://127.0.0.1:{served.port}/admin/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 302, response.status
    session = re.search(r"sessionid=([^;]+)", " ".join(response.headers.get_all("Set-Cookie"))).group(1)

    form = served.get("/admin/articles/article/1/change/", {"Cookie": f"sessionid={session}"})

    assert form.status == 200
    assert "no-fly zones" in form.text
    names = set(re.findall(r'"(/static/[^"]+)"', form.text))
    assert any(name.endswith(".js") for name in names) and any(name.endswith(".css") for name in names)
    missing = [name for name in sorted(names) if served.get(name).status != 200]
    assert not missing
