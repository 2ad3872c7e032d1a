"""``manage.py import_stories``: good files import, bad ones write nothing, a second run changes nothing."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from articles import search
from articles.delivery import keys
from articles.models import (
    Article,
    Author,
    Byline,
    DeliveryKey,
    ProfileBlock,
    RichText,
    Section,
    SlugRedirect,
    StoryRender,
    TaggedArticle,
    TimelineBlock,
)
from tests import factories
from tests.html import body_blocks, source_paragraphs

pytestmark = pytest.mark.django_db

SOURCE = Path(__file__).resolve().parent.parent / "fixtures" / "syria-no-fly-zones.source.txt"
ROWS = (Article, Byline, TaggedArticle, RichText, TimelineBlock, ProfileBlock, Tag, Section, Author)


def snapshot():
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in ROWS}


@pytest.fixture
def newsroom():
    world = factories.SectionFactory(slug="world", name="World")
    jane = factories.AuthorFactory(slug="jane-doe", name="Jane Doe")
    desk = factories.AuthorFactory(slug="our-foreign-staff", name="Our Foreign Staff")
    timeline = factories.TimelineFactory(slug="syria-war-timeline", title="Syria war timeline")
    profile = factories.ProfileFactory(slug="bashar-al-assad", name="Bashar al-Assad")
    return {"world": world, "jane": jane, "desk": desk, "timeline": timeline, "profile": profile}


def story(n=1, **fields):
    return {
        "headline": f"Story number {n} about the summit",
        "standfirst": "Leaders meet in Hamburg.",
        "section": "world",
        "bylines": [
            {"author": "jane-doe", "role": "by"},
            {"author": "Our Foreign Staff", "role": "additional-reporting"},
        ],
        "tags": ["Syria", "G20", "Russia"],
        "published_at": "2017-07-05T12:00:00+00:00",
        "status": "published",
        "slug": f"story-{n}",
        "body": [
            {"paragraph": "First paragraph, with <angle> & ampersand."},
            {"paragraph": "Second paragraph."},
            {"widget": "syria-war-timeline"},
            {"paragraph": "Third paragraph."},
        ],
        **fields,
    }


def write(tmp_path, lines, name="stories.jsonl"):
    path = tmp_path / name
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8"
    )
    return str(path)


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_stories", path, *args, stdout=out, stderr=err)
    return out.getvalue()


def test_a_good_file_imports_every_field(tmp_path, newsroom, client):
    output = run(write(tmp_path, [story(1), story(2, slug="", headline="No slug given, made from headline")]))
    assert "created 2, skipped 0" in output
    first = Article.objects.get(slug="story-1")
    assert first.headline == "Story number 1 about the summit"
    assert first.standfirst == "Leaders meet in Hamburg."
    assert first.section == newsroom["world"]
    assert first.published_at == datetime.datetime(2017, 7, 5, 12, tzinfo=datetime.UTC)
    assert first.is_visible
    assert [(b.author, b.role, b.position) for b in first.bylines.all()] == [
        (newsroom["jane"], "by", 0),
        (newsroom["desk"], "additional-reporting", 1),
    ]
    assert sorted(first.tags.names()) == ["G20", "Russia", "Syria"]
    # Paragraphs in a row share a text block; the widget sits between them.
    texts = [(b.ordering, b.text) for b in RichText.objects.filter(parent=first).order_by("ordering")]
    assert texts == [
        (10, "<p>First paragraph, with &lt;angle&gt; &amp; ampersand.</p><p>Second paragraph.</p>"),
        (30, "<p>Third paragraph.</p>"),
    ]
    [placed] = TimelineBlock.objects.filter(parent=first)
    assert (placed.ordering, placed.widget, placed.region) == (20, newsroom["timeline"], "body")
    assert Article.objects.filter(slug="no-slug-given-made-from-headline").exists()

    # No stored render yet: the first reader's request renders the page, body and all.
    assert not StoryRender.objects.filter(article=first).exists()
    response = client.get(first.get_absolute_url())
    assert response.status_code == 200
    assert body_blocks(response.content.decode()) == [
        ("p", "First paragraph, with <angle> & ampersand."),
        ("p", "Second paragraph."),
        ("widget", "Syria war timeline"),
        ("p", "Third paragraph."),
    ]
    assert StoryRender.objects.get(article=first).stale is False


def test_the_seed_text_imports_and_its_page_shows_it_word_for_word(tmp_path, newsroom, client):
    out = run(
        str(SOURCE),
        "--section=world",
        "--published-at=2017-07-05T12:00:00Z",
        "--slug=syria-no-fly-zones",
        "--tag=Syria",
        "--tag=no-fly zones",
    )
    assert "created 1" in out
    article = Article.objects.get(slug="syria-no-fly-zones")
    headline, byline_and_caption = SOURCE.read_text(encoding="utf-8").split("\n\n")[:2]
    assert article.headline == headline
    assert byline_and_caption == "Our Foreign Staff\n" + article.lead_image_caption
    assert [b.author for b in article.bylines.all()] == [newsroom["desk"]]
    assert sorted(article.tags.names()) == ["Syria", "no-fly zones"]
    response = client.get(article.get_absolute_url())
    blocks = body_blocks(response.content.decode())
    assert blocks == source_paragraphs(SOURCE)
    assert blocks[5] == ("widget", "Syria war timeline")
    assert blocks[12] == ("widget", "Profile | Bashar al-Assad")
    # Again: nothing changes.
    before = snapshot()
    again = run(str(SOURCE), "--section=world", "--published-at=2017-07-05T12:00:00Z", "--slug=syria-no-fly-zones")
    assert "Nothing to do" in again
    assert snapshot() == before


def test_the_same_file_twice_changes_nothing(tmp_path, newsroom):
    path = write(tmp_path, [story(n) for n in range(1, 6)])
    run(path, "--batch-size=2")
    before = snapshot()
    output = run(path, "--batch-size=2")
    assert "Nothing to do: all 5 stories are in the database already" in output
    assert snapshot() == before


def test_a_story_renamed_since_the_last_run_is_not_imported_again(tmp_path, newsroom):
    path = write(tmp_path, [story(1)])
    run(path)
    renamed = Article.objects.get(slug="story-1")
    renamed.slug = "story-1-renamed"
    renamed.save()
    assert SlugRedirect.objects.filter(old_slug="story-1").exists()
    run(path)
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"published_at": "yesterday"}, "line 2: published_at: not a date"),
        ({"published_at": "2017-07-05T12:00:00"}, "line 2: published_at: has no time zone"),
        ({"published_at": None}, "line 2: published_at: missing"),
        ({"headline": ""}, "line 2: headline: missing"),
        ({"headline": "x" * 256}, "line 2: headline: longer than 255 characters"),
        ({"slug": "bad slug!"}, "line 2: slug: 'bad slug!' is not a slug"),
        ({"status": "live"}, "line 2: status: 'live' is not one of"),
        ({"section": "nowhere"}, "line 2: section: no section 'nowhere'"),
        ({"bylines": [{"author": "jane-doe", "role": "ghost"}]}, "line 2: bylines[0].role: 'ghost' is not one of"),
        ({"bylines": [{"author": "nobody"}]}, "line 2: bylines[0].author: no author with slug or name 'nobody'"),
        ({"body": [{"widget": "no-such-widget"}]}, "line 2: body[0].widget: no widget 'no-such-widget'"),
        ({"body": [{"paragraph": ""}]}, "line 2: body[0].paragraph: empty or not a string"),
        ({"body": [{"video": "x"}]}, "line 2: body[0]: not"),
        ({"tags": "Syria"}, "line 2: tags: not a list"),
        ({"kicker": "k" * 101}, "line 2: kicker: longer than 100 characters"),
        ({"headlin": "typo"}, "line 2: headlin: unknown field"),
        ({"slug": "story-1"}, "line 2: slug: 'story-1' is also on line 1"),
    ],
)
def test_a_bad_line_stops_the_import_naming_line_and_field_and_nothing_is_written(tmp_path, newsroom, bad, expected):
    path = write(tmp_path, [story(1), story(2, **bad), story(3)])
    before = snapshot()
    with pytest.raises(CommandError) as failure:
        run(path)
    message = str(failure.value)
    assert message.startswith(expected), message
    assert "\n" not in message
    assert snapshot() == before


def test_one_author_named_by_slug_and_by_name_is_credited_once(tmp_path, newsroom):
    run(write(tmp_path, [story(1, bylines=["jane-doe", "Jane Doe", {"author": "Jane Doe", "role": "photographs"}])]))
    assert [(b.author.slug, b.role) for b in Byline.objects.all()] == [("jane-doe", "by"), ("jane-doe", "photographs")]


def test_a_line_that_is_not_json_names_its_line(tmp_path, newsroom):
    path = write(tmp_path, [story(1), "", '{"headline": '])
    with pytest.raises(CommandError, match=r"^line 3: line: not JSON"):
        run(path)
    assert not Article.objects.exists()


def test_every_problem_is_counted_the_first_reported(tmp_path, newsroom):
    path = write(tmp_path, [story(1, status="x"), story(2, published_at="never")])
    with pytest.raises(CommandError, match=r"^line 1: status: .* \(and 1 more problem\)$"):
        run(path)


def test_an_ambiguous_widget_slug_asks_for_its_kind(tmp_path, newsroom):
    factories.ProfileFactory(slug="syria-war-timeline")
    expected = r"line 1: body\[2\].widget: 'syria-war-timeline' is a (timeline and a profile|profile and a timeline)"
    with pytest.raises(CommandError, match=expected):
        run(write(tmp_path, [story(1)]))
    body = [{"widget": "syria-war-timeline", "kind": "profile"}]
    run(write(tmp_path, [story(1, body=body)]))
    assert ProfileBlock.objects.get().widget.slug == "syria-war-timeline"


def test_missing_sections_and_authors_can_be_created(tmp_path, newsroom):
    line = story(1, section="sport", bylines=[{"author": "Sam Reporter"}])
    run(write(tmp_path, [line]), "--create-sections", "--create-authors")
    article = Article.objects.get()
    assert article.section.slug == "sport"
    assert article.bylines.get().author.slug == "sam-reporter"


def test_a_dry_run_writes_nothing(tmp_path, newsroom):
    path = write(tmp_path, [story(1), story(2, tags=["A brand new tag"])])
    before = snapshot()
    output = run(path, "--dry-run")
    assert "2 would be created" in output
    assert snapshot() == before


def test_a_failing_batch_rolls_back_alone_and_a_second_run_finishes(tmp_path, newsroom, monkeypatch):
    path = write(tmp_path, [story(n) for n in range(1, 8)])
    from articles.importing import run as importing

    calls = []
    real = importing.StoryWriter.write

    def write_then_fail_second_batch(self, stories, index=False):
        # Fails after the batch's rows and search documents are written: all of them must go.
        pks = real(self, stories, index=index)
        calls.append(pks)
        if len(calls) == 2:
            raise RuntimeError("the server went away")
        return pks

    monkeypatch.setattr(importing.StoryWriter, "write", write_then_fail_second_batch)
    with pytest.raises(RuntimeError):
        run(path, "--batch-size=3")
    # The first batch is in, whole; the second, written before it failed, is gone, rows and all.
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["story-1", "story-2", "story-3"]
    assert Byline.objects.count() == 6
    assert RichText.objects.count() == 6
    monkeypatch.setattr(importing.StoryWriter, "write", real)
    assert "created 4, skipped 3" in run(path, "--batch-size=3")
    assert Article.objects.count() == 7


def test_a_batch_the_database_refuses_is_one_line_naming_where_to_go_on(tmp_path, newsroom, monkeypatch):
    from django.db import IntegrityError

    from articles.importing import run as importing

    real = importing.StoryWriter.write

    def refuse_second(self, stories, index=False):
        if Article.objects.count() >= 2:
            raise IntegrityError('duplicate key value violates unique constraint "articles_article_slug_key"\nDETAIL')
        return real(self, stories, index=index)

    monkeypatch.setattr(importing.StoryWriter, "write", refuse_second)
    with pytest.raises(CommandError) as failure:
        run(write(tmp_path, [story(n) for n in range(1, 5)]), "--batch-size=2")
    assert str(failure.value) == (
        "line 3: the batch of 2 stories from here was not written "
        '(duplicate key value violates unique constraint "articles_article_slug_key"); '
        "the 2 stories before it are in, and running the same file again goes on from there"
    )
    assert Article.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_workers_write_every_batch_once(tmp_path, newsroom):
    path = write(tmp_path, [story(n) for n in range(1, 12)])
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="--workers needs PostgreSQL"):
            run(path, "--workers=2")
        return
    output = run(path, "--workers=2", "--batch-size=2")
    assert "created 11, skipped 0" in output
    assert sorted(Article.objects.values_list("slug", flat=True)) == sorted(f"story-{n}" for n in range(1, 12))
    assert Byline.objects.count() == 22
    assert TaggedArticle.objects.count() == 33
    assert "Nothing to do: all 11 stories" in run(path, "--workers=2", "--batch-size=2")


@pytest.mark.django_db(transaction=True)
def test_workers_refuse_to_run_inside_a_transaction(tmp_path, newsroom):
    if connection.vendor != "postgresql":
        pytest.skip("--workers needs PostgreSQL")
    path = write(tmp_path, [story(n) for n in range(1, 5)])
    with transaction.atomic(), pytest.raises(CommandError, match="cannot run inside a transaction"):
        run(path, "--workers=2", "--batch-size=2")
    assert not Article.objects.exists()


def test_an_imported_story_has_the_document_a_reindex_would_give_it(tmp_path, newsroom):
    # PostgreSQL builds the documents in the statement that writes the stories;
    # elsewhere index_stories runs after the writes. Either way: the same documents.
    def documents():
        table = connection.ops.quote_name("articles_search") if connection.vendor == "sqlite" else None
        with connection.cursor() as cursor:
            if table is None:
                cursor.execute("SELECT id, search_document::text FROM articles_article ORDER BY id")
            else:
                cursor.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid")
            return cursor.fetchall()

    run(write(tmp_path, [story(1), story(2, body=[{"paragraph": "Fisheries talks & <b>quotas</b>"}])]))
    imported = documents()
    assert len(imported) == 2
    assert all(row[1] for row in imported)
    search.index_stories(Article.objects.values_list("pk", flat=True))
    assert documents() == imported


def test_no_index_skips_the_search_index(tmp_path, newsroom):
    def found():
        matches = search.text_search("number").filter(Article.objects.all())
        return sorted(matches.values_list("slug", flat=True))

    assert "search documents" not in run(write(tmp_path, [story(1)]), "--no-index")
    assert found() == []
    run(write(tmp_path, [story(2)]))
    assert found() == ["story-2"]
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert found() == ["story-1", "story-2"]


def test_the_keys_of_imported_stories_are_renewed_and_cached_pages_show_them(tmp_path, newsroom, client):
    home = client.get("/")
    assert "Story number 1" not in home.content.decode()
    before = dict(DeliveryKey.objects.values_list("key", "version"))
    run(write(tmp_path, [story(1)]))
    article = Article.objects.get()
    after = dict(DeliveryKey.objects.values_list("key", "version"))
    for key in (keys.LIST_HOME, keys.STORIES, keys.list_section(newsroom["world"].pk)):
        assert after.get(key) not in (None, before.get(key)), key
    assert keys.list_author(newsroom["jane"].pk) in after
    assert keys.list_tag(Tag.objects.get(name="Syria").pk) in after
    # Its own key shows on no page yet: no key row for it, and no after-commit receiver redoes the batch.
    assert keys.article(article.pk) not in after
    assert "Story number 1 about the summit" in client.get("/").content.decode()


def test_new_tags_are_made_together_with_taggits_slugs_and_announced(tmp_path, newsroom):
    """One INSERT for the new tags; a slug already taken, or shared by two new names, gets taggit's next free one."""
    syria = factories.TagFactory(name="Syria", slug="syria")
    tag_keys = dict(DeliveryKey.objects.filter(key=keys.TAGS).values_list("key", "version"))
    names = ["Fish & chips", "Fish chips", "SYRIA!", "Ceasefire talks", "Élysée Palace"]
    with CaptureQueriesContext(connection) as queries:
        run(write(tmp_path, [story(1, tags=names)]))
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "taggit_tag"')]
    # The two free slugs in one INSERT; the names sharing "fish-chips" and the one whose "syria" is
    # taken one at a time, by taggit's save (a first try each, and a second where it failed).
    together = [sql for sql in inserts if "Ceasefire talks" in sql]
    assert len(together) == 1 and "Élysée Palace" in together[0]
    assert len(inserts) == 1 + 1 + 2 + 2
    slugs = dict(Tag.objects.exclude(pk=syria.pk).values_list("name", "slug"))
    assert slugs["Ceasefire talks"] == "ceasefire-talks"
    assert slugs["Élysée Palace"] == "élysée-palace"
    assert slugs["SYRIA!"] == "syria_1"
    assert sorted([slugs["Fish & chips"], slugs["Fish chips"]]) == ["fish-chips", "fish-chips_1"]
    assert sorted(Article.objects.get().tags.names()) == sorted(names)
    after = dict(DeliveryKey.objects.values_list("key", "version"))
    assert after[keys.TAGS] != tag_keys.get(keys.TAGS)
    assert keys.tag(Tag.objects.get(name="Ceasefire talks").pk) in after


def _queries(tmp_path, count, name):
    path = write(tmp_path, [story(n, slug=f"{name}-{n}") for n in range(count)], name=f"{name}.jsonl")
    Tag.objects.get_or_create(name="Syria")
    for tag in ("G20", "Russia"):
        Tag.objects.get_or_create(name=tag)
    with CaptureQueriesContext(connection) as queries:
        run(path, f"--batch-size={count}")
    return len(queries)


def test_the_writes_of_a_batch_do_not_grow_with_its_stories(tmp_path, newsroom):
    _queries(tmp_path, 1, "first")  # the tags, and the key rows of the lists, made once
    small = _queries(tmp_path, 3, "small")
    big = _queries(tmp_path, 30, "big")
    assert big == small


def test_postgresql_writes_with_copy_and_everything_else_with_bulk_create():
    from articles.importing.writer import StoryWriter

    assert StoryWriter().copying == (connection.vendor == "postgresql")


def test_a_source_text_problem_names_its_line(tmp_path, newsroom):
    path = tmp_path / "story.txt"
    path.write_text("A headline\n\nNobody We Know\nA caption\n\nA paragraph.\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"^line 3: bylines\[0\].author: no author with slug or name 'Nobody We Know'"
    ):
        run(str(path), "--section=world", "--published-at=2017-07-05T12:00:00Z")
    with pytest.raises(CommandError, match=r"^line 1: published_at: not a date"):
        run(str(path), "--section=world", "--published-at=soon")
    assert not Article.objects.exists()


def test_month_keys_are_renewed_once_at_the_end_and_the_rest_after_each_batch(monkeypatch):
    from articles.importing import run as importing

    applied = []
    monkeypatch.setattr(importing, "new_story_keys", lambda stories: {"list-home", f"stories-{len(stories)}"})
    monkeypatch.setattr("articles.delivery.changes.apply", lambda changed, using=None: applied.append(set(changed)))
    announcer = importing.Announcer("default")
    announcer.batch([1, 2])
    announcer.batch([3])
    assert applied == [{"list-home"}, {"list-home"}]
    announcer.finish()
    assert applied[-1] == {"stories-2", "stories-1"}
    announcer.finish()
    assert len(applied) == 3


def test_the_keys_announced_for_new_stories_are_those_their_rows_touch(tmp_path, newsroom, monkeypatch):
    """new_story_keys works from the rows it is about to write; story_keys reads them back: the same lists."""
    from articles.delivery import keys
    from articles.delivery.changes import story_keys
    from articles.importing import run as importing

    announced = []
    original = importing.new_story_keys

    def new_story_keys(stories):
        announced.append(original(stories))
        return announced[-1]

    monkeypatch.setattr(importing, "new_story_keys", new_story_keys)
    factories.SectionFactory(slug="politics", name="Politics")
    draft = story(3, status="draft", published_at=None)
    run(write(tmp_path, [story(1), story(2, section="politics", tags=["Fisheries"]), draft]))
    pks = list(Article.objects.values_list("pk", flat=True))
    assert len(pks) == 3
    assert announced == [story_keys(pks) - {keys.article(pk) for pk in pks}]
    assert any(key.startswith("list-tag-") for key in announced[0])
    assert any(key.startswith("list-author-") for key in announced[0])


def test_imported_stories_are_found_by_the_reader_search(tmp_path, newsroom, client):
    body = [{"paragraph": "The delegates argued about fisheries quotas until dawn."}]
    run(write(tmp_path, [story(1, body=body), story(2)]))
    found = client.get("/search/", {"q": "fisheries"}).content.decode()
    assert "Story number 1 about the summit" in found
    assert "Story number 2 about the summit" not in found


def test_an_embed_in_the_body_becomes_an_embed_block(tmp_path, newsroom, client):
    from articles.models import Embed

    body = [
        {"paragraph": "Before the video."},
        {"embed": "https://youtu.be/dQw4w9WgXcQ", "title": "The talks, filmed", "caption": "In Geneva."},
        {"paragraph": "After the video."},
    ]
    run(write(tmp_path, [story(1, body=body)]))
    embed = Embed.objects.get()
    assert (embed.url, embed.title, embed.caption) == (
        "https://youtu.be/dQw4w9WgXcQ",
        "The talks, filmed",
        "In Geneva.",
    )
    html = client.get(embed.parent.get_absolute_url()).content.decode()
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert html.index("Before the video.") < html.index("data-embed-src") < html.index("After the video.")


def test_an_embed_from_a_provider_not_on_the_list_is_one_line_naming_the_providers(tmp_path, newsroom):
    body = [{"paragraph": "Text."}, {"embed": "https://example.com/video/1"}]
    expected = r"line 1: body\[1\]\.embed: This is not the address .* Supported: YouTube, Vimeo"
    with pytest.raises(CommandError, match=expected):
        run(write(tmp_path, [story(1, body=body)]))
    assert not Article.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="documents built as the rows are copied: PostgreSQL")
def test_an_imported_story_has_the_search_document_its_rows_give(newsroom):
    """Built as the rows are copied in (INSERT … SELECT), each document is the one the rows give when rebuilt."""
    from articles.importing.writer import PreparedStory, StoryWriter, paragraphs_html
    from articles.models import Embed, ImageBlock, RichText, TimelineBlock

    image = factories.ImageFactory(caption="Delegates arrive at the Elbphilharmonie")

    def prepared(slug, blocks):
        article = {
            "headline": f"Summit {slug}",
            "slug": slug,
            "standfirst": "Leaders meet <in> Hamburg & talk.",
            "section_id": newsroom["world"].pk,
            "status": "published",
            "published_at": datetime.datetime(2017, 7, 5, 12, tzinfo=datetime.UTC),
        }
        author = newsroom["jane"].pk
        return PreparedStory(article=article, bylines=[(author, "by")], tag_ids=[], blocks=blocks)

    def text(*paragraphs, ordering):
        return (RichText, {"ordering": ordering, "text": paragraphs_html(paragraphs)})

    stories = [
        # Text only, in runs split by a widget and an embed; markup characters and entities in the words.
        prepared(
            "text-only",
            [
                text("x&lt;y is not x<y; fish & chips > peas.", "Café\nrésumé, naïve words", ordering=10),
                (TimelineBlock, {"ordering": 20, "widget_id": newsroom["timeline"].pk}),
                text("Ceasefire talks resumed.", ordering=30),
                (Embed, {"ordering": 40, "url": "https://youtu.be/dQw4w9WgXcQ", "title": "Film", "caption": "Geneva"}),
                text("<script>alert(1)</script> is what the hacker typed.", ordering=50),
                (RichText, {"ordering": 60, "text": '<p>Talks <a href="https://a.example/">ran</a> <em>on</em></p>'}),
            ],
        ),
        prepared("no-text", [(TimelineBlock, {"ordering": 10, "widget_id": newsroom["timeline"].pk})]),
        prepared("no-blocks", []),
        # A picture's caption (the library's, where the block has none) is the body's text too.
        prepared(
            "with-picture",
            [
                text("Before the picture.", ordering=10),
                (ImageBlock, {"ordering": 20, "image_id": image.pk, "caption": "", "credit": ""}),
                text("After the picture.", ordering=30),
            ],
        ),
    ]
    with transaction.atomic():
        pks = StoryWriter().write(stories, index=True)

    def documents():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, search_document::text FROM articles_article WHERE id = ANY(%s)", [pks])
            return dict(cursor.fetchall())

    written = documents()
    assert "'elbphilharmoni':" in written[pks[3]]
    # Typed words are words; markup is not.
    assert "'ceasefir':" in written[pks[0]] and "'script'" in written[pks[0]] and "'ran'" in written[pks[0]]
    assert "'href'" not in written[pks[0]] and "'em'" not in written[pks[0]]
    search.index_stories(pks)
    assert documents() == written
