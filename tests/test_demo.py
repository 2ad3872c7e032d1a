"""``make demo`` loads the first story once and never undoes an editor's work."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, RichText
from tests.conftest import SEED_SLUG

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def demo_story():
    out = StringIO()
    call_command("demo_story", stdout=out, verbosity=0)
    return out.getvalue()


def test_loads_the_story_when_it_is_missing():
    assert not Article.objects.exists()
    demo_story()
    assert Article.objects.get(slug=SEED_SLUG).is_visible


def test_a_second_run_keeps_the_editors_changes():
    demo_story()
    story = Article.objects.get(slug=SEED_SLUG)
    story.headline = "An editor's headline"
    story.save()
    paragraph = RichText.objects.filter(parent=story).order_by("ordering").first()
    paragraph.text = "<p>An editor's paragraph.</p>"
    paragraph.save()

    out = demo_story()

    assert "already in the database" in out
    assert Article.objects.get(pk=story.pk).headline == "An editor's headline"
    assert RichText.objects.get(pk=paragraph.pk).text == "<p>An editor's paragraph.</p>"


def test_a_renamed_story_is_not_loaded_a_second_time():
    demo_story()
    story = Article.objects.get(slug=SEED_SLUG)
    story.slug = "tillerson-russia-no-fly-zones"
    story.save()
    blocks = set(RichText.objects.filter(parent=story).values_list("pk", flat=True))

    demo_story()

    assert Article.objects.count() == 1
    assert set(RichText.objects.filter(parent=story).values_list("pk", flat=True)) == blocks


def test_an_unknown_fixture_is_a_one_line_error():
    with pytest.raises(CommandError, match="No fixture named 'no-such-story'"):
        call_command("demo_story", "no-such-story")


def test_make_demo_loads_the_story_through_demo_story_not_loaddata():
    demo = re.search(r"^demo:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.MULTILINE | re.DOTALL).group(0)
    assert "manage.py demo_story" in demo
    assert "loaddata" not in demo


def test_reloading_the_fixture_resets_what_it_names(seed_story):
    """What the README says ``loaddata`` does to an edited copy, checked."""
    seed_story.headline = "An editor's headline"
    seed_story.status = Article.Status.UNPUBLISHED
    seed_story.save()
    first = RichText.objects.filter(parent=seed_story).order_by("ordering").first()
    first.text = "<p>An editor's paragraph.</p>"
    first.save()
    added = RichText.objects.create(parent=seed_story, region="body", ordering=99999, text="<p>Added.</p>")
    seed_story.tags.add("Moscow")
    seed_story.tags.remove("G20")

    call_command("loaddata", "syria-no-fly-zones", verbosity=0)

    seed_story.refresh_from_db()
    assert seed_story.headline.startswith("US says it would consider")
    assert seed_story.status == Article.Status.PUBLISHED  # a withdrawn story goes back up
    assert RichText.objects.get(pk=first.pk).text != "<p>An editor's paragraph.</p>"
    assert RichText.objects.filter(pk=added.pk).exists()  # rows the fixture does not name stay
    assert {"G20", "Moscow"} <= set(seed_story.tags.names())
