import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError
from taggit.models import Tag

from articles.models import (
    Article,
    Author,
    Byline,
    Profile,
    RichText,
    Section,
    TaggedArticle,
    Timeline,
    TimelineBlock,
    TimelineEvent,
)
from tests import factories
from tests.conftest import SEED_TAGS
from tests.html import body_blocks, source_paragraphs

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE = FIXTURES / "syria-no-fly-zones.source.txt"
SHARED_SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "000_f8db78b0ad102cde.txt"


def snapshot():
    """Every row the fixture could touch, as comparable values."""
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (Section, Author, Article, Byline, Tag, TaggedArticle, Timeline, TimelineEvent, Profile, RichText)
    }


def test_source_beside_fixture_is_the_seed():
    if not SHARED_SOURCE.exists():
        pytest.skip("the shared seed folder is not beside this checkout")
    assert SOURCE.read_bytes() == SHARED_SOURCE.read_bytes()


def test_fixture_has_no_primary_keys():
    for obj in json.loads((FIXTURES / "syria-no-fly-zones.json").read_text()):
        assert "pk" not in obj, obj["model"]


def test_fixture_creates_the_story(seed_story):
    article = seed_story
    headline, byline_and_caption = SOURCE.read_text(encoding="utf-8").split("\n\n")[:2]
    assert article.headline == headline
    assert article.is_visible
    assert article.section.name == "World"
    assert article.published_at.date().isoformat() == "2017-07-05"
    assert byline_and_caption == "Our Foreign Staff\n" + article.lead_image_caption
    assert article.lead_image_caption == "Secretary of State Rex Tillerson said the US could work with Russia on"
    [byline] = article.bylines.all()
    assert byline.author.name == "Our Foreign Staff"
    assert byline.author.kind == Author.Kind.DESK
    assert set(article.tags.names()) == SEED_TAGS
    timeline = Timeline.objects.get(slug="syria-war-timeline")
    events = [(e.date.isoformat(), e.title) for e in timeline.events.all()]
    assert len(events) == 8
    assert events[0] == ("2011-03-15", "Protests against Assad's rule begin in Daraa")
    assert events[-1] == ("2017-06-06", "US-backed forces begin the assault on Raqqa")
    profile = Profile.objects.get(slug="bashar-al-assad")
    assert profile.born == "11 September 1965, Damascus"
    assert "July 2000" in profile.role
    assert "Hafez al-Assad" in profile.summary
    assert any("ophthalmologist" in fact.value.lower() and "London" in fact.value for fact in profile.facts.all())


def test_page_carries_every_paragraph_verbatim_with_widgets_in_place(client, seed_story):
    response = client.get(seed_story.get_absolute_url())
    assert response.status_code == 200
    blocks = body_blocks(response.content.decode())
    expected = source_paragraphs(SOURCE)
    assert len([b for b in expected if b[0] == "p"]) == 15
    assert blocks == expected
    # the timeline sits after paragraph 5, the profile after paragraph 11
    assert blocks[5] == ("widget", "Syria war timeline")
    assert blocks[12] == ("widget", "Profile | Bashar al-Assad")
    # the no-break spaces of the source survive the round trip
    nbsp_in_source = SOURCE.read_text(encoding="utf-8").split("\n\n", 2)[2].count("\xa0")
    assert nbsp_in_source == 5
    assert sum(text.count("\xa0") for kind, text in blocks if kind == "p") == nbsp_in_source


def test_loading_twice_changes_nothing(seed_story):
    before = snapshot()
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    assert snapshot() == before
    assert Article.objects.count() == 1
    assert RichText.objects.count() == 3
    assert TimelineBlock.objects.count() == 1


@pytest.mark.django_db
def test_loading_into_a_busy_database_leaves_other_content_alone():
    other = factories.ArticleFactory(headline="Other story", section=factories.SectionFactory(slug="politics"))
    factories.BylineFactory(article=other)
    factories.TaggedArticleFactory(content_object=other, tag=factories.TagFactory(name="Elections"))
    factories.TaggedArticleFactory(content_object=other, tag=factories.TagFactory(name="Syria", slug="syria"))
    factories.RichTextFactory(parent=other)
    factories.TimelineEventFactory(timeline=factories.TimelineBlockFactory(parent=other).widget)
    factories.ProfileBlockFactory(parent=other)
    before = snapshot()

    call_command("loaddata", "syria-no-fly-zones", verbosity=0)

    after = snapshot()
    for model, rows in before.items():
        assert set(rows) <= set(after[model]), f"{model} rows were changed"
    assert Article.objects.count() == 2
    # the existing "Syria" tag is reused, not duplicated
    assert Tag.objects.filter(name__iexact="syria").count() == 1
    assert other.tags.count() == 2


@pytest.mark.parametrize(
    ("model", "field", "missing"),
    [
        ("articles.byline", "author", ["nobody-by-that-name"]),
        ("articles.timelineblock", "widget", ["no-such-timeline"]),
    ],
)
def test_fixture_with_a_dangling_reference_fails_and_writes_nothing(tmp_path, db, model, field, missing):
    objects = json.loads((FIXTURES / "syria-no-fly-zones.json").read_text())
    broken = next(obj for obj in objects if obj["model"] == model)
    broken["fields"][field] = missing
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(objects))

    # Django reports the missing row (a dangling natural key in a natural
    # key, or a NOT NULL foreign key left empty); either way the load is one
    # transaction and nothing stays behind.
    with pytest.raises((DeserializationError, IntegrityError)):
        call_command("loaddata", str(path), verbosity=0)

    assert not Article.objects.exists()
    assert not Author.objects.exists()
    assert not Timeline.objects.exists()
