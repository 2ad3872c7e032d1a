"""Load the demo's first story, unless it is already in the database.

``loaddata`` of a natural-key fixture overwrites the rows it names: run on
every ``make demo`` it silently undid an editor's changes to the story (and
recorded no revision). This command loads the fixture only when none of its
stories exists yet; ``manage.py loaddata syria-no-fly-zones`` still resets
the story on purpose.
"""

import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.models import Article, SlugRedirect

FIXTURE = "syria-no-fly-zones"


def fixture_dirs():
    """Where ``loaddata`` looks: each app's ``fixtures/`` folder, then ``FIXTURE_DIRS``."""
    for app_config in apps.get_app_configs():
        yield Path(app_config.path) / "fixtures"
    yield from map(Path, settings.FIXTURE_DIRS)


def fixture_story_slugs(label):
    """The slugs (natural keys) of the stories a fixture ``loaddata`` would find holds."""
    for directory in fixture_dirs():
        path = directory / f"{label}.json"
        if path.exists():
            break
    else:
        raise CommandError(f"No fixture named {label!r} in any app's fixtures folder or FIXTURE_DIRS.")
    try:
        objects = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}") from exc
    return [obj["fields"]["slug"] for obj in objects if obj.get("model") == "articles.article"]


class Command(BaseCommand):
    help = "Load the demo story fixture if its story is not in the database yet (never overwrites edits)."

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=FIXTURE, help=f"Fixture label (default: {FIXTURE}).")

    def handle(self, *args, fixture, **options):
        slugs = fixture_story_slugs(fixture)
        # A story whose slug an editor changed is still there, under its new
        # address: loading the fixture then would create a second copy and
        # move the edited story's body blocks (named by uid) onto it.
        present = {
            *Article.objects.filter(slug__in=slugs).values_list("slug", flat=True),
            *SlugRedirect.objects.filter(old_slug__in=slugs).values_list("old_slug", flat=True),
        }
        if slugs and present == set(slugs):
            self.stdout.write(
                f"The demo story is already in the database; left as it is (reset it with: "
                f"manage.py loaddata {fixture})."
            )
            return
        call_command("loaddata", fixture, verbosity=options["verbosity"])
