"""Do reader pages, search and the admin stay flat as the archive grows? p50/p95 per page and size.

    .venv/bin/python benchmarks/archive_pages.py \\
        --database postgres://postgres@127.0.0.1:5432/archive_1k \\
        --database postgres://postgres@127.0.0.1:5432/archive_100k \\
        --database postgres://postgres@127.0.0.1:5432/archive_1m

Each ``--database`` names an archive already built (``benchmarks/build_archive.py``
builds them; this script never creates, fills or drops one, and writes to
it only a staff account for the admin and, if missing, the seed story).
The first one is the baseline the others are compared with.

One worker process per database (the project's own settings, ``DEBUG``
off, ``CONN_MAX_AGE`` and ``CACHE_URL`` as the environment says) calls
the project's WSGI application (``newsroom.wsgi``, as gunicorn loads it)
in-process, as ``article_page.py`` does. The workers
take turns, page by page and round by round, so that the machine's noise
falls on every archive size alike, and report each request's time; the
parent prints p50 and p95, the queries per request and the ratio of each
p95 to the baseline's, against the issue's targets (within 1.5x of the
baseline and under 100 ms; reader search under 50 ms).

The page cache is turned off for the measured requests
(``ARTICLES_PAGE_CACHE=None``): a page-cache hit costs the same whatever
the archive's size (``article_page.py`` measures hits), while the first
request after every save, and every search, does the work measured here.
So these figures are the worst a reader waits, not the usual, except for
one thing: each process keeps the story cards it drew
(``articles.delivery.cards``, on by default), and a page asked for again
finds its twenty cards kept. Lists and searches whose stories have not
been shown since they changed draw their cards, so the home page and a
common word's search are measured that way too (the rows ending
"cards drawn": each request given an empty shelf of cards, and the
process's own shelf put back afterwards, so the other pages are not
measured cold because of them).

The pages are found in each archive the same way: the section with the
most stories, the tag on most stories, the author with most bylines, the
newest story, the first full month's story sitemap; search for a rare
word (``Tillerson``: the seed story only), the word most frequent in a
sample of headlines (ranked, and newest first), a phrase from a sampled
headline, the most prolific author's name (words in a few percent of
stories), that common word with section and tag filters and with the
author, and a phrase from one of the tag's (the author's) own stories with
the tag (the author).
"""

import argparse
import collections
import json
import re
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

# Targets measured with no story card kept, as the first list after a change to its stories.
CARDS_DRAWN = ", cards drawn"
MAX_RATIO = 1.5
MAX_MS = 100
SEARCH_MAX_MS = 50
STAFF_USERNAME = "archive-benchmark"


# ---------------------------------------------------------------- worker


def _common_word(headlines):
    words = collections.Counter(
        word.lower() for headline in headlines for word in re.findall(r"[A-Za-z]{4,}", headline)
    )
    for word, _count in words.most_common():
        if word not in harness.PLAIN_WORDS:
            return word
    return "news"


def _phrase(headline):
    """The first two words of ``headline``, quoted."""
    return '"' + " ".join(re.findall(r"[A-Za-z]+", headline)[:2]) + '"'


def _story_part(app):
    """A story sitemap part from the index: the second one listed (a full month, not the current one)."""
    _status, body = harness.call(app, "/sitemap.xml")
    parts = re.findall(r"<loc>https?://[^/<]+(/[^<]*sitemap-stor[^<]*)</loc>", body.decode())
    if not parts:
        return None
    return parts[1] if len(parts) > 1 else parts[0]


def targets(app):
    """(name, path, needs staff) for every page measured, found in this archive."""
    from urllib.parse import urlencode

    from django.db.models import Count
    from taggit.models import Tag

    from articles.models import Article, Author, Byline, Section, TaggedArticle

    published = Article.objects.published()
    newest = published.order_by("-published_at", "-pk").first()
    section = Section.objects.annotate(stories=Count("articles")).order_by("-stories", "pk").first()
    top_tag = TaggedArticle.objects.values("tag").annotate(n=Count("pk")).order_by("-n", "tag")[0]["tag"]
    tag = Tag.objects.get(pk=top_tag)
    top_author = Byline.objects.values("author").annotate(n=Count("pk")).order_by("-n", "author")[0]["author"]
    author = Author.objects.get(pk=top_author)
    # A double-barrelled surname, as readers type a reporter's name: the query holds a phrase of its parts.
    double_barrelled = (
        Author.objects.filter(name__regex=r"\w-\w").annotate(n=Count("bylines")).order_by("-n", "pk").first()
    )
    sample = list(published.order_by("pk").values_list("headline", flat=True)[:200])
    common = _common_word(sample)
    phrase = _phrase(sample[len(sample) // 2] if sample else "no-fly zones")

    # From one of the tag's (the author's) own stories, so that every archive's page lists at least one.
    def first_headline(stories):
        return stories.order_by("pk").values_list("headline", flat=True).first() or ""

    tag_phrase = _phrase(first_headline(published.filter(tags=tag)))
    author_phrase = _phrase(first_headline(published.by_author(author)))

    def search(**params):
        return "/search/?" + urlencode(params)

    found = [
        ("home", "/", False),
        ("home" + CARDS_DRAWN, "/", False),
        ("story page", newest.get_absolute_url(), False),
        ("section, page 1", f"/section/{section.slug}/", False),
        ("section, page 50", f"/section/{section.slug}/?page=50", False),
        ("most-used tag", f"/tag/{tag.slug}/", False),
        ("most-used tag, page 50", f"/tag/{tag.slug}/?page=50", False),
        ("most prolific author", f"/author/{author.slug}/", False),
        ("most prolific author, page 50", f"/author/{author.slug}/?page=50", False),
        ("search: rare word", search(q=harness.RARE_WORD), False),
        (f"search: common word ({common})", search(q=common), False),
        ("search: common word" + CARDS_DRAWN, search(q=common), False),
        ("search: common word, newest first", search(q=common, ordering="newest"), False),
        # A word in a few percent of stories, as a reporter's or a place's name is.
        ("search: the most prolific author's name", search(q=author.name), False),
        ("search: the most prolific author's name, newest first", search(q=author.name, ordering="newest"), False),
        ("search: the most prolific author's name, section", search(q=author.name, section=section.slug), False),
        (f"search: phrase {phrase}", search(q=phrase), False),
        *(
            [("search: a hyphenated surname", search(q=double_barrelled.name.split()[-1]), False)]
            if double_barrelled
            else []
        ),
        ("search: common word, section + tag", search(q=common, section=section.slug, tag=tag.slug), False),
        ("search: common word, author", search(q=common, author=author.slug), False),
        ("search: phrase, tag", search(q=tag_phrase, tag=tag.slug), False),
        ("search: phrase, author", search(q=author_phrase, author=author.slug), False),
        ("feed: RSS", "/feeds/rss/", False),
        ("feed: Atom", "/feeds/atom/", False),
        ("feed: section RSS", f"/feeds/section/{section.slug}/rss/", False),
        ("feed: tag RSS", f"/feeds/tag/{tag.slug}/rss/", False),
        ("feed: author Atom", f"/feeds/author/{author.slug}/atom/", False),
        ("sitemap index", "/sitemap.xml", False),
        ("news sitemap", "/sitemap-news.xml", False),
        ("admin changelist, search", "/admin/articles/article/?" + urlencode({"q": common}), True),
    ]
    part = _story_part(app)
    if part:
        found.insert(-1, ("story sitemap part", part, False))
    return found


def worker(url):
    """Serve the parent's commands on stdin: one JSON line in, one JSON line out."""
    harness.setup_archive(url)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from articles.delivery import cards
    from articles.delivery.bounded import Bounded
    from articles.models import Article

    if not Article.objects.filter(slug=harness.SEED_SLUG).exists():
        call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    app = harness.project_application()
    cookie = harness.staff_cookie(STAFF_USERNAME)
    found = {name: (path, staff) for name, path, staff in targets(app)}
    out = sys.stdout
    out.write(json.dumps({"targets": list(found), "conditions": harness.conditions()}) + "\n")
    out.flush()
    for line in sys.stdin:
        command = json.loads(line)
        path, staff = found[command["target"]]
        extra = {"HTTP_COOKIE": cookie} if staff else {}
        # Untimed: an empty shelf, so that every card is drawn; the process's own is put back below.
        kept_cards = cards.shelf
        if command["target"].endswith(CARDS_DRAWN):

            def before():
                cards.shelf = Bounded("KEPT_CARDS")

        else:

            def before():
                pass

        with override_settings(ARTICLES_PAGE_CACHE=None):
            if command["op"] == "run":
                times = []
                for _ in range(command["count"]):
                    before()
                    start = time.perf_counter()
                    harness.call(app, path, **extra)
                    times.append((time.perf_counter() - start) * 1000)
                reply = {"times": times}
            elif command["op"] == "split":
                # Where a request's time goes, measured apart from the timings
                # (the wrapper costs each query a little): the database's wall
                # time and this process's CPU time, per request.
                database, python = [], []
                for _ in range(command["count"]):
                    before()
                    timer = harness.QueryTimer()
                    with connection.execute_wrapper(timer):
                        cpu = time.process_time()
                        harness.call(app, path, **extra)
                        python.append((time.process_time() - cpu) * 1000)
                    database.append(timer.seconds * 1000)
                reply = {"database": database, "python": python}
            else:  # "check": status, size and queries of one request
                before()
                counter = harness.QueryCounter()
                with connection.execute_wrapper(counter):
                    status, body = harness.call(app, path, **extra)
                reply = {"status": status, "bytes": len(body), "queries": counter.count, "path": path}
        cards.shelf = kept_cards
        out.write(json.dumps(reply) + "\n")
        out.flush()


# ---------------------------------------------------------------- parent


class Worker:
    def __init__(self, url):
        self.url = url
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = json.loads(self.process.stdout.readline() or "{}")
        if "targets" not in hello:
            sys.exit(f"archive_pages: the worker for {harness._without_password(url)} did not start")
        self.targets = hello["targets"]
        self.conditions = hello["conditions"]

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def _first_page(name, names):
    """The first page of the list ``name`` is a deep page of ("most-used tag" for "most-used tag, page 50")."""
    if ", page " not in name or name.endswith(", page 1"):
        return None
    head = name.rsplit(", page ", 1)[0]
    for candidate in (head, f"{head}, page 1"):
        if candidate in names and candidate != name:
            return candidate
    return None


def _percentile(times, fraction):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _name_of(target):
    # Search targets carry their word in the name, which differs by archive.
    return re.sub(r" \(.*\)| \".*\"", "", target)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", default=[], help="an archive's URL; the first is the baseline")
    parser.add_argument("--requests", type=int, default=60, help="measured requests per page and archive (default 60)")
    parser.add_argument("--rounds", type=int, default=6, help="turns the archives take (default 6)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page first (default 3)")
    parser.add_argument("--skip", metavar="REGEX", help="leave out the pages whose name matches, e.g. 'search|admin'")
    parser.add_argument(
        "--split", type=int, default=20, help="requests per page for the database / Python split (default 20; 0: none)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    if not args.database:
        parser.error("name at least one archive with --database")

    workers = [Worker(url) for url in args.database]
    try:
        measure(workers, args)
    finally:
        for each in workers:
            each.close()


def measure(workers, args):
    names = [_name_of(target) for target in workers[0].targets]
    if args.skip:
        names = [name for name in names if not re.search(args.skip, name)]
    by_name = [{_name_of(target): target for target in each.targets} for each in workers]
    checks = [{} for _ in workers]
    for index, each in enumerate(workers):
        for name in names:
            target = by_name[index].get(name)
            if target is None:
                continue
            each.ask(op="run", target=target, count=args.warmup)
            checks[index][name] = each.ask(op="check", target=target)

    times = [collections.defaultdict(list) for _ in workers]
    per_round = max(1, args.requests // args.rounds)
    for turn in range(args.rounds):
        for name in names:
            order = list(range(len(workers)))
            shift = turn % len(order)
            for index in order[shift:] + order[:shift]:
                target = by_name[index].get(name)
                if target is not None:
                    times[index][name] += workers[index].ask(op="run", target=target, count=per_round)["times"]

    print("Reader pages, search and the admin by archive size: in-process WSGI, page cache off, interleaved")
    for index, each in enumerate(workers):
        label = "baseline" if index == 0 else f"archive {index + 1}"
        print(f"{label}: {harness._without_password(each.url)}")
        for line in each.conditions:
            print(f"  {line}")
    print(f"{per_round * args.rounds} measured requests per page and archive, in {args.rounds} rounds")
    header = f"{'page':<36}" + "".join(f"{'p50 / p95 ms, queries':>30}" for _ in workers)
    print(header)
    missed = []
    stand_ins = []
    for name in names:
        row = f"{name:<36}"
        base_p95 = None
        # A deep page the baseline does not have (a 404: a thousand stories make
        # no page 50) is compared with the same list's first page there.
        base_check = checks[0].get(name)
        stand_in = _first_page(name, names)
        if base_check and stand_in and not base_check["status"].startswith("200") and times[0].get(stand_in):
            base_p95 = _percentile(times[0][stand_in], 0.95)
            stand_ins.append((name, stand_in))
        for index in range(len(workers)):
            measured = times[index].get(name)
            check = checks[index].get(name)
            if not measured:
                row += f"{'—':>30}"
                continue
            p50, p95 = _percentile(measured, 0.5), _percentile(measured, 0.95)
            status = check["status"].split()[0]
            flag = "" if status in ("200", "301", "302") else f" [{status}]"
            cell = f"{p50:7.1f} / {p95:6.1f}, {check['queries']:2d}q{flag}"
            if index == 0:
                if base_p95 is None:
                    base_p95 = p95
            else:
                ratio = p95 / base_p95
                cell += f" {ratio:4.1f}x"
                limit = SEARCH_MAX_MS if name.startswith("search") else MAX_MS
                if ratio > MAX_RATIO or p95 > limit:
                    missed.append((name, index, ratio, p95, limit))
            row += f"{cell:>30}"
        print(row)
    print(f"targets: each p95 within {MAX_RATIO}x of the baseline's and under {MAX_MS} ms (search {SEARCH_MAX_MS} ms)")
    for name, stand_in in stand_ins:
        print(f"  {name}: the baseline has no such page; compared with its {stand_in!r}")
    if not missed:
        print("  met on every page")
    for name, index, ratio, p95, limit in missed:
        print(f"  MISSED {name} on archive {index + 1}: {ratio:.1f}x the baseline, p95 {p95:.1f} ms (limit {limit})")
    print(f"where the time goes, p50 of {args.split} more requests each: database (wall) / Python (CPU) ms")
    for name in names:
        row = f"{name:<36}"
        for index, each in enumerate(workers):
            target = by_name[index].get(name)
            if target is None or not args.split:
                row += f"{'—':>30}"
                continue
            split = each.ask(op="split", target=target, count=args.split)
            row += f"{_percentile(split['database'], 0.5):13.1f} / {_percentile(split['python'], 0.5):6.1f}" + " " * 8
        print(row)
    print("pages measured (per archive):")
    for index in range(len(workers)):
        for name in names:
            check = checks[index].get(name)
            if check:
                print(f"  [{index + 1}] {name:<34} {check['status']:<16} {check['bytes']:>9,} B  {check['path']}")


if __name__ == "__main__":
    main()
