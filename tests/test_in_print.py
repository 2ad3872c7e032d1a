"""The story's publication time on its tag and byline rows, kept by the database (articles.models.in_print).

Every way a story's status or time can change is tried: save(), the ORM's
update(), raw SQL, fixtures; and every way a link row is written.
"""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.listings import LinkedStories, author_stories, tag_stories
from articles.models import Article, Byline, TaggedArticle, in_print
from tests import factories

pytestmark = pytest.mark.django_db


def copies(story):
    """The copies on ``story``'s tag rows and byline rows, as one set."""
    tags = TaggedArticle.objects.filter(content_object=story).values_list("story_published_at", flat=True)
    bylines = Byline.objects.filter(article=story).values_list("story_published_at", flat=True)
    return {*tags, *bylines}


def linked_story(**kwargs):
    story = factories.ArticleFactory(**kwargs)
    factories.TaggedArticleFactory(content_object=story)
    factories.TaggedArticleFactory(content_object=story)
    factories.BylineFactory(article=story)
    return story


def test_published_story_rows_carry_its_time():
    story = linked_story()
    assert copies(story) == {story.published_at}


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_rows_of_a_story_not_live_carry_its_time_only_when_published(trait):
    story = linked_story(**{trait: True})
    # Scheduled is published with a time to come: copied, and the lists wait for the time.
    assert copies(story) == ({story.published_at} if trait == "scheduled" else {None})


def test_save_that_withdraws_or_moves_a_story_moves_the_copies():
    story = linked_story()
    story.published_at = story.published_at - datetime.timedelta(days=3)
    story.save()
    assert copies(story) == {story.published_at}
    story.status = Article.Status.UNPUBLISHED
    story.save()
    assert copies(story) == {None}


def test_queryset_update_moves_the_copies():
    story = linked_story()
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
    assert copies(story) == {None}
    when = timezone.now() - datetime.timedelta(hours=5)
    Article.objects.filter(pk=story.pk).update(status=Article.Status.PUBLISHED, published_at=when)
    assert copies(story) == {when}


def test_raw_sql_moves_the_copies():
    story = linked_story()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET status = 'review' WHERE id = %s", [story.pk])
    assert copies(story) == {None}


def test_a_row_added_to_a_live_story_gets_the_copy_whatever_it_was_given():
    story = factories.ArticleFactory()
    tag = factories.TagFactory()
    row = TaggedArticle.objects.create(content_object=story, tag=tag, story_published_at=timezone.now())
    assert TaggedArticle.objects.get(pk=row.pk).story_published_at == story.published_at
    byline = factories.BylineFactory(article=story)
    Byline.objects.filter(pk=byline.pk).update(story_published_at=None)
    assert Byline.objects.get(pk=byline.pk).story_published_at == story.published_at


def test_a_row_moved_to_another_story_takes_that_storys_copy():
    live, draft = factories.ArticleFactory(), factories.ArticleFactory(draft=True)
    byline = factories.BylineFactory(article=live)
    Byline.objects.filter(pk=byline.pk).update(article=draft)
    assert Byline.objects.get(pk=byline.pk).story_published_at is None


def test_the_fixture_loads_with_its_copies():
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    story = Article.objects.get()
    assert copies(story) == {story.published_at}
    # Derived data is never written into a fixture.
    from django.core import serializers

    dumped = serializers.serialize("json", TaggedArticle.objects.all())
    assert "story_published_at" not in dumped


def sections(story):
    """The section copies on ``story``'s tag rows."""
    return set(TaggedArticle.objects.filter(content_object=story).values_list("story_section_id", flat=True))


def test_tag_rows_carry_their_storys_section_whatever_the_status():
    for story in (linked_story(), linked_story(draft=True)):
        assert sections(story) == {story.section_id}


def test_a_story_moved_to_another_section_moves_its_tag_rows_every_way():
    story = linked_story()
    other, third, fourth = (factories.SectionFactory() for _ in range(3))
    story.section = other
    story.save()
    assert sections(story) == {other.pk}
    Article.objects.filter(pk=story.pk).update(section=third)
    assert sections(story) == {third.pk}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET section_id = %s WHERE id = %s", [fourth.pk, story.pk])
    assert sections(story) == {fourth.pk}
    # The time stays as it was; only the section moved.
    assert copies(story) == {story.published_at}


def test_a_tag_row_added_or_moved_takes_its_storys_section_whatever_it_was_given():
    story, elsewhere = factories.ArticleFactory(), factories.ArticleFactory(section=factories.SectionFactory())
    row = TaggedArticle.objects.create(content_object=story, tag=factories.TagFactory(), story_section_id=999_999)
    assert sections(story) == {story.section_id}
    TaggedArticle.objects.filter(pk=row.pk).update(content_object=elsewhere)
    assert TaggedArticle.objects.get(pk=row.pk).story_section_id == elsewhere.section_id
    TaggedArticle.objects.filter(pk=row.pk).update(story_section_id=None)
    assert TaggedArticle.objects.get(pk=row.pk).story_section_id == elsewhere.section_id


def test_the_fixture_loads_with_its_sections_and_never_writes_them():
    from django.core import serializers

    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    story = Article.objects.get()
    assert sections(story) == {story.section_id}
    assert "story_section_id" not in serializers.serialize("json", TaggedArticle.objects.all())


def test_imported_stories_are_on_their_tag_and_author_pages(client, tmp_path):
    # The import writes its rows in bulk (no save()): the triggers copy the time all the same.
    factories.SectionFactory(slug="world")
    factories.AuthorFactory(slug="jane", name="Jane Hack")
    lines = [
        {
            "headline": f"Summit story {n}",
            "section": "world",
            "bylines": [{"author": "jane", "role": "by"}],
            "tags": ["Syria"],
            "published_at": f"2017-07-0{n}T12:00:00+00:00",
            "status": "published",
            "slug": f"summit-{n}",
            "body": [{"paragraph": "Leaders meet."}],
        }
        for n in (1, 2)
    ]
    path = tmp_path / "stories.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    call_command("import_stories", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    for story in Article.objects.all():
        assert copies(story) == {story.published_at}
    for page in ("/tag/syria/", "/author/jane/"):
        headlines = [article.headline for article in client.get(page).context["articles"]]
        assert headlines == ["Summit story 2", "Summit story 1"], page


def link_rows_rewritten():
    """How many tag and byline rows this transaction has updated (PostgreSQL's per-transaction counters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_upd), 0) FROM pg_stat_xact_user_tables "
            "WHERE relname IN ('articles_byline', 'articles_taggedarticle')"
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("status", ["published", "draft"])
def test_the_importer_writes_each_link_row_once_with_its_copies(status):
    from articles.importing.writer import PreparedStory, StoryWriter

    section, author, tag = factories.SectionFactory(), factories.AuthorFactory(), factories.TagFactory()
    when = timezone.now() - datetime.timedelta(hours=2)
    story = PreparedStory(
        article={
            "headline": "Leaders meet",
            "slug": "leaders-meet",
            "section_id": section.pk,
            "status": status,
            "published_at": when,
        },
        bylines=[(author.pk, "by")],
        tag_ids=[tag.pk],
    )
    before = link_rows_rewritten() if connection.vendor == "postgresql" else None
    [pk] = StoryWriter().write([story], index=True)
    written = Article.objects.get(pk=pk)
    assert copies(written) == ({when} if status == "published" else {None})
    assert sections(written) == {section.pk}
    if connection.vendor == "postgresql":
        # Written with the copies, before the story: the story's trigger found nothing to set.
        assert link_rows_rewritten() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="foreign keys checked at commit; PostgreSQL's triggers")
def test_rows_written_before_their_story_are_set_right_when_it_comes():
    section = factories.SectionFactory()
    tag = factories.TagFactory()
    when = timezone.now() - datetime.timedelta(hours=2)
    wrong = when - datetime.timedelta(days=400)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('articles_article', 'id'))")
        [pk] = cursor.fetchone()
        # A row naming a story that is not there yet keeps what it was given…
        cursor.execute(
            "INSERT INTO articles_taggedarticle (content_object_id, tag_id, story_published_at, story_section_id) "
            "VALUES (%s, %s, %s, %s)",
            [pk, tag.pk, wrong, section.pk + 1000],
        )
        cursor.execute(
            "SELECT story_published_at, story_section_id FROM articles_taggedarticle WHERE content_object_id = %s",
            [pk],
        )
        assert cursor.fetchone() == (wrong, section.pk + 1000)
    # …until the story is written: then its own values, whatever the row said.
    factories.ArticleFactory(pk=pk, section=section, published_at=when)
    story = Article.objects.get(pk=pk)
    assert copies(story) == {when}
    assert sections(story) == {section.pk}


def test_a_dropped_trigger_is_put_back_after_migrate_and_the_copies_filled_again():
    # What a table rebuild does on SQLite (a later migration's AlterField).
    story = linked_story()
    name = in_print.trigger_names(connection.vendor)[0]
    in_print.uninstall(connection)
    assert name in in_print.missing("default")
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
    assert copies(story) == {story.published_at}, "no trigger: the copies fell behind"
    in_print.ensure(using="default")
    assert in_print.missing("default") == []
    assert copies(story) == {None}


def test_all_triggers_exist_after_the_migrations():
    assert in_print.missing("default") == []


# -- the lists read through the copies


def story_at(minutes_ago, **kwargs):
    return factories.ArticleFactory(published_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), **kwargs)


def test_tag_list_pages_are_in_order_and_only_live_stories():
    tag = factories.TagFactory()
    stories = [story_at(n) for n in range(1, 8)]
    hidden = [factories.ArticleFactory(draft=True), factories.ArticleFactory(scheduled=True)]
    for story in [*stories, *hidden]:
        factories.TaggedArticleFactory(content_object=story, tag=tag)
    factories.TaggedArticleFactory(content_object=story_at(30))  # another tag's story
    listing = tag_stories(tag, Article.objects.for_reader())
    assert isinstance(listing, LinkedStories)
    assert listing.count() == 7
    assert listing.count_up_to(3) == 3
    assert list(listing[0:3]) == stories[0:3]
    assert list(listing[3:7]) == stories[3:7]
    assert listing.first_due() == hidden[1].published_at


def test_author_credited_twice_on_a_story_is_listed_once_in_place():
    author = factories.AuthorFactory()
    first, second, third = story_at(1), story_at(2), story_at(3)
    for story in (first, second, third):
        factories.BylineFactory(article=story, author=author)
    factories.BylineFactory(article=second, author=author, role=Byline.Role.PHOTOGRAPHS)
    for role in (Byline.Role.PHOTOGRAPHS, Byline.Role.ADDITIONAL_REPORTING):
        factories.BylineFactory(article=first, author=author, role=role)
    listing = author_stories(author, Article.objects.for_reader())
    assert listing.count() == 3
    # The paginator's capped count (one row per story, whatever the roles).
    assert [listing.count_up_to(limit) for limit in (1, 2, 3, 10)] == [1, 2, 3, 3]
    assert list(listing[0:2]) == [first, second]
    assert list(listing[2:4]) == [third]
    assert list(listing[1:2]) == [second]


def test_a_story_withdrawn_leaves_the_list_at_once():
    tag = factories.TagFactory()
    story = story_at(1)
    factories.TaggedArticleFactory(content_object=story, tag=tag)
    Article.objects.filter(pk=story.pk).update(status=Article.Status.UNPUBLISHED)
    listing = tag_stories(tag, Article.objects.for_reader())
    assert listing.count() == 0
    assert list(listing[0:20]) == []


def test_a_slice_is_required():
    listing = tag_stories(factories.TagFactory(), Article.objects.for_reader())
    with pytest.raises(TypeError):
        listing[0]


def edge_max_age(response):
    return int(response["Surrogate-Control"].split("max-age=")[1].split(",")[0])


@pytest.mark.parametrize("path", ["/tag/syria/", "/author/jane/"])
def test_a_scheduled_story_coming_due_is_the_lists_next_change(client, path):
    tag, author = factories.TagFactory(slug="syria"), factories.AuthorFactory(slug="jane")

    def story(**kwargs):
        story = factories.ArticleFactory(**kwargs)
        factories.TaggedArticleFactory(content_object=story, tag=tag)
        factories.BylineFactory(article=story, author=author)
        return story

    story(published_at=timezone.now() - datetime.timedelta(minutes=5))
    # Scheduled elsewhere: not this list's change.
    factories.ArticleFactory(published_at=timezone.now() + datetime.timedelta(minutes=10))
    assert edge_max_age(client.get(path)) > 3600
    story(published_at=timezone.now() + datetime.timedelta(minutes=30))
    # The edge may keep the page only until the story is due.
    assert 0 < edge_max_age(client.get(path)) <= 30 * 60
