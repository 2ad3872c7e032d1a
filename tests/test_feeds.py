"""RSS and Atom feeds: every byline, tags as categories, only what readers may see."""

import datetime
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.db import transaction
from django.template import Context, Template
from django.utils import timezone

from articles.feeds import plain_text
from articles.models import Byline
from tests import factories
from tests.conftest import SEED_TAGS

pytestmark = pytest.mark.django_db

# stories + bylines/authors + tags + the next scheduled story + the key versions (articles.delivery)
# + the full text: one query per body block type (7) and per widget relation (3), however many stories
BODY_QUERIES = 10
LATEST_FEED_QUERIES = 5 + BODY_QUERIES
OBJECT_FEED_QUERIES = LATEST_FEED_QUERIES + 1  # the section, tag or author + the above

FLAVOURS = ["rss", "atom"]


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def entry_for(parsed, article):
    matches = [entry for entry in parsed.entries if entry.link.endswith(article.get_absolute_url())]
    assert len(matches) == 1
    return matches[0]


def story_with_bylines(*authors, **kwargs):
    article = factories.ArticleFactory(**kwargs)
    for position, (author, role) in enumerate(authors):
        factories.BylineFactory(article=article, author=author, role=role, position=position)
    return article


def object_feed_url(kind, slug, flavour):
    return f"/feeds/{kind}/{slug}/{flavour}/"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_seed_story_in_latest_feed_with_desk_byline_and_tags(client, seed_story, flavour):
    parsed = fetch(client, f"/feeds/{flavour}/")

    entry = entry_for(parsed, seed_story)
    assert entry.title == seed_story.headline
    assert entry.link == f"http://testserver{seed_story.get_absolute_url()}"
    assert [author.name for author in entry.authors] == ["Our Foreign Staff"]
    assert {tag.term for tag in entry.tags} == SEED_TAGS
    published = datetime.datetime(*entry.published_parsed[:6], tzinfo=datetime.UTC)
    assert published == seed_story.published_at


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_authors_in_byline_order_and_other_roles_as_contributors(client, flavour):
    desk = factories.AuthorFactory(name="Our Foreign Staff", slug="foreign-staff", kind="desk")
    reporter = factories.AuthorFactory(name="Roland Oliphant", slug="roland-oliphant")
    agency = factories.AuthorFactory(name="Reuters", slug="reuters", kind="agency")
    article = story_with_bylines(
        (reporter, Byline.Role.BY),
        (desk, Byline.Role.BY),
        (agency, Byline.Role.ADDITIONAL_REPORTING),
        standfirst="Washington would consider joint no-fly zones.",
    )

    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), article)

    assert [contributor.name for contributor in entry.contributors] == ["Reuters"]
    assert entry.summary == "Washington would consider joint no-fly zones."
    if flavour == "rss":
        # One credit line, as the byline prints it.
        assert [author.name for author in entry.authors] == ["Roland Oliphant and Our Foreign Staff"]
    else:
        assert [author.name for author in entry.authors] == ["Roland Oliphant", "Our Foreign Staff"]
        assert [author.href for author in entry.authors] == [
            "http://testserver/author/roland-oliphant/",
            "http://testserver/author/foreign-staff/",
        ]
        assert [contributor.href for contributor in entry.contributors] == ["http://testserver/author/reuters/"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_standfirst_is_text_not_markup(client, flavour):
    article = factories.ArticleFactory(standfirst="Q&A: why <no-fly> zones?")
    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), article)
    # HTML that reads as the standfirst, not a <no-fly> element.
    assert entry.summary == "Q&amp;A: why &lt;no-fly&gt; zones?"


def test_rss_writes_one_dc_creator_with_the_credit_line(client):
    authors = [factories.AuthorFactory(name=f"Reporter {n}") for n in range(3)]
    story_with_bylines(*((author, Byline.Role.BY) for author in authors))

    body = client.get("/feeds/rss/").content.decode()

    assert 'xmlns:dc="http://purl.org/dc/elements/1.1/"' in body
    assert body.count("<dc:creator>") == 1
    assert "<dc:creator>Reporter 0, Reporter 1 and Reporter 2</dc:creator>" in body
    # No per-element namespace declarations (Django's single-author style).
    assert "<dc:creator xmlns" not in body


def test_atom_entries_without_bylines_fall_back_to_the_publication(client, settings):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Wire Test"
    factories.ArticleFactory()

    parsed = fetch(client, "/feeds/atom/")

    assert parsed.feed.author == "The Daily Wire Test"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_item_dates_and_stable_id(client, flavour):
    article = factories.ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=2))
    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), article)
    assert entry.id.startswith("tag:testserver,")
    assert entry.id.endswith(f":article:{article.pk}")
    if flavour == "atom":
        updated = datetime.datetime(*entry.updated_parsed[:6], tzinfo=datetime.UTC)
        assert updated == article.updated_at.replace(microsecond=0)

    # A new slug (and so a new link) keeps the id: subscribers do not see the story twice.
    article.slug = "a-better-slug"
    article.save()
    assert entry_for(fetch(client, f"/feeds/{flavour}/"), article).id == entry.id


def test_rss_guid_is_not_a_permalink(client):
    factories.ArticleFactory()
    assert 'isPermaLink="false"' in client.get("/feeds/rss/").content.decode()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_feed_size_and_order(client, settings, flavour):
    settings.ARTICLES_FEED_SIZE = 2
    now = timezone.now()
    _oldest, middle, newest = (
        factories.ArticleFactory(published_at=now - datetime.timedelta(hours=hours)) for hours in (3, 2, 1)
    )

    parsed = fetch(client, f"/feeds/{flavour}/")

    assert [entry.title for entry in parsed.entries] == [newest.headline, middle.headline]


def test_feed_size_defaults_to_30(client):
    for _ in range(31):
        factories.ArticleFactory()
    assert len(fetch(client, "/feeds/rss/").entries) == 30


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_section_feed(client, settings, flavour):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    politics = factories.SectionFactory(name="Politics", slug="politics")
    in_politics = factories.ArticleFactory(section=politics)
    elsewhere = factories.ArticleFactory()

    parsed = fetch(client, object_feed_url("section", "politics", flavour))

    assert [entry.title for entry in parsed.entries] == [in_politics.headline]
    assert parsed.feed.title == "The Daily Test: Politics"
    assert parsed.feed.link == "http://testserver/section/politics/"
    assert elsewhere.headline not in {entry.title for entry in parsed.entries}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_tag_feed(client, settings, flavour):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    tag = factories.TagFactory(name="No-fly zones", slug="no-fly-zones")
    tagged = factories.TaggedArticleFactory(tag=tag).content_object
    factories.TaggedArticleFactory()  # another story, another tag

    parsed = fetch(client, object_feed_url("tag", "no-fly-zones", flavour))

    assert [entry.title for entry in parsed.entries] == [tagged.headline]
    assert parsed.feed.title == "The Daily Test: stories tagged “No-fly zones”"
    assert [tag.term for tag in parsed.entries[0].tags] == ["No-fly zones"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_author_feed_has_stories_with_any_byline_once(client, settings, flavour):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    reporter = factories.AuthorFactory(name="Roland Oliphant", slug="roland-oliphant")
    lead = story_with_bylines((reporter, Byline.Role.BY))
    # Second in the byline, in another role: still theirs.
    contributed = story_with_bylines(
        (factories.AuthorFactory(), Byline.Role.BY), (reporter, Byline.Role.ADDITIONAL_REPORTING)
    )
    # Two bylines on one story: listed once.
    both_roles = story_with_bylines((reporter, Byline.Role.BY), (reporter, Byline.Role.PHOTOGRAPHS))
    not_theirs = story_with_bylines((factories.AuthorFactory(), Byline.Role.BY))

    parsed = fetch(client, object_feed_url("author", "roland-oliphant", flavour))

    titles = [entry.title for entry in parsed.entries]
    assert sorted(titles) == sorted([lead.headline, contributed.headline, both_roles.headline])
    assert not_theirs.headline not in titles
    assert parsed.feed.title == "The Daily Test: stories by Roland Oliphant"


@pytest.mark.parametrize("kind", ["section", "tag", "author"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_unknown_slug_is_404(client, kind, flavour):
    factories.ArticleFactory()
    assert client.get(object_feed_url(kind, "no-such-thing", flavour)).status_code == 404


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_drafts_and_scheduled_stories_are_in_no_feed(client, flavour):
    section = factories.SectionFactory(name="Politics", slug="politics")
    tag = factories.TagFactory(name="Budget", slug="budget")
    author = factories.AuthorFactory(slug="political-editor")
    visible = story_with_bylines((author, Byline.Role.BY), section=section)
    hidden = [
        story_with_bylines((author, Byline.Role.BY), section=section, draft=True),
        story_with_bylines((author, Byline.Role.BY), section=section, scheduled=True),
        story_with_bylines((author, Byline.Role.BY), section=section, status="unpublished"),
    ]
    for article in [visible, *hidden]:
        factories.TaggedArticleFactory(content_object=article, tag=tag)

    for url in (
        f"/feeds/{flavour}/",
        object_feed_url("section", "politics", flavour),
        object_feed_url("tag", "budget", flavour),
        object_feed_url("author", "political-editor", flavour),
    ):
        titles = [entry.title for entry in fetch(client, url).entries]
        assert titles == [visible.headline], url


@transaction.atomic  # one change, as a desk's bulk load would be: announced once
def make_stories(count, bylines, section, tag, author):
    for _ in range(count):
        article = factories.ArticleFactory(section=section)
        factories.BylineFactory(article=article, author=author, position=0)
        for position in range(1, bylines):
            factories.BylineFactory(article=article, position=position)
        factories.TaggedArticleFactory(content_object=article, tag=tag)
        factories.TaggedArticleFactory(content_object=article)


@pytest.mark.parametrize(("stories", "bylines"), [(1, 1), (30, 1), (1, 5), (30, 5)])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_feed_query_count_is_constant(client, django_assert_num_queries, stories, bylines, flavour):
    section = factories.SectionFactory(name="World", slug="world")
    tag = factories.TagFactory(name="Syria", slug="syria")
    author = factories.AuthorFactory(slug="foreign-staff")
    make_stories(stories, bylines, section, tag, author)

    with django_assert_num_queries(LATEST_FEED_QUERIES):
        assert len(fetch(client, f"/feeds/{flavour}/").entries) == stories
    for kind, slug in (("section", "world"), ("tag", "syria"), ("author", "foreign-staff")):
        with django_assert_num_queries(OBJECT_FEED_QUERIES):
            parsed = fetch(client, object_feed_url(kind, slug, flavour))
        assert len(parsed.entries) == stories
        # RSS: one credit line; Atom: one author each.
        assert all(len(entry.authors) == (bylines if flavour == "atom" else 1) for entry in parsed.entries)


# Autodiscovery


def render_feed_links(**context):
    return Template('{% include "articles/includes/feed_links.html" %}').render(Context(context))


def alternate_links(html):
    return re.findall(r'<link rel="alternate" type="([^"]+)" title="([^"]+)" href="([^"]+)">', html)


def test_every_page_links_the_latest_feeds(client, settings):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    html = client.get("/").content.decode()
    assert alternate_links(html) == [
        ("application/rss+xml", "The Daily Test: latest stories (RSS)", "/feeds/rss/"),
        ("application/atom+xml", "The Daily Test: latest stories (Atom)", "/feeds/atom/"),
    ]


def test_article_page_links_the_latest_feeds(client, seed_story):
    html = client.get(seed_story.get_absolute_url()).content.decode()
    assert [href for _type, _title, href in alternate_links(html)] == ["/feeds/rss/", "/feeds/atom/"]


@pytest.mark.parametrize(
    ("factory", "kind"),
    [(factories.SectionFactory, "section"), (factories.TagFactory, "tag"), (factories.AuthorFactory, "author")],
)
def test_listed_object_adds_its_own_feeds_without_queries(django_assert_num_queries, settings, factory, kind):
    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    obj = factory(name="Syria", slug="syria")

    with django_assert_num_queries(0):
        links = alternate_links(render_feed_links(feed_object=obj))

    assert [href for _type, _title, href in links] == [
        "/feeds/rss/",
        "/feeds/atom/",
        f"/feeds/{kind}/syria/rss/",
        f"/feeds/{kind}/syria/atom/",
    ]
    assert "Syria" in links[2][1]
    assert links[3][0] == "application/atom+xml"


def test_latest_feed_links_follow_the_language_and_the_mount(settings):
    # The latest stories' links are worked out once per language and mount (every page has them).
    from django.urls import set_script_prefix
    from django.utils import translation

    settings.ARTICLES_PUBLICATION_NAME = "The Daily Test"
    english = alternate_links(render_feed_links())
    with translation.override("de"):
        german = alternate_links(render_feed_links())
    try:
        set_script_prefix("/news/")
        mounted = alternate_links(render_feed_links())
    finally:
        set_script_prefix("/")
    assert english[0][1] == "The Daily Test: latest stories (RSS)"
    assert german[0][1] != english[0][1] and "The Daily Test" in german[0][1]
    assert [href for _type, _title, href in mounted] == ["/news/feeds/rss/", "/news/feeds/atom/"]
    assert alternate_links(render_feed_links()) == english


def test_other_feed_object_is_ignored():
    assert len(alternate_links(render_feed_links(feed_object="not a feed owner"))) == 2


ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_ABOUT = (
    '<p>Reporting from <b>Beirut</b> &amp; Damascus.</p><script>alert("d")</script>'
    "<scr<i>ipt>alert(2)</script> Q&A: 3 < 4 <img src=x onerror=alert(1)//"
)
HOSTILE_ABOUT_AS_TEXT = (
    'Reporting from Beirut &amp; Damascus. alert("d") alert(2) Q&A: 3 < 4 img src=x onerror=alert(1)//'
)


def channel_text(client, url):
    """The RSS channel's description or the Atom feed's subtitle, as a feed reader gets it."""
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    element = root.find("channel/description")
    if element is None:
        element = root.find(f"{ATOM}subtitle")
    return element.text


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_section_and_author_feeds_describe_themselves_in_plain_text(client, flavour):
    """A section description or author bio may hold anything; the channel gets its text, no markup."""
    section = factories.SectionFactory(slug="middle-east", description=HOSTILE_ABOUT)
    author = factories.AuthorFactory(slug="beirut-bureau", bio=HOSTILE_ABOUT)
    for url in (object_feed_url("section", section.slug, flavour), object_feed_url("author", author.slug, flavour)):
        assert channel_text(client, url) == HOSTILE_ABOUT_AS_TEXT


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_tag_and_latest_feeds_describe_themselves_in_plain_text(client, settings, flavour):
    settings.ARTICLES_PUBLICATION_NAME = "The <b>Newsroom</b>"
    tag = factories.TagFactory(name="<img src=x onerror=alert(1)>Syria", slug="syria")
    factories.TaggedArticleFactory(tag=tag)
    assert channel_text(client, object_feed_url("tag", "syria", flavour)) == "The Newsroom : stories tagged “ Syria”"
    assert channel_text(client, f"/feeds/{flavour}/") == "The Newsroom : latest stories"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Foreign news, Q&A and analysis.", "Foreign news, Q&A and analysis."),
        ("3 < 4 and <3", "3 < 4 and <3"),
        ("<p>One</p>\n\n<p>Two</p>", "One Two"),
        ("<<<b>>>", "<< >>"),
        ("a <!-- hidden --> b", "a b"),
        ("<img src=x onerror=alert(1)", "img src=x onerror=alert(1)"),
        ("<" * 30 + "a" + ">" * 30, "<" * 29 + " " + ">" * 29),
    ],
)
def test_plain_text_leaves_nothing_that_opens_markup(value, text):
    assert plain_text(value) == text
    assert not re.search(r"<[A-Za-z/!?]", plain_text(value))
