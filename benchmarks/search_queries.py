"""How fast is full-text search on a big archive? p50/p95 of search pages, admin search and indexing.

    .venv/bin/python benchmarks/search_queries.py \\
        --database postgres://postgres@127.0.0.1:5432/nr_search_200k

``--database`` names a PostgreSQL archive already built and indexed
(``benchmarks/build_archive.py``, or any filled database after
``manage.py rebuild_search_index``); this script never creates, fills or
drops one. It writes only a staff account for the admin and, if missing,
the seed story (whose body holds the rare word ``Tillerson``).

Requests go through the project's WSGI application (``newsroom.wsgi``) in-process with the page cache
off (``ARTICLES_PAGE_CACHE=None``): every search does the work measured
here. Printed per search: p50 and p95 in ms, the queries per request, and
the ratio of its p95 to the baseline's in the same run (the search page
with no words, which lists the newest stories). Searched: a rare word, the
most frequent word of a sample of headlines (a common word), a phrase of
two common words, the common word minus another, the common word within a
section, and the admin changelist searching the common word.

Last, ``index_stories`` on 1,000 random stories, timed inside a
transaction that is rolled back (ms per 1,000 stories: what an import
batch pays to index itself).
"""

import argparse
import collections
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

STAFF_USERNAME = "search-benchmark"


def _common_words():
    from articles.models import Article

    headlines = Article.objects.published().order_by("-published_at").values_list("headline", flat=True)[:2000]
    words = collections.Counter(
        word.lower().strip(".,:;!?\"'")
        for headline in headlines
        for word in headline.split()
        if len(word) > 3 and word.lower() not in harness.PLAIN_WORDS
    )
    return [word for word, _ in words.most_common(2)]


class SQLTimer:
    """Adds up the time a request spends in database calls (``execute_wrapper``)."""

    def __init__(self):
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - start) * 1000


def _percentile(times, fraction):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def targets(args):
    from articles.models import Section

    common, other = _common_words()
    section = Section.objects.order_by("pk").first()
    search = "/search/?"
    found = [
        ("no words (baseline)", "/search/", False),
        (f'rare word "{args.rare}"', search + urlencode({"q": args.rare}), False),
        (f'common word "{common}"', search + urlencode({"q": common}), False),
        (f'common word "{common}", newest first', search + urlencode({"q": common, "ordering": "newest"}), False),
        (f'phrase "{args.phrase}"', search + urlencode({"q": f'"{args.phrase}"'}), False),
        (f'exclusion "{common} -{other}"', search + urlencode({"q": f"{common} -{other}"}), False),
    ]
    if section is not None:
        query = urlencode({"q": common, "section": section.slug})
        found.append((f'"{common}" in section {section.slug}', search + query, False))
    found.append((f'admin search "{common}"', "/admin/articles/article/?" + urlencode({"q": common}), True))
    found.append((f'admin search "{args.rare}"', "/admin/articles/article/?" + urlencode({"q": args.rare}), True))
    return found


def measure_indexing(samples):
    from django.db import connection, transaction

    from articles.models import Article
    from articles.search import index_stories

    last = Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    times = []
    for _ in range(samples):
        pks = random.sample(range(1, last + 1), min(1000, last))
        with transaction.atomic():
            start = time.perf_counter()
            index_stories(pks)
            times.append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)
    connection.close()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="the archive's PostgreSQL URL")
    parser.add_argument("--requests", type=int, default=40, help="measured requests per search (default 40)")
    parser.add_argument(
        "--rare", default=harness.RARE_WORD, help=f"the rare word (default {harness.RARE_WORD}, the seed story's)"
    )
    parser.add_argument("--phrase", default="city council", help='the phrase (default "city council")')
    parser.add_argument("--index-samples", type=int, default=3, help="index_stories runs of 1,000 stories")
    args = parser.parse_args(argv)
    harness.setup_archive(args.database)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from articles.models import Article
    from articles.search import search_config

    if connection.vendor != "postgresql":
        sys.exit("search_queries: --database must be a PostgreSQL URL")
    if not Article.objects.filter(slug=harness.SEED_SLUG).exists():
        call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    harness.print_conditions("Full-text search on PostgreSQL")
    stories = Article.objects.count()
    published = Article.objects.published().count()
    print(f"archive: {stories:,} stories ({published:,} published), text-search config {search_config()!r}")
    app = harness.project_application()
    cookie = harness.staff_cookie(STAFF_USERNAME)
    rows = []
    with override_settings(ARTICLES_PAGE_CACHE=None):
        for name, path, staff in targets(args):
            extra = {"HTTP_COOKIE": cookie} if staff else {}
            counter = harness.QueryCounter()
            with connection.execute_wrapper(counter):
                status, _body = harness.call(app, path, **extra)
            for _ in range(3):  # warm the caches the way a live site is warm
                harness.call(app, path, **extra)
            times, sql_times = [], []
            for _ in range(args.requests):
                sql = SQLTimer()
                with connection.execute_wrapper(sql):
                    start = time.perf_counter()
                    harness.call(app, path, **extra)
                    times.append((time.perf_counter() - start) * 1000)
                sql_times.append(sql.ms)
            rows.append(
                (
                    name,
                    status.split()[0],
                    counter.count,
                    _percentile(times, 0.5),
                    _percentile(times, 0.95),
                    _percentile(sql_times, 0.5),
                    _percentile(sql_times, 0.95),
                )
            )
    base_p95 = rows[0][4]
    print(
        f"\n{'search':50} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>8}"
        f" {'SQL p50':>8} {'SQL p95':>8}"
    )
    for name, status, queries, p50, p95, sql50, sql95 in rows:
        print(
            f"{name:50} {status:>6} {queries:>7} {p50:8.1f} {p95:8.1f} {p95 / base_p95:8.2f} {sql50:8.1f} {sql95:8.1f}"
        )
    print("(SQL: time spent in the database calls of a request; the rest is Python and templates.)")
    if args.index_samples:
        times = measure_indexing(args.index_samples)
        print(
            f"\nindex_stories, 1,000 random stories (rolled back): "
            f"median {sorted(times)[len(times) // 2]:.0f} ms, runs {', '.join(f'{t:.0f}' for t in times)} ms"
        )


if __name__ == "__main__":
    main()
