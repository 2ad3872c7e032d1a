"""Delete expired autosaved drafts and stale presence rows.

    manage.py prune_editing_sessions

Not needed for correctness: every autosave already deletes expired drafts,
and presence rows older than ``ARTICLES_PRESENCE_TIMEOUT`` are never shown.
Run it daily to keep the tables small on a site where editing stopped.
"""

from django.core.management.base import BaseCommand

from articles.editing import autosave, presence


class Command(BaseCommand):
    help = "Delete expired autosaved drafts and stale 'who is editing' rows."

    def handle(self, *args, **options):
        drafts = autosave.prune()
        rows = presence.prune()
        if options["verbosity"]:
            self.stdout.write(f"Deleted {drafts} expired draft(s) and {rows} stale presence row(s).")
