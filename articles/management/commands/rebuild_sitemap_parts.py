"""``manage.py rebuild_sitemap_parts``: sum up the story sitemap's months again from the stories.

The summary (``articles.models.SitemapPart``) follows every committed change
by itself; run this after a migration onto an existing archive, after
changing ``TIME_ZONE`` or ``ARTICLES_SITEMAP_PART_SIZE``, or after writes
that announced nothing (raw SQL).
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from articles.delivery import changes, keys, purging
from articles.syndication import parts


def _month(value):
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"--month takes a month as YYYY-MM, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Rebuild the story sitemap's month summary (all months, or those given with --month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", action="append", default=[], help="only this month (YYYY-MM); repeatable")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)")

    def handle(self, *args, month=(), database=DEFAULT_DB_ALIAS, **options):
        months = [_month(value) for value in month]
        start = time.perf_counter()
        try:
            count = parts.rebuild_months(months, database) if months else parts.rebuild_all(database)
            # Pages of the index drawn from the old summary are out of date
            # ("stories": the index shows it; its parts are unchanged).
            changes.renew({keys.STORIES}, database)
            purging.purge({keys.STORIES}, using=database)
        except DatabaseError as error:
            raise CommandError(f"Could not rebuild the sitemap summary: {error}") from error
        elapsed = time.perf_counter() - start
        self.stdout.write(f"{count} story sitemap parts in {elapsed:.1f} s.")
