"""``manage.py rebuild_search_index``: rebuild every story's search document.

Run after ``import_stories --no-index``, after changing
``ARTICLES_SEARCH_CONFIG`` (or the language), or to repair documents a
logged indexing error left stale. Stories go in batches of ``--batch-size``
in id order, each batch in its own transaction, so a long rebuild holds no
lock for long and can be interrupted and run again.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction

from articles.models import Article
from articles.search import index_stories


class Command(BaseCommand):
    help = "Rebuild the full-text search document of every story, in batches."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000, help="Stories per statement (default 2000).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, batch_size, database, verbosity=1, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        stories = Article.objects.using(database).order_by("pk")
        total = stories.count()
        done, last, started = 0, 0, time.monotonic()
        try:
            while True:
                pks = list(stories.filter(pk__gt=last).values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                with transaction.atomic(using=database):
                    index_stories(pks, using=database)
                done, last = done + len(pks), pks[-1]
                if verbosity:
                    rate = done / max(time.monotonic() - started, 1e-6)
                    self.stderr.write(f"\rIndexed {done:,}/{total:,} stories ({rate:,.0f}/s)", ending="")
        except DatabaseError as error:
            raise CommandError(f"Could not rebuild the search index after {done:,} stories: {error}") from error
        if verbosity:
            self.stderr.write("")
        elapsed = time.monotonic() - started
        noun = "story" if done == 1 else "stories"
        self.stdout.write(f"Rebuilt the search documents of {done:,} {noun} in {elapsed:.1f} s.")
