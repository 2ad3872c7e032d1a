"""What the benchmarks share: a throwaway database, requests through the WSGI handler, the conditions.

Both ``article_page.py`` and ``realistic_day.py`` run the project's own
settings (``benchmarks/settings.py`` only adds the bare view's URL and a key
prefix), so what they measure is what a deployment with the same
environment gets. The environment a benchmark sets is only what the
project refuses to start without (``SECRET_KEY``) or production has anyway
(``DEBUG`` off, ``ALLOWED_HOSTS``); everything else — ``CONN_MAX_AGE``,
``CACHE_URL`` — is the project's default unless the shell sets it, and is
printed next to the figures.

The database is a SQLite file in a temporary directory, or, with
``DATABASE_URL=postgres://…/NAME``, the PostgreSQL database NAME, which the
benchmark creates and drops again (it refuses to touch one that already
exists).
"""

import contextlib
import gc
import io
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED_SLUG = "us-russia-no-fly-zones-syria-tillerson"
BARE_PATH = "/__bench__/bare/"
# A word of the seed story only: a search that matches one story in any archive.
RARE_WORD = "Tillerson"
# Words too short or too common in English to tell anything (a search for
# them is mostly a stop word).
PLAIN_WORDS = {"the", "and", "for", "with", "that", "this", "from", "into", "over", "about", "their", "they"}


def staff_cookie(username):
    """A signed-in superuser's cookie header for the admin pages a benchmark times."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())


def setup_archive(url):
    """Django on the benchmark settings, against the archive at ``url`` (a worker process's first step)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": url,
        }
    )
    import django

    django.setup()


def environ(path):
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8",
        "HTTP_USER_AGENT": "newsroom-benchmark",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def project_application():
    """The project's WSGI application as gunicorn loads it: ``newsroom.wsgi``, collection frozen after warm-up."""
    from newsroom.wsgi import application

    return application


def call(app, path, **extra):
    """One request through the WSGI handler (``extra``: more environ, e.g. a cookie); the status line and the body."""
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    result = app({**environ(path), **extra}, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # sends request_finished, as a WSGI server would
    return status[0], body


def _without_password(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


@contextlib.contextmanager
def _postgres_database(url):
    """Create the database ``url`` names, yield, drop it; refuse one that exists already."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        sys.exit("benchmark: DATABASE_URL names no database (postgres://user@host:5432/NAME)")
    maintenance = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            sys.exit(
                f"benchmark: database {name!r} exists already; it creates and drops its own. "
                f"Name another in DATABASE_URL, or drop it (dropdb {name}) if it is a leftover."
            )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()  # the persistent connection would block DROP DATABASE
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def database():
    """The environment and a throwaway database for one benchmark run; Django is set up inside."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "localhost",
        }
    )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as tmp, contextlib.ExitStack() as stack:
        if url.startswith(("postgres://", "postgresql://")):
            stack.enter_context(_postgres_database(url))
        elif url and not url.startswith("sqlite:"):
            sys.exit("benchmark: DATABASE_URL must be postgres://…/NAME, or unset for a temporary SQLite file")
        else:
            # Never the developer's own SQLite file: a fresh one for each run.
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        import django

        django.setup()
        yield


def load_content(stories=0, seed=4, progress=True):
    """Migrate, load the seed story and ``stories`` generated ones."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    if stories:
        from benchmarks.generate_stories import generate

        generate(stories, seed=seed, progress=progress)


class QueryCounter:
    """Counts the queries run on a connection (``execute_wrapper``: no query log, little overhead)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class QueryTimer(QueryCounter):
    """Counts the queries run on a connection and the wall time spent in them."""

    def __init__(self):
        super().__init__()
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return super().__call__(execute, sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class PageCacheLog:
    """Counts the page cache's outcomes ("hit", "miss", "stale") from ``page_cache.outcomes``.

    The page cache keeps that tally for this purpose; reading it costs a
    measured request nothing, where a DEBUG log handler would add a log
    record to every read (its DEBUG lines remain, for a person watching).
    """

    OUTCOMES = ("hit", "miss", "stale")

    def __init__(self):
        self._since = {}

    def _tally(self):
        from articles.delivery import page_cache

        return page_cache.outcomes

    @property
    def counts(self):
        tally = self._tally()
        return {outcome: tally[outcome] - self._since.get(outcome, 0) for outcome in self.OUTCOMES}

    @property
    def total(self):
        return sum(self.counts.values())

    def reset(self):
        self._since = {outcome: self._tally()[outcome] for outcome in self.OUTCOMES}

    @contextlib.contextmanager
    def listening(self):
        self.reset()
        yield self


def _database_version(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT current_setting('server_version'), current_setting('max_parallel_workers_per_gather')"
            )
            version, workers = cursor.fetchone()
            return f"{version} (max_parallel_workers_per_gather {workers})"
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            return "?"
        return cursor.fetchone()[0]


def _cache_description():
    from django.conf import settings
    from django.core.cache import caches

    config = settings.CACHES["default"]
    backend = config["BACKEND"].rsplit(".", 1)[-1]
    if backend == "LocMemCache":
        # Django's local-memory cache culls a third of its entries when full.
        return f"{backend} (per process, at most {caches['default']._max_entries} entries)"
    location = config.get("LOCATION", "")
    return f"{backend} {_without_password(location)}" if location else backend


def cpu_check(repeat=5):
    """Milliseconds for a fixed pure-Python loop (the best of ``repeat``): this machine's speed today.

    Figures from different sessions' machines differ by up to twice for the
    same code; this says how fast the machine was when they were taken.
    """
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        sum(number * number for number in range(1_000_000))
        took = (time.perf_counter() - started) * 1000
        best = took if best is None else min(best, took)
    return best


def conditions():
    """The settings and versions the figures were measured with, one per line."""
    import django
    from django.conf import settings
    from django.db import connection

    from articles.conf import settings as articles_settings
    from articles.models import Article

    db = connection.settings_dict
    health = "on" if db.get("CONN_HEALTH_CHECKS") else "off"
    return [
        f"database       {connection.display_name} {_database_version(connection)}",
        f"connections    CONN_MAX_AGE {db['CONN_MAX_AGE']}, CONN_HEALTH_CHECKS {health}",
        f"cache          {_cache_description()}; ARTICLES_PAGE_CACHE {articles_settings.PAGE_CACHE!r}",
        f"DEBUG          {settings.DEBUG}",
        f"versions       Python {platform.python_version()}, Django {django.get_version()}",
        f"machine        {os.cpu_count()} cores; CPU check {cpu_check():.0f} ms (a fixed Python loop, "
        f"harness.cpu_check: smaller is faster); load average {os.getloadavg()[0]:.1f}",
        f"application    newsroom.wsgi (collection frozen after warm-up; {gc.get_freeze_count():,} objects frozen)",
        f"stories        {Article.objects.published().count():,} published ({Article.objects.count():,} in all)",
    ]


def print_conditions(title):
    print(title)
    for line in conditions():
        print(f"  {line}")


def stop_group(process, grace=20):
    """Stop a server started with ``start_new_session=True`` and everything it started (make, gunicorn, workers).

    SIGTERM first, so it shuts down as in production; SIGKILL after ``grace`` seconds.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
