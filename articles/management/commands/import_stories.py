"""Import stories from a JSON Lines file, IPTC ninjs documents, or a story in the source-text format.

    manage.py import_stories stories.jsonl
    manage.py import_stories export.ninjs.json --create-sections --create-authors
    manage.py import_stories story.txt --format text --section world --published-at 2017-07-05T12:00:00Z

One JSON object per line::

    {"headline": "…", "standfirst": "…", "section": "world",
     "bylines": [{"author": "our-foreign-staff", "role": "by"}],
     "tags": ["Syria", "Russia"], "published_at": "2017-07-05T12:00:00+00:00",
     "status": "published", "slug": "optional-made-from-the-headline",
     "body": [{"paragraph": "Text, word for word."}, {"widget": "syria-war-timeline"}],
     "lead_image": {"path": "pictures/tillerson.jpg", "alt": "Rex Tillerson at a podium",
                    "caption": "…", "credit": "Reuters", "copyright": "…"}}

Pictures (a story's ``lead_image``, a byline's ``"photo"``, a body's
``{"image": …, "caption": …, "credit": …}``) are file paths,
or objects with the path and the words the library keeps with the picture
(``"decorative": true`` instead of ``alt`` for one that adds nothing).
Relative paths start from the import file's folder, or from ``--images``.
Each picture is stored in the library once, found by its content: the same
file in many stories, or one already in the library, is one library image.

IPTC ninjs (3.x or 2.x; ``articles.importing.ninjs``): one document, a JSON
array of them, or one per line, as ``/ninjs/<slug>.json`` serves them. The
format is ``ninjs`` for a file whose name says "ninjs", or whose content is
an array or starts with a ninjs document (``uri``, ``headlines``); ``--format``
says it outright. ``--section`` is the section of documents that name none.

The whole file is checked first; a problem stops the import with one line
(``line 12: published_at: not a date``) and nothing written. Stories are
then written in batches, each in one transaction; a story whose slug is in
the database already is skipped, so running the same file again changes
nothing. See ``articles.importing``.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from articles.importing.run import BatchFailed, Import, ImportFailed, WorkerFailed


def format_of(path):
    """``"text"``, ``"ninjs"`` or ``"jsonl"``, from the file's name and, failing that, its first line."""
    name = Path(path).name.lower()
    if name.endswith(".txt"):
        return "text"
    if "ninjs" in name:
        return "ninjs"
    try:
        with open(path, encoding="utf-8") as file:
            first = ""
            while not first.strip():
                first = file.readline()
                if not first:
                    return "jsonl"  # empty: the import says so
    except (OSError, UnicodeDecodeError):
        return "jsonl"  # the import reports it
    first = first.strip().lstrip("\ufeff")
    if first.startswith("["):
        return "ninjs"
    try:
        data = json.loads(first)
    except ValueError:
        # A document spread over several lines: not JSON Lines.
        return "ninjs" if first.startswith("{") else "jsonl"
    is_ninjs = isinstance(data, dict) and "uri" in data and "headline" not in data
    return "ninjs" if is_ninjs else "jsonl"


class Command(BaseCommand):
    help = (
        "Import stories from JSON Lines (one story per line), IPTC ninjs documents "
        "or one story in the source-text format. "
        "Pictures (lead_image, a byline's photo, a body's image) are file paths, "
        "relative to the file's folder or --images; "
        "each is stored in the picture library once, found by its content."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--format",
            choices=["jsonl", "ninjs", "text"],
            default=None,
            help="default: from the file name and content",
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and count; write nothing")
        parser.add_argument("--batch-size", type=int, default=1000, help="stories per transaction (default 1000)")
        parser.add_argument("--no-index", action="store_true", help="skip search indexing (run rebuild_search_index)")
        parser.add_argument("--create-sections", action="store_true", help="create sections the file names")
        parser.add_argument("--create-authors", action="store_true", help="create authors the file names")
        parser.add_argument(
            "--images",
            metavar="FOLDER",
            help="where relative picture paths (lead_image, a byline's photo) start (default: the file's folder)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--workers", type=int, default=1, help="processes writing batches side by side (PostgreSQL; default 1)"
        )
        text = parser.add_argument_group("source-text format (one story per file)")
        text.add_argument("--section", help="section slug (ninjs: for documents that name none)")
        text.add_argument("--status", default="published")
        text.add_argument("--published-at", help="ISO time with zone, e.g. 2017-07-05T12:00:00Z")
        text.add_argument("--slug", default="", help="default: made from the headline")
        text.add_argument("--tag", action="append", default=[], dest="tags", help="a tag (repeat for more)")
        text.add_argument("--lead-image", metavar="PATH", help="the story's picture (relative: see --images)")
        text.add_argument("--lead-image-alt", default="", metavar="TEXT", help="what it shows, if new to the library")
        text.add_argument("--lead-image-credit", default="", metavar="TEXT")

    def handle(self, *args, **options):
        path = options["file"]
        fmt = options["format"] or format_of(path)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        text = None
        if fmt == "text":
            if not options["section"]:
                raise CommandError("--section is needed for the source-text format")
            text = {
                "section": options["section"],
                "status": options["status"],
                "published_at": options["published_at"],
                "slug": options["slug"],
                "tags": options["tags"],
            }
            if options["lead_image"]:
                text["lead_image"] = {
                    "path": options["lead_image"],
                    "alt": options["lead_image_alt"],
                    "credit": options["lead_image_credit"],
                }
        if fmt == "ninjs":
            text = {"section": options["section"] or ""}
        show = not options["no_progress"] and options["verbosity"] > 0
        try:
            job = Import(
                path,
                format=fmt,
                using=options["database"],
                batch_size=options["batch_size"],
                index=not options["no_index"],
                create_sections=options["create_sections"],
                create_authors=options["create_authors"],
                text=text,
                progress=self._bar if show else None,
                workers=options["workers"],
                images=options["images"],
            )
            summary = job.run(dry_run=options["dry_run"])
        except (ImportFailed, BatchFailed, WorkerFailed) as failure:
            raise CommandError(str(failure)) from None
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        if show:
            self.stderr.write("")
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {summary.stories} stories checked, no problems; "
                f"{summary.created} would be created, {summary.skipped} are in the database already"
                + self._pictures(summary, "would be added")
                + ". Nothing written."
            )
            return
        if not summary.created and summary.skipped:
            self.stdout.write(f"Nothing to do: all {summary.skipped} stories are in the database already.")
        self.stdout.write(
            f"created {summary.created}, skipped {summary.skipped} (already in the database), "
            f"{summary.seconds:.1f} s, {summary.rate:.0f} stories/s"
            + ("" if options["no_index"] else f", search documents {summary.indexed}")
            + self._pictures(summary, "added")
        )

    def _pictures(self, summary, added):
        if not summary.pictures_new and not summary.pictures_found:
            return ""
        return f"; pictures: {summary.pictures_new} {added} to the library, {summary.pictures_found} in it already"

    def _bar(self, done, total):
        width = 30
        filled = width * done // total if total else width
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stderr.flush()
