"""An import from start to end: check the whole file, then write it in batches.

1. The file is read once to check it (:mod:`reading`, then
   :meth:`References.resolve`): any problem stops the import before a row
   is written, reported as the first problem's line and field.
2. It is read a second time and written in batches of ``batch_size``
   stories, each in its own transaction: the slugs already in the database
   (or kept as an old address, ``SlugRedirect``) are skipped, the rest are
   written (:class:`StoryWriter`), indexed for search
   (its search document built in the same statement, or by
   ``articles.search.index_stories`` with SQLite, in the same transaction) and
   announced (:class:`Announcer`: the lists they join, applied once after
   the batch commits; month keys once at the end). A failing batch rolls
   back alone; the batches before it stay, and running the file again
   resumes after them.

Reading twice instead of holding the file keeps memory flat for a file of
a million stories; the second pass costs the JSON decoding and line checks
again (~30 µs a story, under a tenth of the importer's time).
"""

import dataclasses
import json
import queue
import time
from pathlib import Path

from django.db import DatabaseError, connections, transaction

from articles.conf import settings
from articles.delivery import story_render
from articles.importing import reading
from articles.importing.errors import ImportProblem
from articles.importing.pictures import Pictures
from articles.importing.references import References, widget_titles
from articles.importing.writer import StoryWriter


def new_story_keys(stories):
    """The lists the brand-new prepared ``stories`` join: ``story_keys`` of them, without their own ``article-<pk>``.

    Worked out from the rows about to be written (section, publication
    time, tags, bylines), not read back: for a batch of a thousand that was
    three queries with a thousand parameters each, some 40 ms a batch.
    ``tests/test_import_stories.py`` checks it against ``story_keys``.

    Nothing shown anywhere carries a new story's own key yet (no stored
    render, no cached page, no edge copy has seen that id), so renewing it
    would only add a key row per story (a thousand INSERTs per batch) and
    have every after-commit receiver that reads ``article-<pk>`` keys redo
    the batch: the search index's receiver would index each story a second
    time, outside the batch, and even with ``--no-index``. The lists they
    join (home, sections, tags, authors, months), which pages do show, are
    announced.
    """
    from articles.delivery.changes import list_keys

    if not stories:
        return set()
    return list_keys(
        stories=((story.article["section_id"], story.article.get("published_at")) for story in stories),
        tag_ids=(pk for story in stories for pk in story.tag_ids),
        author_ids=(author for story in stories for author, _ in story.bylines),
    )


# Keys renewed once at the end of an import rather than after every batch: a
# month's story sitemap part (``stories-YYYY-MM``, articles.syndication) is
# summed up again from all of that month's stories each time its key is
# applied, and an archive import's batches each touch most of its months.
_ONCE_AT_THE_END = "stories-"


class Announcer:
    """Announces each batch's keys after its commit, and the keys better renewed once at :meth:`finish`."""

    def __init__(self, using):
        self.using = using
        self.deferred = set()

    def batch(self, stories):
        """Call inside the batch's transaction, with the :class:`PreparedStory` rows it wrote.

        Their keys are applied once, after its commit.
        """
        from articles.delivery.changes import announce

        now = set()
        for key in new_story_keys(stories):
            (self.deferred if key.startswith(_ONCE_AT_THE_END) else now).add(key)
        if now:  # announce() with no keys would renew "site": every page
            announce(*now, using=self.using)

    def finish(self):
        """After the last batch (or a failed one: what committed is announced all the same).

        A process killed before this leaves those months' summaries behind
        until their next change (or ``rebuild_sitemap_parts``, after merge).
        """
        from articles.delivery.changes import announce

        if self.deferred:
            announce(*self.deferred, using=self.using)
            self.deferred = set()


class ImportFailed(Exception):
    def __init__(self, problems):
        self.problems = sorted(problems)
        more = len(self.problems) - 1
        message = str(self.problems[0]) + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        super().__init__(message)


class BatchFailed(Exception):
    """A batch the database refused (a story with the same slug written meanwhile, a lost connection)."""

    def __init__(self, first_line, size, error, done=None):
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        before = "other batches may be in" if done is None else f"the {done} stories before it are in"
        super().__init__(
            f"line {first_line}: the batch of {size} stories from here was not written ({reason}); {before}, "
            f"and running the same file again goes on from there"
        )


class WorkerFailed(Exception):
    """A worker process's batch failed; the message is its first line."""


@dataclasses.dataclass
class Summary:
    stories: int = 0
    created: int = 0
    skipped: int = 0
    seconds: float = 0.0
    indexed: int = 0
    batches: int = 0
    pictures_new: int = 0  # stored in the library by this import
    pictures_found: int = 0  # named by the file and in the library already

    @property
    def rate(self):
        return self.created / self.seconds if self.seconds else 0.0


class Import:
    def __init__(
        self,
        path,
        *,
        format="jsonl",
        using="default",
        batch_size=1000,
        index=True,
        create_sections=False,
        create_authors=False,
        text=None,
        progress=None,
        workers=1,
        images=None,
    ):
        self.path = path
        self.format = format
        self.using = using
        self.batch_size = max(1, batch_size)
        self.workers = max(1, workers)
        self.index = index
        self.text = text or {}
        self.progress = progress or (lambda done, total: None)
        self.references = References(
            using,
            create_sections=create_sections,
            create_authors=create_authors,
            text_titles=widget_titles(using) if format == "text" else None,
            # Relative picture paths: from --images, or from where the import file is.
            pictures=Pictures(using, images if images is not None else Path(path).resolve().parent),
        )

    def _read(self):
        if self.format == "text":
            return reading.read_text(self.path, **self.text)
        if self.format == "ninjs":
            from articles.importing.ninjs import read_ninjs

            return read_ninjs(self.path, **self.text)
        return reading.read_jsonl(self.path)

    def check(self):
        """Read the whole file; raise :class:`ImportFailed` naming the first problem. Returns the story count."""
        problems, slugs, count = [], {}, 0
        for number, story, found in self._read():
            if found:
                # Enough to report, not a copy of a broken million-line file.
                if len(problems) < 10_000:
                    problems += found
                continue
            count += 1
            if story.slug in slugs:
                problems.append(ImportProblem(number, "slug", f"{story.slug!r} is also on line {slugs[story.slug]}"))
            else:
                slugs[story.slug] = number
            self.references.collect(story)
        if not problems:
            problems = self.references.resolve()
        if problems:
            raise ImportFailed(problems)
        return count

    def run(self, *, dry_run=False):
        started = time.monotonic()
        total = self.check()
        pictures = self.references.pictures
        summary = Summary(stories=total, pictures_found=pictures.existing)
        if dry_run:
            summary.pictures_new = len(set(pictures.digests.values())) - pictures.existing
            slugs = [story.slug for _, story, _ in self._read()]
            existing = set()
            for start in range(0, len(slugs), 5000):
                chunk = slugs[start : start + 5000]
                existing |= set(self._existing(chunk))
            summary.skipped = len(existing)
            summary.created = total - summary.skipped
            summary.seconds = time.monotonic() - started
            return summary
        try:
            with transaction.atomic(using=self.using):
                self.references.create_missing()
        except BaseException:
            # Rows rolled back; the files stored for new pictures would stay, seen by nothing.
            pictures.discard()
            raise
        summary.pictures_new = len(pictures.created)
        pictures.make_renditions()
        with story_render.render_at_save(settings.IMPORT_RENDER_AT_SAVE):
            if self.workers > 1:
                self._write_in_workers(summary)
            else:
                self._write_part(summary)
        summary.seconds = time.monotonic() - started
        return summary

    def _stories(self, part=0, parts=1):
        """The stories of batches ``part``, ``part + parts``, …; other parts' lines are not even decoded."""
        if parts == 1:
            yield from (story for _, story, _ in self._read())
            return
        if self.format != "jsonl":
            # Documents are not one per line: each part decodes them all and keeps its batches.
            for index, (_, story, _) in enumerate(self._read()):
                if (index // self.batch_size) % parts == part:
                    yield story
            return
        with open(self.path, encoding="utf-8") as file:
            index = 0
            for number, raw in enumerate(file, start=1):
                if not raw.strip():
                    continue
                if (index // self.batch_size) % parts == part:
                    yield reading.story_from_dict(json.loads(raw), number)[0]
                index += 1

    def _write_part(self, summary, part=0, parts=1, counter=None):
        writer, announcer = StoryWriter(self.using), Announcer(self.using)
        batch = []
        try:
            for story in self._stories(part, parts):
                batch.append(story)
                if len(batch) == self.batch_size:
                    self._write(writer, announcer, batch, summary, parts, counter)
                    batch = []
            if batch:
                self._write(writer, announcer, batch, summary, parts, counter)
        finally:
            announcer.finish()

    def _write_in_workers(self, summary):
        """``workers`` processes, each writing every ``workers``-th batch on its own connection (PostgreSQL)."""
        import multiprocessing

        if connections[self.using].vendor != "postgresql":
            raise WorkerFailed("--workers needs PostgreSQL (SQLite takes one writer at a time)")
        if connections[self.using].in_atomic_block:
            # The workers' connections could not see what this transaction wrote (new tags).
            raise WorkerFailed("--workers cannot run inside a transaction: each worker commits on its own connection")
        # Each process opens its own connection; a forked copy of an open one would be shared.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        results, counter = context.Queue(), context.Value("i", 0)

        def work(part):
            # New connection objects, without closing the inherited ones: those
            # are the parent's (close_all() leaves one open inside a transaction),
            # and closing or using one here would break it for the parent.
            for alias in connections:
                connections[alias] = connections.create_connection(alias)
            own = Summary(stories=summary.stories)
            error = None
            try:
                self._write_part(own, part, self.workers, counter)
            except Exception as failure:  # reported by the parent, which decides the exit status
                error = str(failure)
            finally:
                connections.close_all()
            results.put((own.created, own.skipped, own.indexed, own.batches, error))

        processes = [context.Process(target=work, args=(part,)) for part in range(self.workers)]
        for process in processes:
            process.start()
        errors, waiting = [], len(processes)
        while waiting:
            try:
                created, skipped, indexed, batches, error = results.get(timeout=0.2)
            except queue.Empty:
                self.progress(counter.value, summary.stories)
                if not any(process.is_alive() for process in processes) and results.empty():
                    errors.append("a worker process ended without a report")
                    break
                continue
            waiting -= 1
            summary.created += created
            summary.skipped += skipped
            summary.indexed += indexed
            summary.batches += batches
            if error:
                errors.append(error)
        for process in processes:
            process.join()
        self.progress(counter.value, summary.stories)
        if errors:
            raise WorkerFailed(sorted(errors)[0])

    def _existing(self, slugs):
        from articles.models import Article, SlugRedirect

        db = self.using
        yield from Article._base_manager.using(db).filter(slug__in=slugs).values_list("slug", flat=True)
        # A story renamed since an earlier run is still the same story under its new address.
        yield from SlugRedirect.objects.using(db).filter(old_slug__in=slugs).values_list("old_slug", flat=True)

    def _write(self, writer, announcer, stories, summary, parts=1, counter=None):

        try:
            with transaction.atomic(using=self.using):
                existing = set(self._existing([story.slug for story in stories]))
                new = [self.references.prepare(story) for story in stories if story.slug not in existing]
                pks = writer.write(new, index=self.index)
                if pks:
                    if self.index:
                        summary.indexed += len(pks)
                    # Inside the transaction: gathered with anything else the batch
                    # announced, applied once after its commit (never for a rolled-back batch).
                    announcer.batch(new)
        except DatabaseError as error:
            done = summary.created if parts == 1 else None
            raise BatchFailed(stories[0].line, len(stories), error, done) from error
        summary.created += len(pks)
        summary.skipped += len(existing)
        summary.batches += 1
        if counter is not None:
            with counter.get_lock():
                counter.value += len(stories)
        else:
            self.progress(summary.created + summary.skipped, summary.stories)
