"""How much slower is the story page than Django doing nothing? Measured in-process.

    .venv/bin/python benchmarks/article_page.py            # or: make bench
    .venv/bin/python benchmarks/article_page.py --stories 10000 --requests 5000
    .venv/bin/python benchmarks/article_page.py --pictures 10   # lead picture, image block, 10-picture gallery
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench make bench

Builds a throwaway database (``benchmarks/harness.py``: a temporary SQLite
file, or the PostgreSQL database ``DATABASE_URL`` names, created and dropped),
loads the seed story (and ``--stories`` generated ones), then calls the project's
WSGI application (``newsroom.wsgi``) directly — no server, no test client — with a crafted environ,
for three targets:

- a bare view (``benchmarks/urls.py``) returning the story page's exact
  bytes through the same middleware: the floor any page has to pay;
- the seed story's page served from the page cache (a hit);
- the same page uncached: the page cache turned off with
  ``ARTICLES_PAGE_CACHE=None``.

How the page cache is turned off for one target: ``override_settings``
around that target's slice of requests, not a second URL configuration.
The request is then identical in every other way — same path, same URL
resolver, same middleware, same view wrapper — and what is measured is
exactly a deployment that runs without the page cache; the setting is
read per request (``articles.conf``), and switching it costs nothing per
request (it happens once per slice, outside the clock). A second URL
configuration would have measured a differently wrapped view.

After a warm-up, the targets take turns in rounds (a slice of requests
each, in rotating order) so that noise from the machine hits them alike.
It prints milliseconds per request, queries per request and the ratio to
the bare view, flags them against the issue's targets (uncached at most 5x
the bare view and at most 4 queries; a page-cache hit at most 1.5x), and
prints the conditions: database and version, cache, ``CONN_MAX_AGE``,
``DEBUG``, Python and Django, stories. The settings are the project's
defaults (``DEBUG`` off); the benchmark sets no tuning of its own, so
``CONN_MAX_AGE`` and ``CACHE_URL`` are whatever the environment says, as in
a deployment. Not a test: nothing is asserted about time.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

UNCACHED_MAX_RATIO = 5
UNCACHED_MAX_QUERIES = 4
HIT_MAX_RATIO = 1.5


def verdict(met):
    return "met" if met else "MISSED"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests per target first (default 200)")
    parser.add_argument("--rounds", type=int, default=20, help="turns the targets take (default 20)")
    parser.add_argument("--stories", type=int, default=0, help="generated stories besides the seed (default 0)")
    parser.add_argument(
        "--pictures",
        type=int,
        default=0,
        metavar="N",
        help="give the seed story a lead picture, an image block and a gallery of N library pictures "
        "(renditions made first, in a temporary MEDIA_ROOT; default 0: the seed as it ships, without pictures)",
    )
    parser.add_argument(
        "--page-cache",
        choices=["on", "off", "both"],
        default="both",
        help="measure the story page as a page-cache hit (on), uncached (off) or both (default)",
    )
    args = parser.parse_args(argv)

    from django.test.utils import override_settings

    # Pictures go to a throwaway MEDIA_ROOT: where files go changes nothing a page costs.
    with harness.database(), tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        harness.load_content(args.stories)
        if args.pictures:
            add_pictures(args.pictures)
        measure(args)


def add_pictures(count):
    """The seed story with a lead picture, an image block and a ``count``-picture gallery, all from the library."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image as Pillow
    from PIL import ImageDraw

    from articles.models import Article, Gallery, GalleryBlock, GalleryItem, Image, ImageBlock

    def picture(n):
        drawn = Pillow.new("RGB", (1600, 1067), (40 + n * 17 % 200, 90, 140))
        ImageDraw.Draw(drawn).ellipse((900, 150, 1300, 550), fill=(240, 200, 90))
        buffer = io.BytesIO()
        drawn.save(buffer, format="JPEG", quality=85)
        image = Image(alt=f"Picture {n} of the benchmark", credit="Newsroom")
        image.file.save(f"benchmark-{n}.jpg", ContentFile(buffer.getvalue()), save=False)
        image.save()  # its renditions are made here, as at upload
        return image

    story = Article.objects.get(slug=harness.SEED_SLUG)
    story.lead_image = picture(0)
    story.save()
    ImageBlock.objects.create(parent=story, region="body", ordering=15, image=picture(1))
    gallery = Gallery.objects.create(title="In pictures", slug="benchmark-gallery")
    for n in range(count):
        GalleryItem.objects.create(gallery=gallery, image=picture(n + 2), position=n)
    GalleryBlock.objects.create(parent=story, region="body", ordering=25, widget=gallery)


def measure(args):
    from django.db import connection
    from django.test.utils import override_settings

    from articles.models import Article
    from benchmarks import urls

    app = harness.project_application()
    story_path = Article.objects.get(slug=harness.SEED_SLUG).get_absolute_url()
    status, body = harness.call(app, story_path)
    if not status.startswith("200"):
        sys.exit(f"the story page answered {status}")
    urls.BARE_BODY = body

    # (name, path, ARTICLES_PAGE_CACHE override or None for the project's own)
    targets = [("bare view", harness.BARE_PATH, {})]
    if args.page_cache in ("on", "both"):
        targets.append(("story page, page-cache hit", story_path, {}))
    if args.page_cache in ("off", "both"):
        targets.append(("story page, uncached", story_path, {"ARTICLES_PAGE_CACHE": None}))

    def run(path, overrides, count):
        with override_settings(**overrides):
            start = time.perf_counter()
            for _ in range(count):
                harness.call(app, path)
            return time.perf_counter() - start

    for _name, path, overrides in targets:
        run(path, overrides, args.warmup)
        with override_settings(**overrides):
            status, body = harness.call(app, path)
        if not status.startswith("200") or body != urls.BARE_BODY:
            sys.exit(f"{path} did not serve the story page's bytes ({status})")

    totals = dict.fromkeys((name for name, _path, _overrides in targets), 0.0)
    per_round = max(1, args.requests // args.rounds)
    page_cache_log = harness.PageCacheLog()
    log_counts = {}
    with page_cache_log.listening():
        for turn in range(args.rounds):
            shift = turn % len(targets)
            for name, path, overrides in targets[shift:] + targets[:shift]:
                page_cache_log.reset()
                totals[name] += run(path, overrides, per_round)
                for outcome, count in page_cache_log.counts.items():
                    log_counts.setdefault(name, dict.fromkeys(page_cache_log.counts, 0))[outcome] += count
    measured = per_round * args.rounds

    figures = {}
    for name, path, overrides in targets:
        counter = harness.QueryCounter()
        with override_settings(**overrides), connection.execute_wrapper(counter):
            harness.call(app, path)
        figures[name] = (totals[name] / measured * 1000, counter.count)

    harness.print_conditions("Story page against a bare view, in-process WSGI, interleaved in one run")
    print(f"  page body      {len(urls.BARE_BODY):,} bytes")
    if args.pictures:
        print(f"  pictures       lead, image block, gallery of {args.pictures} (library images, renditions made)")
    else:
        print("  pictures       none (the seed story as it ships; --pictures N adds a lead, a block and a gallery)")
    print(f"{measured} requests per target after {args.warmup} warm-up each, in {args.rounds} interleaved rounds:")
    floor = figures["bare view"][0]
    for name, _path, _overrides in targets:
        ms, queries = figures[name]
        ratio = "" if name == "bare view" else f"  ratio {ms / floor:6.1f}"
        print(f"  {name:<28} {ms:8.3f} ms/request  {queries:3d} queries/request{ratio}")

    if any(sum(counts.values()) for counts in log_counts.values()):
        print("page cache's own tally (articles.delivery.page_cache.outcomes), measured requests:")
        for name, counts in log_counts.items():
            if name != "bare view":
                print(f"  {name:<28} " + ", ".join(f"{count} {outcome}" for outcome, count in counts.items()))
        # Figures for the wrong thing are worse than none: say so loudly.
        if log_counts.get("story page, uncached", {}).get("hit"):
            print("  WARNING: the uncached target was served from the page cache; its figures are not uncached")
        hit_counts = log_counts.get("story page, page-cache hit", {})
        if hit_counts.get("miss") or hit_counts.get("stale"):
            print("  WARNING: the page-cache-hit target missed the cache; its figures are not all hits")
    else:
        print("(the page cache logs no hits/misses yet; a hit is recognised by its 1 query per request)")

    print("targets:")
    if "story page, uncached" in figures:
        ms, queries = figures["story page, uncached"]
        met = ms / floor <= UNCACHED_MAX_RATIO and queries <= UNCACHED_MAX_QUERIES
        print(
            f"  uncached   ≤ {UNCACHED_MAX_RATIO}x bare and ≤ {UNCACHED_MAX_QUERIES} queries: "
            f"{verdict(met)} ({ms / floor:.1f}x, {queries} queries)"
        )
    if "story page, page-cache hit" in figures:
        ms, _queries = figures["story page, page-cache hit"]
        print(f"  cache hit  ≤ {HIT_MAX_RATIO}x bare: {verdict(ms / floor <= HIT_MAX_RATIO)} ({ms / floor:.1f}x)")


if __name__ == "__main__":
    main()
