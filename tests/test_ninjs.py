"""IPTC ninjs out (/ninjs/<slug>.json) and in (manage.py import_stories), valid against the IPTC schemas."""

import io
import json
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from articles.management.commands.import_stories import format_of
from articles.models import (
    Article,
    Author,
    Gallery,
    Image,
    Profile,
    RichText,
    Section,
    Timeline,
    TimelineEvent,
)
from articles.syndication.ninjs import story_document
from benchmarks.generate_stories import generate
from tests import factories
from tests.conftest import SEED_SLUG, SEED_TAGS
from tests.ninjs_schema import errors
from tests.syndication_stories import rich_story

pytestmark = pytest.mark.django_db

VERSIONS = ["3.1", "2.1"]
# The story with section, lead picture, bylines and tags (1) + bylines (1) + tags (1)
# + its body: one query per block type (7) and per widget relation (3)
# + the key versions (articles.delivery.page_cache), whatever the story holds.
NINJS_QUERIES = 14
# A page cache hit: the key versions.
NINJS_CACHED_QUERIES = 1


def url_of(article, version=None):
    return f"/ninjs/{article.slug}.json" + (f"?version={version}" if version else "")


def fetch(client, article, version=None):
    response = client.get(url_of(article, version))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert errors(document, version or "3.1") == []
    return document


def addresses(html):
    return re.findall(r'(?:href|src)="([^"]*)"', html)


# Out


@pytest.mark.parametrize("version", VERSIONS)
def test_the_seed_story_is_a_valid_ninjs_document(client, seed_story, version):
    document = fetch(client, seed_story, version)
    key = (lambda name: name.lower()) if version == "2.1" else (lambda name: name)

    assert document["uri"] == f"tag:testserver,2017-07-05:article:{seed_story.pk}"
    assert document["standard"]["version"] == version
    assert document[key("pubStatus")] == "usable"
    assert document[key("firstCreated")] == "2017-07-05T12:00:00Z"
    assert document["headlines"] == [{"role": "main", key("contentType"): "text/plain", "value": seed_story.headline}]
    assert document["by"] == "By Our Foreign Staff"
    assert "people" not in document
    assert [(org["name"], org["rel"], org["literal"]) for org in document["organisations"]] == [
        ("Our Foreign Staff", "author", "our-foreign-staff")
    ]
    subjects = {(subject["name"], subject["rel"]) for subject in document["subjects"]}
    assert subjects == {(tag, "tag") for tag in SEED_TAGS} | {("World", "section")}
    assert document["slugline"] == SEED_SLUG
    assert document["language"] == "en"
    [body] = document["bodies"]
    assert body[key("contentType")] == "text/html"
    html = body["value"]
    assert html.startswith("<p>The United States is prepared to discuss with Russia")
    assert "Syria war timeline" in html
    assert "Ophthalmologist, trained in London" in html  # the profile's key facts
    assert not re.search(r"<script|class=|style=|\son\w+=", html)
    # The caption of a lead picture the story does not have.
    [lead] = document["associations"]
    assert lead["name"] == "featuremedia"
    assert lead["descriptions"] == [{"role": "caption", "value": seed_story.lead_image_caption}]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_credit_block_and_picture(client, version):
    article = rich_story()
    document = fetch(client, article, version)
    key = (lambda name: name.lower()) if version == "2.1" else (lambda name: name)

    assert document["by"] == (
        "By Jane Hack and Reuters. Additional reporting by Our Foreign Staff. Photographs by Tracy Thompson"
    )
    assert [(person["name"], person["rel"]) for person in document["people"]] == [
        ("Jane Hack", "author"),
        ("Tracy Thompson", "photographs"),
    ]
    assert [(org["name"], org["rel"]) for org in document["organisations"]] == [
        ("Reuters", "author"),
        ("Our Foreign Staff", "additional-reporting"),
    ]
    assert document[key("infoSources")] == [{"name": "Reuters", "role": "agency"}]
    assert {"role": "kicker", key("contentType"): "text/plain", "value": "Analysis"} in document["headlines"]
    assert document["descriptions"][0]["value"] == "What “no-fly zones” would mean & for whom"
    assert document["people"][0]["uri"] == "http://testserver/author/jane-hack/"

    lead, picture = document["associations"]
    assert (lead["name"], picture["name"]) == ("featuremedia", "image-1")
    assert lead["type"] == picture["type"] == "picture"
    assert {"role": "caption", "value": "Rex Tillerson at the podium"} in lead["descriptions"]
    assert lead["by"] == "Pool"
    assert {"role": "caption", "value": "Hamburg, before the summit"} in picture["descriptions"]
    for association in (lead, picture):
        renditions = association["renditions"]
        assert [rendition["name"] for rendition in renditions] == ["w400", "original"]  # an 800-px original
        assert all(rendition["href"].startswith("http://testserver/media/") for rendition in renditions)
        assert renditions[-1]["width"] == 800
        assert renditions[0][key("contentType")] == "image/jpeg"
    if version == "3.1":
        assert (lead["rel"], picture["rel"]) == ("featuremedia", "inline")

    html = document["bodies"][0]["value"]
    assert '<a href="http://testserver/tag/syria/">Syria</a>' in html
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">The statement on video</a>' in html
    assert "Stability on the ground" in html and "Protests begin in Daraa" in html and "Hamburg in pictures" in html
    assert html.count("<img ") == 3  # the body picture and the gallery's two; the lead is an association
    assert all(address.startswith(("http://testserver/", "https://www.youtube.com/")) for address in addresses(html))
    assert not re.search(r"<script|<iframe|<button|<picture|srcset|class=|data-|\son\w+=", html)


def test_addresses_and_uri_come_from_the_site_url_when_set(client, settings):
    settings.ARTICLES_SITE_URL = "https://news.example.com"
    article = rich_story()
    document = fetch(client, article)

    assert document["uri"].startswith("tag:news.example.com,")
    assert document["renditions"][0]["href"] == f"https://news.example.com{article.get_absolute_url()}"
    html = document["bodies"][0]["value"]
    assert all(
        address.startswith(("https://news.example.com/", "https://www.youtube.com/")) for address in addresses(html)
    )


def test_the_uri_outlives_a_new_slug_and_the_old_address_redirects(client):
    article = factories.ArticleFactory(slug="first-slug")
    uri = fetch(client, article)["uri"]
    article.slug = "second-slug"
    article.save()

    response = client.get("/ninjs/first-slug.json?version=2.1")
    assert response.status_code == 301
    assert response["Location"] == "/ninjs/second-slug.json?version=2.1"
    assert fetch(client, article)["uri"] == uri


def test_drafts_scheduled_withdrawn_and_unknown_stories_are_404(client):
    stories = [
        factories.ArticleFactory(draft=True),
        factories.ArticleFactory(scheduled=True),
        factories.ArticleFactory(status=Article.Status.UNPUBLISHED),
        factories.ArticleFactory(status=Article.Status.REVIEW),
    ]
    for article in stories:
        assert client.get(url_of(article)).status_code == 404, article.status
    assert client.get("/ninjs/no-such-story.json").status_code == 404


@pytest.mark.parametrize("version", ["1.0", "3", "3.1x", "", "<script>"])
def test_an_unknown_version_is_a_400_naming_the_versions(client, version):
    article = factories.ArticleFactory()
    response = client.get(url_of(article), {"version": version})
    assert response.status_code == 400
    assert b"2.1, 3.1" in response.content


def test_story_document_refuses_an_unknown_version(seed_story):
    with pytest.raises(ValueError, match=re.escape("2.1, 3.1")):
        story_document(seed_story, version="4.0", base_url="https://example.com/")


@pytest.mark.parametrize("make", [factories.ArticleFactory, rich_story], ids=["plain", "every-block"])
def test_query_count_is_pinned(client, django_assert_num_queries, make):
    article = make()
    with django_assert_num_queries(NINJS_QUERIES):
        assert client.get(url_of(article)).status_code == 200
    with django_assert_num_queries(NINJS_CACHED_QUERIES):
        assert client.get(url_of(article)).status_code == 200


def test_validators_304_and_the_keys_of_what_it_shows(client):
    article = rich_story()
    response = client.get(url_of(article))
    assert response["ETag"] and response["Last-Modified"]
    assert response["Cache-Control"].startswith("public")
    shown = set(response["Surrogate-Key"].split())
    timeline = Timeline.objects.get(placements__parent=article)
    expected = {
        f"article-{article.pk}",
        f"section-{article.section_id}",
        f"image-{article.lead_image_id}",
        f"widget-timeline-{timeline.pk}",
        *(f"author-{byline.author_id}" for byline in article.bylines.all()),
        *(f"tag-{tag.pk}" for tag in article.tags.all()),
    }
    assert expected <= shown
    assert client.get(url_of(article), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_save_is_in_the_next_document(client):
    article = rich_story()
    before = client.get(url_of(article))
    article.headline = "A new headline"
    article.save()
    event = TimelineEvent.objects.get(title="Protests begin in Daraa")
    event.title = "Protests begin in Daraa, March 2011"
    event.save()

    after = client.get(url_of(article), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    document = after.json()
    assert document["headlines"][0]["value"] == "A new headline"
    assert "Protests begin in Daraa, March 2011" in document["bodies"][0]["value"]


# In


def run(path, *args):
    out = io.StringIO()
    call_command("import_stories", str(path), "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def paragraph_texts(article):
    """The story's paragraphs as written, read straight from its text blocks."""
    texts = []
    for block in RichText.objects.filter(parent=article).order_by("ordering"):
        texts += [unescape(text) for text in re.findall(r"<p>(.*?)</p>", block.text, re.S)]
    return texts


def facts(article):
    """What a story must keep through export and import."""
    article = Article.objects.with_page_relations().get(pk=article.pk)
    return {
        "headline": article.headline,
        "kicker": article.kicker,
        "standfirst": article.standfirst,
        "slug": article.slug,
        "status": article.status,
        "published_at": article.published_at,
        "section": (article.section.slug, article.section.name),
        "caption": article.lead_caption,
        "paragraphs": paragraph_texts(article),
        # As readers see them: the printed byline, role group by role group.
        "bylines": [
            (group[0].role, [(byline.author.slug, byline.author.name, byline.author.kind) for byline in group])
            for group in article.byline_groups()
        ],
        "tags": sorted(tag.name for tag in article.tags.all()),
    }


@transaction.atomic
def empty_the_database():
    Article.objects.all().delete()
    for model in (Timeline, Profile, Gallery, Image, Author, Section):
        model.objects.all().delete()
    from taggit.models import Tag

    Tag.objects.all().delete()


def export(client, version):
    stories = list(Article.objects.published().order_by("pk"))
    return stories, [fetch(client, article, version) for article in stories]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layout", ["array", "lines"])
def test_an_export_imported_into_an_empty_site_is_the_same_story_and_twice_changes_nothing(
    client, seed_story, tmp_path, version, layout
):
    generate(8, seed=14, batch_size=10, progress=False)
    stories, documents = export(client, version)
    assert len(stories) > 5
    before = {article.slug: facts(article) for article in stories}
    path = tmp_path / "export.json"
    if layout == "array":
        path.write_text(json.dumps(documents, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(document) + "\n" for document in documents), encoding="utf-8")

    empty_the_database()
    assert "created 0" not in run(path, "--create-sections", "--create-authors")

    after = {article.slug: facts(article) for article in Article.objects.all()}
    assert after == before
    counts = [model.objects.count() for model in (Article, Author, Section, RichText)]

    output = run(path, "--create-sections", "--create-authors")
    assert f"Nothing to do: all {len(stories)} stories are in the database already." in output
    assert [model.objects.count() for model in (Article, Author, Section, RichText)] == counts
    assert {article.slug: facts(article) for article in Article.objects.all()} == before


def test_a_story_with_every_block_keeps_its_text_credits_and_caption(client, tmp_path):
    article = rich_story()
    before = facts(article)
    path = tmp_path / "story.ninjs"
    path.write_text(json.dumps(fetch(client, article), indent=2), encoding="utf-8")

    empty_the_database()
    run(path, "--create-sections", "--create-authors")

    # The text of each paragraph (the link is the sending site's); pictures, quotes and widgets stay behind.
    assert facts(Article.objects.get()) == {
        **before,
        "paragraphs": ["The Syria talks resume.", "Second paragraph.", "Last paragraph."],
    }


def test_known_authors_and_sections_are_found_by_slug_not_made_again(client, seed_story, tmp_path):
    document = fetch(client, seed_story)
    document["slugline"] = "a-copy"
    path = tmp_path / "copy.ninjs.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    authors = Author.objects.count()

    run(path)  # no --create-*: the desk and the section are there

    copy = Article.objects.get(slug="a-copy")
    assert [byline.author.slug for byline in copy.bylines.all()] == ["our-foreign-staff"]
    assert copy.section.slug == "world"
    assert Author.objects.count() == authors
    assert paragraph_texts(copy) == paragraph_texts(seed_story)


def test_a_document_without_a_section_takes_the_section_option(client, seed_story, tmp_path):
    document = fetch(client, seed_story)
    document["slugline"] = "no-section"
    document["subjects"] = [subject for subject in document["subjects"] if subject["rel"] != "section"]
    path = tmp_path / "export.ninjs.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(CommandError, match=r'^line 1: subjects: missing: no subject with "rel": "section"'):
        run(path)
    factories.SectionFactory(slug="politics", name="Politics")
    run(path, "--section", "politics")
    assert Article.objects.get(slug="no-section").section.slug == "politics"


def _bad(document, change):
    document = json.loads(json.dumps(document))
    change(document)
    return document


BAD = [
    (lambda d: d.update(firstCreated="yesterday"), "line 3: firstCreated: not a date"),
    (lambda d: d.pop("headlines"), "line 3: headlines: missing"),
    (lambda d: d.update(pubStatus="draft"), "line 3: pubStatus: 'draft' is not one of canceled, usable, withheld"),
    (lambda d: d.pop("uri"), "line 3: uri: missing"),
    (lambda d: d["organisations"][0].pop("name"), "line 3: organisations[0].name: missing"),
    (lambda d: d.update(people="Jane"), "line 3: people: not a list of objects"),
    (lambda d: d.update(slugline="x" * 300), "line 3: slugline: longer than 255 characters"),
    (lambda d: d["subjects"].append({"name": "t" * 101, "rel": "tag"}), "line 3: subjects: longer than 100"),
]


@pytest.mark.parametrize(("change", "expected"), BAD)
def test_a_bad_document_stops_the_import_naming_line_and_field_and_nothing_is_written(
    client, seed_story, tmp_path, change, expected
):
    good = fetch(client, seed_story)
    good["slugline"] = "a-good-one"
    bad = _bad(good, change)
    if "slugline" in bad and bad["slugline"] == "a-good-one":
        bad["slugline"] = "a-bad-one"
    path = tmp_path / "export.ninjs.json"
    # An array: the good document on line 2, the bad one on line 3.
    path.write_text(f"[\n{json.dumps(good)},\n{json.dumps(bad)}\n]", encoding="utf-8")
    stories = Article.objects.count()

    with pytest.raises(CommandError) as raised:
        run(path, "--create-sections", "--create-authors")
    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)
    assert Article.objects.count() == stories


ODD_VALUES = [
    None,
    3,
    2.5,
    True,
    "text",
    [],
    ["text"],
    [3],
    {},
    {"value": 3},
    [{"value": ["x"]}],
    [{"rel": ["author"]}],
]
PROPERTIES = [
    "uri",
    "headlines",
    "descriptions",
    "bodies",
    "slugline",
    "firstCreated",
    "pubStatus",
    "people",
    "organisations",
    "infoSources",
    "subjects",
    "associations",
    "by",
]


@pytest.mark.parametrize("name", PROPERTIES)
def test_a_property_of_any_shape_is_imported_or_refused_in_one_line(client, seed_story, tmp_path, name):
    good = fetch(client, seed_story)
    documents = []
    for n, value in enumerate(ODD_VALUES):
        document = json.loads(json.dumps(good))
        document["slugline"] = f"odd-{n}"
        document[name] = value
        documents.append(document)
    for n, document in enumerate(documents):
        path = tmp_path / f"odd-{n}.ninjs.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        try:
            run(path, "--create-sections", "--create-authors")
        except CommandError as error:
            assert str(error).startswith("line 1: "), error
            assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[GOOD,\nGOOD", "line 2: document: not JSON (expected ',' or ']')"),
        ('GOOD\n{"uri": \n', "line 3: document: not JSON (Expecting value)"),
        ("[GOOD] trailing", "line 1: document: text after the array"),
        ("[\nGOOD,\n3]", "line 3: document: not a JSON object"),
    ],
)
def test_a_file_that_is_not_ninjs_json_names_its_line(client, seed_story, tmp_path, text, expected):
    good = fetch(client, seed_story)
    good["slugline"] = "a-copy"
    path = tmp_path / "broken.ninjs.json"
    path.write_text(text.replace("GOOD", json.dumps(good)), encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(expected)):
        run(path)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("story.txt", "Headline\n", "text"),
        ("export.ninjs", "{}", "ninjs"),
        ("stories.jsonl", '{"headline": "A", "section": "world"}\n', "jsonl"),
        ("export.json", '[{"uri": "tag:x,2017:1"}]', "ninjs"),
        ("export.json", '{"uri": "tag:x,2017:1", "headlines": []}\n', "ninjs"),
        ("export.json", '{\n  "uri": "tag:x,2017:1"\n}\n', "ninjs"),
        ("stories.json", '{"headline": "A", "uri": "x"}\n', "jsonl"),
    ],
)
def test_the_format_is_told_from_the_name_or_the_first_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert format_of(str(path)) == expected


def test_a_dry_run_of_ninjs_writes_nothing(client, seed_story, tmp_path):
    document = fetch(client, seed_story)
    document["slugline"] = "a-copy"
    path = tmp_path / "copy.ninjs.json"
    path.write_text(json.dumps([fetch(client, seed_story), document]), encoding="utf-8")

    output = run(path, "--dry-run")
    assert "Dry run: 2 stories checked, no problems; 1 would be created, 1 are in the database already" in output
    assert not Article.objects.filter(slug="a-copy").exists()


@pytest.mark.django_db(transaction=True)
def test_workers_write_every_ninjs_batch_once(client, tmp_path):
    from django.db import connection

    stories = [factories.ArticleFactory(slug=f"story-{n}") for n in range(7)]
    documents = [fetch(client, article) for article in stories]
    path = tmp_path / "export.ninjs.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    Article.objects.all().delete()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="--workers needs PostgreSQL"):
            run(path, "--workers=2")
        return
    assert "created 7, skipped 0" in run(path, "--workers=2", "--batch-size=2")
    assert sorted(Article.objects.values_list("slug", flat=True)) == sorted(article.slug for article in stories)
