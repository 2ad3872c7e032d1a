"""How fast does ``manage.py import_stories`` write into PostgreSQL? Stories per second, with and without indexing.

    .venv/bin/python benchmarks/import_speed.py --stories 20000 \\
        --server postgres://postgres@127.0.0.1:5432

Writes a JSON Lines file of N stories of a newsroom's shape (about 10
paragraphs of ~60 words, 2 bylines, 3 tags from a pool of 500, a widget in
a third of them), then for each mode creates a fresh database
(``nr_import_bench``, or ``--database-name``; dropped first), migrates it, adds the sections,
authors and widgets the file names, and runs the import in a child
process, timing the command from its start (file check included) to the
end of its last batch. Modes: with search indexing, with ``--no-index``,
and a second run of the same file (everything skipped). The issue's target
is 2,000 stories/s.
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 2000
SECTIONS = ["world", "politics", "business", "science", "culture", "sport"]
_WORDS = (
    "government minister said report people police city council year week plan court election market company "
    "health school water energy price workers union hospital vote party leader talks border army ceasefire aid "
    "officials statement announced families village river bridge storm flood fire crisis budget tax bank trade "
    "deal summit agreement president rebels forces attack reform protest museum festival league season final"
)
WORDS = _WORDS.split()


def story_line(rng, n, now, tags, widgets):
    def sentence(words):
        text = " ".join(rng.choice(WORDS) for _ in range(words))
        return text[0].upper() + text[1:] + "."

    body = [{"paragraph": " ".join(sentence(rng.randint(8, 16)) for _ in range(5))} for _ in range(10)]
    if rng.random() < 0.33:
        body.insert(rng.randint(1, 9), {"widget": rng.choice(widgets)})
    published = now - rng.randint(60, 10 * 365 * 86400)
    return {
        "headline": sentence(rng.randint(6, 12))[:-1],
        "slug": f"bench-story-{n}",
        "standfirst": sentence(rng.randint(15, 30)),
        "section": rng.choice(SECTIONS),
        "bylines": [{"author": f"bench-author-{a}", "role": "by"} for a in rng.sample(range(150), 2)],
        "tags": rng.sample(tags, 3),
        "published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(published)),
        "status": "published",
        "body": body,
    }


def write_file(path, count, seed=1):
    rng = random.Random(seed)
    now = int(time.time())
    tags = [f"Tag {n}" for n in range(500)]
    widgets = [f"bench-timeline-{n}" for n in range(20)]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(story_line(rng, n, now, tags, widgets)) + "\n")


def make_pools():
    """The sections, authors and widgets the generated file names."""
    from articles.models import Author, Section, Timeline

    Section.objects.bulk_create(Section(slug=slug, name=slug.title()) for slug in SECTIONS)
    Author.objects.bulk_create(Author(slug=f"bench-author-{n}", name=f"Reporter {n}") for n in range(150))
    Timeline.objects.bulk_create(Timeline(slug=f"bench-timeline-{n}", title=f"Timeline {n}") for n in range(20))


def _database(server, name, *, drop_only=False):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def child(url, path, args):
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"})
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.again:
        make_pools()
    from articles.importing.run import Import

    started, cpu = time.monotonic(), time.process_time()
    summary = Import(path, batch_size=args.batch_size, index=not args.no_index, workers=args.workers).run()
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    result = {"created": summary.created, "skipped": summary.skipped, "seconds": seconds, "cpu": cpu}
    if summary.created and not args.no_index:
        result["document_ms"] = document_cost()
    print(json.dumps(result))


def document_cost():
    """Milliseconds PostgreSQL spends building one story's search document, nothing written: the floor of indexing."""
    from django.db import connection

    from articles.search import postgres, search_config

    with connection.cursor() as cursor:
        started = time.perf_counter()
        sql = f"SELECT count(*), sum(length({postgres.DOCUMENT_SQL})) FROM articles_article x"
        cursor.execute(sql, {"config": search_config()})
        stories, _ = cursor.fetchone()
        return (time.perf_counter() - started) * 1000 / stories


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="import_stories --workers (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the database and file afterwards")
    parser.add_argument(
        "--database-name", default="nr_import_bench", help="the database made (and dropped) for the run"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--no-index", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--again", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.file, args)

    name = args.database_name
    workdir = Path(tempfile.mkdtemp(prefix="nr-import-bench-"))
    path = workdir / "stories.jsonl"
    started = time.monotonic()
    write_file(path, args.stories)
    size = path.stat().st_size
    print(
        f"conditions: {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
        f"PostgreSQL {args.server}, {args.stories} stories ({size / 1e6:.0f} MB JSONL, written in "
        f"{time.monotonic() - started:.1f} s), batch {args.batch_size}, {args.workers} worker(s); "
        f"each story: 10 paragraphs, 2 bylines, "
        f"3 tags, a widget in a third"
    )
    results = {}
    for label, flags in (("with index", []), ("no index", ["--no-index"]), ("re-run (all skipped)", ["--again"])):
        if "--again" not in flags:
            url = _database(args.server, name)
        command = [sys.executable, __file__, "--child", url, "--file", str(path), "--batch-size", str(args.batch_size)]
        command += ["--workers", str(args.workers)]
        done = subprocess.run(command + flags, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{label}: failed\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results[label] = result
        rate = (result["created"] or result["skipped"]) / result["seconds"]
        verdict = (
            "" if "--again" in flags else (" (target met)" if rate >= TARGET else f" (BELOW the {TARGET}/s target)")
        )
        # The machine is shared: the load beside the figure says how much of it was ours.
        print(
            f"{label:22} created {result['created']:>8}  skipped {result['skipped']:>8}  "
            f"{result['seconds']:7.1f} s  {rate:8.0f} stories/s{verdict}  "
            f"(importer CPU {result['cpu']:.1f} s; load average {os.getloadavg()[0]:.1f})"
        )
    with_index, no_index = results["with index"]["seconds"], results["no index"]["seconds"]
    print(f"ratio with index / no index: {with_index / no_index:.2f}")
    document_ms = results["with index"]["document_ms"]
    print(
        f"search documents alone (to_tsvector, nothing written): {document_ms:.2f} ms a story in one process, "
        f"so at most {1000 * os.cpu_count() / document_ms:.0f} stories/s on all {os.cpu_count()} cores "
        "before anything is written"
    )
    if not args.keep:
        _database(args.server, name, drop_only=True)
        path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
