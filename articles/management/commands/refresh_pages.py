"""``manage.py refresh_pages``: renew every reader page, e.g. after deploying changed templates.

Stored story renders and cached pages are kept until something they show
changes; a template change is not such a change. This announces the key
``site``, which every page carries: every stored render is marked stale
(and re-rendered on its next read, or here with ``--render``), every page
cache entry is out of date, and configured edge caches are purged.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, router

from articles.delivery import changes, keys, story_render
from articles.models import Article, StoryRender


class Command(BaseCommand):
    help = "Renew every reader page (stored story renders, page cache, edge): run after a template deploy."

    def add_arguments(self, parser):
        parser.add_argument(
            "--render",
            action="store_true",
            help="Render every published story's stored parts now, instead of on its next read.",
        )

    def handle(self, *args, render=False, **options):
        using = router.db_for_write(StoryRender)
        try:
            changes.apply({keys.SITE}, using)
            rendered = 0
            if render:
                published = Article.objects.using(using).filter(status=Article.Status.PUBLISHED)
                for pk in published.order_by("-published_at").values_list("pk", flat=True).iterator():
                    if story_render.store(pk, using=using) is not None:
                        rendered += 1
        except DatabaseError as error:
            raise CommandError(f"Could not renew the pages: {error}") from error
        stale = StoryRender.objects.using(using).filter(stale=True).count()
        self.stdout.write(f"Renewed every reader page; {rendered} stories rendered now, {stale} left to render on read.")
