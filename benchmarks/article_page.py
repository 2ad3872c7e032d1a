"""How much slower is the story page than Django doing nothing? Measured in-process.

    .venv/bin/python benchmarks/article_page.py            # or: make bench
    .venv/bin/python benchmarks/article_page.py --stories 10000 --requests 5000 --page-cache off

Builds a throwaway SQLite database in a temporary directory (migrate,
``loaddata syria-no-fly-zones``, optionally ``--stories`` generated ones),
then calls Django's WSGI handler directly — no server, no test client —
with a crafted environ, for:

- the seed story's page, with the page cache on and/or off;
- a bare view (``benchmarks/urls.py``) returning the same HTML bytes
  through the same middleware: the floor any page has to pay.

After a warm-up, the targets take turns in rounds (a slice of requests
each, in rotating order) so that noise from the machine hits them alike.
It prints milliseconds per request, queries per request and the ratio to
the bare view. The settings are production's (``DEBUG`` off, persistent
database connection ``CONN_MAX_AGE``, ``CACHE_URL`` as given, local memory
by default). Not a test: nothing is asserted about time.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_SLUG = "us-russia-no-fly-zones-syria-tillerson"


def environ(path):
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
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


def call(app, path):
    """One request through the WSGI handler; the status line and the body."""
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    result = app(environ(path), start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # sends request_finished, as a WSGI server would
    return status[0], body


def setup(workdir, stories):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "localhost",
            "CONN_MAX_AGE": "600",
        }
    )
    os.environ.setdefault("CACHE_URL", "locmem://")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    if stories:
        from benchmarks.generate_stories import generate

        generate(stories, seed=4)


def queries_per_request(app, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call(app, path)
    return len(captured)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests per target first (default 200)")
    parser.add_argument("--rounds", type=int, default=20, help="turns the targets take (default 20)")
    parser.add_argument("--stories", type=int, default=0, help="generated stories besides the seed (default 0)")
    parser.add_argument(
        "--page-cache", choices=["on", "off", "both"], default="both", help="measure the story page with/without it"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as tmp:
        setup(Path(tmp), args.stories)

        from django.core.handlers.wsgi import WSGIHandler
        from django.test.utils import override_settings

        from articles.models import Article
        from benchmarks import urls

        app = WSGIHandler()
        story_path = Article.objects.get(slug=SEED_SLUG).get_absolute_url()
        status, body = call(app, story_path)
        if not status.startswith("200"):
            sys.exit(f"the story page answered {status}")
        urls.BARE_BODY = body

        modes = {"on": [True], "off": [False], "both": [True, False]}[args.page_cache]
        targets = [("bare view", "/__bench__/bare/", True)]
        targets += [(f"story page, page cache {'on' if on else 'off'}", story_path, on) for on in modes]

        def run(path, page_cache, count):
            with override_settings(ARTICLES_PAGE_CACHE="default" if page_cache else None):
                start = time.perf_counter()
                for _ in range(count):
                    call(app, path)
                return time.perf_counter() - start

        for _name, path, page_cache in targets:
            run(path, page_cache, args.warmup)
            status, body = call(app, path)
            if not status.startswith("200") or body != urls.BARE_BODY:
                sys.exit(f"{path} did not serve the story page's bytes ({status})")

        totals = {name: 0.0 for name, _path, _on in targets}
        per_round = max(1, args.requests // args.rounds)
        for turn in range(args.rounds):
            shift = turn % len(targets)
            for name, path, page_cache in targets[shift:] + targets[:shift]:
                totals[name] += run(path, page_cache, per_round)
        measured = per_round * args.rounds

        floor = totals["bare view"] / measured
        print(f"{measured} requests per target after {args.warmup} warm-up, {args.rounds} interleaved rounds;")
        print(f"{Article.objects.published().count()} published stories; page body {len(urls.BARE_BODY):,} bytes")
        for name, path, page_cache in targets:
            ms = totals[name] / measured * 1000
            with override_settings(ARTICLES_PAGE_CACHE="default" if page_cache else None):
                queries = queries_per_request(app, path)
            ratio = "" if name == "bare view" else f"  ratio {totals[name] / measured / floor:5.1f}"
            print(f"  {name:<30} {ms:7.3f} ms/request  {queries:2d} queries{ratio}")


if __name__ == "__main__":
    main()
