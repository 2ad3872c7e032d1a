"""``manage.py purge_edge KEY…`` / ``--all``: purge reader pages from the edge caches now.

For operators: after a template deploy (``--all``), or to repair a purge the
app gave up on (its ERROR names the keys). Unlike the app's own purges this
does not retry: it says at once, with a non-zero exit, whether each edge
cache confirmed.
"""

from django.core.management.base import BaseCommand, CommandError

from articles.delivery.purging import CONFIGURATION_ERRORS, SITE_KEY, PurgeError, check_keys, purgers


class Command(BaseCommand):
    help = "Purge reader pages carrying any of the given keys from the edge caches in ARTICLES_PURGERS."

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", metavar="KEY", help="e.g. article-42 list-home")
        parser.add_argument(
            "--all",
            action="store_true",
            help=f"Purge every reader page (the key {SITE_KEY!r} they all carry), e.g. after a template deploy.",
        )

    def handle(self, *args, keys, **options):
        if options["all"] and keys:
            raise CommandError("Give keys or --all, not both.")
        if options["all"]:
            keys = [SITE_KEY]
        if not keys:
            raise CommandError("Give at least one KEY, or --all.")
        try:
            keys = check_keys(keys)
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            configured = purgers()
        except CONFIGURATION_ERRORS as error:
            raise CommandError(f"ARTICLES_PURGERS cannot be loaded: {error}") from error
        if not configured:
            raise CommandError("ARTICLES_PURGERS is empty: there is no edge cache to purge.")
        failures = []
        for purger in configured:
            try:
                purger.purge(keys)
            except PurgeError as error:
                failures.append(str(error))  # names the edge: its URL, or Fastly/Cloudflare
            else:
                self.stdout.write(f"{purger}: purged {' '.join(keys)}")
        if failures:
            raise CommandError("; ".join(failures))
