"""Sitemaps, the Google News sitemap and robots.txt."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from django.utils import timezone

from articles.models import Article, Byline
from articles.syndication import sitemaps
from tests import factories

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}

# Each also reads the versions of its keys and the next scheduled story (articles.delivery).
# Those + the story parts' summary + stories of the current month come due since it
# was summed up + sections, tags and authors counts (was 8 with a count over all
# stories and a MAX over their updated_at; the News sitemap is not counted: one page).
INDEX_QUERIES = 7
PART_QUERIES = 4  # those + count + page
# A month's part, rendered: its summary row + its stories + its next scheduled story (no
# count) + keeping the entries on the row (an UPDATE in a savepoint) + key versions.
STORY_PART_QUERIES = 7
# Then, served from the row (page cache off): the row + whether a story came due since
# (which also says when the next one does).
STORY_PART_KEPT_QUERIES = 2
NEWS_QUERIES = 3  # those + the stories (one LIMITed query, no count: at most 1,000)


def fetch_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def locations(root):
    return [loc.text for loc in root.iterfind("sm:url/sm:loc", NS)]


def absolute(path):
    return f"http://testserver{path}"


@pytest.fixture
def hidden_stories(db):
    """A draft, a scheduled and a withdrawn story, each with its own section, tag and author."""
    stories = []
    recently = timezone.now() - datetime.timedelta(hours=2)
    for name, fields in (
        ("draft", {"status": Article.Status.DRAFT, "published_at": recently}),
        ("scheduled", {"published_at": timezone.now() + datetime.timedelta(hours=2)}),
        ("pulled", {"status": Article.Status.UNPUBLISHED, "published_at": recently}),
    ):
        article = factories.ArticleFactory(
            headline=f"Embargoed {name} story",
            section=factories.SectionFactory(name=f"Hidden {name}", slug=f"hidden-{name}"),
            **fields,
        )
        factories.BylineFactory(article=article, author=factories.AuthorFactory(slug=f"only-{name}"))
        factories.TaggedArticleFactory(content_object=article, tag=factories.TagFactory(slug=f"only-{name}"))
        stories.append(article)
    return stories


def test_index_lists_every_part(client):
    root = fetch_xml(client, "/sitemap.xml")
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    # No stories yet: no story part; the others are listed even when empty.
    assert [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", NS)] == [
        absolute("/sitemap-sections.xml"),
        absolute("/sitemap-tags.xml"),
        absolute("/sitemap-authors.xml"),
        absolute("/sitemap-news.xml"),
    ]


def test_index_lists_story_parts_by_month_newest_first(client, seed_story):
    newer = factories.ArticleFactory()
    root = fetch_xml(client, "/sitemap.xml")
    listed = [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", NS)]
    assert listed[:2] == [
        absolute(f"/sitemap-stories-{timezone.localtime(newer.published_at):%Y-%m}.xml"),
        absolute(f"/sitemap-stories-{timezone.localtime(seed_story.published_at):%Y-%m}.xml"),
    ]
    assert listed[2:] == [absolute(f"/sitemap-{name}.xml") for name in ("sections", "tags", "authors", "news")]


def test_index_parts_all_resolve(client, seed_story):
    for loc in fetch_xml(client, "/sitemap.xml").iterfind("sm:sitemap/sm:loc", NS):
        assert fetch_xml(client, loc.text.removeprefix("http://testserver")).tag.endswith("urlset")


def test_index_gives_each_story_part_its_lastmod_with_time_and_zone(client, seed_story):
    newer = factories.ArticleFactory()
    root = fetch_xml(client, "/sitemap.xml")
    path = f"http://testserver/sitemap-stories-{timezone.localtime(newer.published_at):%Y-%m}.xml"
    lastmod = datetime.datetime.fromisoformat(root.find(f"sm:sitemap[sm:loc='{path}']/sm:lastmod", NS).text)
    assert lastmod.tzinfo is not None
    assert lastmod == newer.updated_at.replace(microsecond=0)


def test_stories_with_lastmod(client, seed_story):
    root = fetch_xml(client, f"/sitemap-stories-{timezone.localtime(seed_story.published_at):%Y-%m}.xml")
    url = root.find("sm:url", NS)
    assert url.find("sm:loc", NS).text == absolute(seed_story.get_absolute_url())
    lastmod = datetime.datetime.fromisoformat(url.find("sm:lastmod", NS).text)
    assert lastmod.utcoffset() is not None
    assert lastmod == max(seed_story.updated_at, seed_story.published_at).replace(microsecond=0)


def test_sections_tags_and_authors(client, seed_story):
    assert locations(fetch_xml(client, "/sitemap-sections.xml")) == [absolute("/section/world/")]
    tags = locations(fetch_xml(client, "/sitemap-tags.xml"))
    assert len(tags) == 11
    assert absolute("/tag/no-fly-zones/") in tags
    assert locations(fetch_xml(client, "/sitemap-authors.xml")) == [absolute("/author/our-foreign-staff/")]


def test_tags_and_authors_of_hidden_stories_only_are_left_out(client, seed_story, hidden_stories):
    # An unused tag and an author without stories have no page worth indexing either.
    factories.TagFactory(slug="unused")
    factories.AuthorFactory(slug="new-hire")

    tags = locations(fetch_xml(client, "/sitemap-tags.xml"))
    authors = locations(fetch_xml(client, "/sitemap-authors.xml"))

    assert len(tags) == 11
    assert not [tag for tag in tags if "only-" in tag or "unused" in tag]
    assert authors == [absolute("/author/our-foreign-staff/")]


def test_author_with_a_secondary_byline_is_listed(client):
    photographer = factories.AuthorFactory(name="Zed Photographer", slug="photographer")
    article = factories.ArticleFactory()
    factories.BylineFactory(article=article, author=factories.AuthorFactory(name="A Reporter", slug="reporter"))
    factories.BylineFactory(article=article, author=photographer, role=Byline.Role.PHOTOGRAPHS)
    # Two bylines on two stories: listed once.
    factories.BylineFactory(author=photographer)

    assert locations(fetch_xml(client, "/sitemap-authors.xml")) == [
        absolute("/author/reporter/"),
        absolute("/author/photographer/"),
    ]


def test_hidden_stories_are_in_no_sitemap(client, seed_story, hidden_stories):
    factories.ArticleFactory()  # this month has a part
    index = fetch_xml(client, "/sitemap.xml")
    for loc in index.iterfind("sm:sitemap/sm:loc", NS):
        listed = " ".join(locations(fetch_xml(client, loc.text.removeprefix("http://testserver"))))
        for article in hidden_stories:
            assert article.slug not in listed
            assert f"only-{article.headline.split()[1]}" not in listed
            assert article.section.slug not in listed


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-stories.xml",
        "/sitemap-tags.xml?p=2",
        "/sitemap-tags.xml?p=x",
        "/sitemap-nothing.xml",
        "/sitemap-stories-2017-13.xml",
        "/sitemap-stories-2017-00.xml",
        "/sitemap-stories-1999-01.xml",
        "/sitemap-stories-SEED-2.xml",
        "/sitemap-stories-SEED-1.xml",
        "/sitemap-stories-SEED-02.xml",
    ],
)
def test_bad_sitemap_pages_are_404(client, seed_story, url):
    url = url.replace("SEED", f"{timezone.localtime(seed_story.published_at):%Y-%m}")
    assert client.get(url).status_code == 404


# Google News


@pytest.fixture
def news_now(monkeypatch):
    """The News sitemap's clock, pinned a little in the past so every story below is already published."""
    now = timezone.now() - datetime.timedelta(minutes=10)
    monkeypatch.setattr(sitemaps.NewsSitemap, "now", lambda self: now)
    return now


def news_entries(client):
    root = fetch_xml(client, "/sitemap-news.xml")
    return root.findall("sm:url", NS)


def test_news_window_is_48_hours(client, news_now):
    def story(**ago):
        return factories.ArticleFactory(published_at=news_now - datetime.timedelta(**ago))

    just_inside = story(hours=47, minutes=59)
    just_outside = story(hours=48, minutes=1)
    latest = story(minutes=1)
    # Published after the sitemap's "now": a scheduled story from its point of view.
    after_now = factories.ArticleFactory(published_at=news_now + datetime.timedelta(minutes=1))

    listed = [url.find("sm:loc", NS).text for url in news_entries(client)]

    assert listed == [absolute(latest.get_absolute_url()), absolute(just_inside.get_absolute_url())]
    assert absolute(just_outside.get_absolute_url()) not in listed
    assert absolute(after_now.get_absolute_url()) not in listed


def test_news_entry_fields(client, settings, news_now):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    article = factories.ArticleFactory(
        headline="US & Russia: no-fly zones", published_at=news_now - datetime.timedelta(hours=3)
    )

    root = fetch_xml(client, "/sitemap-news.xml")

    (url,) = root.findall("sm:url", NS)
    news = url.find("news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "The Daily Test"
    assert news.find("news:publication/news:language", NS).text == "en"  # from LANGUAGE_CODE "en-gb"
    assert news.find("news:title", NS).text == "US & Russia: no-fly zones"
    published = datetime.datetime.fromisoformat(news.find("news:publication_date", NS).text)
    assert published.tzinfo is not None
    assert published == article.published_at.replace(microsecond=0)


def test_news_sitemap_declares_the_news_namespace(client, news_now):
    factories.ArticleFactory(published_at=news_now - datetime.timedelta(hours=1))
    body = client.get("/sitemap-news.xml").content.decode()
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in body


def test_news_sitemap_holds_at_most_1000_newest_first(client, news_now):
    section = factories.SectionFactory(name="World", slug="world")
    Article.objects.bulk_create(
        Article(
            headline=f"Story {n}",
            slug=f"bulk-{n}",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=news_now - datetime.timedelta(seconds=n + 1),
        )
        for n in range(1001)
    )

    listed = [url.find("sm:loc", NS).text for url in news_entries(client)]

    assert len(listed) == 1000
    assert listed[0].endswith("/bulk-0/")
    assert listed[-1].endswith("/bulk-999/")


@pytest.mark.parametrize(
    ("language_code", "setting", "expected"),
    [("en-gb", None, "en"), ("pt-br", None, "pt"), ("zh-hans", None, "zh-cn"), ("en-gb", "cy", "cy")],
)
def test_publication_language(settings, language_code, setting, expected):
    settings.LANGUAGE_CODE = language_code
    settings.ARTICLES_PUBLICATION_LANGUAGE = setting
    assert sitemaps.publication_language() == expected


# robots.txt


def test_robots_txt(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /preview/" in lines
    assert [line for line in lines if line.startswith("Disallow:")] == ["Disallow: /admin/", "Disallow: /preview/"]
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines


def test_robots_txt_refuses_post(client):
    assert client.post("/robots.txt").status_code == 405


# Query budget


def make_stories(count, bylines):
    section = factories.SectionFactory(name="World", slug="world")
    for _ in range(count):
        article = factories.ArticleFactory(section=section)
        for position in range(bylines):
            factories.BylineFactory(article=article, position=position)
        factories.TaggedArticleFactory(content_object=article)


@pytest.mark.parametrize(("stories", "bylines"), [(1, 1), (30, 1), (1, 5), (30, 5)])
def test_sitemap_query_count_is_constant(client, django_assert_num_queries, stories, bylines):
    make_stories(stories, bylines)

    with django_assert_num_queries(INDEX_QUERIES):
        fetch_xml(client, "/sitemap.xml")
    month = timezone.localtime(Article.objects.latest("published_at").published_at)
    with django_assert_num_queries(STORY_PART_QUERIES):
        rendered = locations(fetch_xml(client, f"/sitemap-stories-{month:%Y-%m}.xml"))
    assert len(rendered) == stories
    with override_settings(ARTICLES_PAGE_CACHE=None), django_assert_num_queries(STORY_PART_KEPT_QUERIES):
        assert locations(fetch_xml(client, f"/sitemap-stories-{month:%Y-%m}.xml")) == rendered
    for part, expected in (("tags", stories), ("authors", stories * bylines)):
        with django_assert_num_queries(PART_QUERIES):
            assert len(locations(fetch_xml(client, f"/sitemap-{part}.xml"))) == expected
    with django_assert_num_queries(PART_QUERIES):
        fetch_xml(client, "/sitemap-sections.xml")
    with django_assert_num_queries(NEWS_QUERIES):
        assert len(news_entries(client)) == stories
