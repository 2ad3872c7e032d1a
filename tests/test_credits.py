"""Bylines credited right everywhere a story goes: feeds, JSON-LD, meta tags and the printed byline.

Only "by" bylines are authors; additional reporting, photographs, video and
graphics are contributors, and editing is editing (articles.syndication.credits).
Feeds also get a summary that is never empty and item ids that do not
depend on the host a request names.
"""

from html.parser import HTMLParser

import feedparser
import pytest
from django.template.loader import render_to_string
from django.utils import translation

from articles.models import Article, Author, Byline
from articles.syndication import credits, summaries
from tests import factories
from tests.test_feeds import LATEST_FEED_QUERIES, entry_for, fetch
from tests.test_metadata import author_page, jsonld, page, values

pytestmark = pytest.mark.django_db

FLAVOURS = ["rss", "atom"]


@pytest.fixture
def credited_story():
    """By Jane Hack and Reuters, with a desk's additional reporting, a photographer and an editor."""
    article = factories.ArticleFactory(standfirst="Washington would consider joint no-fly zones.")
    people = {
        "jane": factories.AuthorFactory(name="Jane Hack", slug="jane-hack", kind=Author.Kind.PERSON),
        "reuters": factories.AuthorFactory(name="Reuters", slug="reuters", kind=Author.Kind.AGENCY),
        "desk": factories.AuthorFactory(name="Our Foreign Staff", slug="foreign-staff", kind=Author.Kind.DESK),
        "tracy": factories.AuthorFactory(name="Tracy Thompson", slug="tracy-thompson"),
        "molly": factories.AuthorFactory(name="Molly Hunt", slug="molly-hunt"),
    }
    # Created out of order: every output follows the byline positions.
    for position, (who, role) in reversed(
        list(
            enumerate(
                [
                    ("jane", Byline.Role.BY),
                    ("reuters", Byline.Role.BY),
                    ("desk", Byline.Role.ADDITIONAL_REPORTING),
                    ("tracy", Byline.Role.PHOTOGRAPHS),
                    ("molly", Byline.Role.EDITED),
                ]
            )
        )
    ):
        factories.BylineFactory(article=article, author=people[who], role=role, position=position)
    return article, people


def reader_copy(article):
    return Article.objects.for_reader().get(pk=article.pk)


# Feeds


def test_rss_creator_is_the_credit_line_led_by_the_first_reporter(client, credited_story):
    article, _people = credited_story
    entry = entry_for(fetch(client, "/feeds/rss/"), article)
    # feedparser shows the last of several creators as the story's author;
    # one credit line makes that the whole byline, lead reporter first.
    assert entry.author == "Jane Hack and Reuters"
    assert [author.name for author in entry.authors] == ["Jane Hack and Reuters"]
    assert [person.name for person in entry.contributors] == ["Our Foreign Staff", "Tracy Thompson", "Molly Hunt"]


def test_atom_authors_in_byline_order_and_contributors_apart(client, credited_story):
    article, people = credited_story
    entry = entry_for(fetch(client, "/feeds/atom/"), article)
    assert [(author.name, author.href) for author in entry.authors] == [
        ("Jane Hack", author_page(people["jane"])),
        ("Reuters", author_page(people["reuters"])),
    ]
    assert [(person.name, person.href) for person in entry.contributors] == [
        ("Our Foreign Staff", author_page(people["desk"])),
        ("Tracy Thompson", author_page(people["tracy"])),
        ("Molly Hunt", author_page(people["molly"])),
    ]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_story_with_no_by_line_has_no_author_but_its_contributors(client, flavour):
    article = factories.ArticleFactory()
    factories.BylineFactory(article=article, author__name="Tracy Thompson", role=Byline.Role.PHOTOGRAPHS)
    body = client.get(f"/feeds/{flavour}/").content.decode()
    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), article)
    assert "Tracy Thompson" not in [author.get("name") for author in entry.get("authors", [])]
    assert [person.name for person in entry.contributors] == ["Tracy Thompson"]
    assert "<dc:creator>" not in body


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_seed_story_summary_is_its_first_paragraph(client, seed_story, flavour):
    assert seed_story.standfirst == ""
    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), seed_story)
    assert entry.summary == (
        "The United States is prepared to discuss with Russia joint military efforts to stabilise war-torn "
        "Syria, including no-fly zones, US\xa0Secretary of State Rex Tillerson said on Wednesday."
    )


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_summary_is_the_first_text_block_as_plain_text(client, flavour):
    article = factories.ArticleFactory(standfirst="  ")
    factories.RichTextFactory(parent=article, ordering=30, text="<p>Later on.</p>")
    factories.RichTextFactory(parent=article, ordering=20, text="<h2>Talks</h2><p>Q&amp;A: <b>who</b> knew?</p>")
    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), article)
    # HTML that reads as the paragraph's text, like the standfirst.
    assert entry.summary == "Q&amp;A: who knew?"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_story_without_any_text_is_summed_up_by_its_headline(client, flavour):
    article = factories.ArticleFactory(standfirst="", headline="Ceasefire holds")
    entry = entry_for(fetch(client, f"/feeds/{flavour}/"), article)
    assert entry.summary == "Ceasefire holds"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One.</p><p>Two.</p>", "One."),
        ("<p> </p><p>Two<br>lines.</p>", "Two lines."),
        ("<ul><li>Only</li><li>a list</li></ul>", "Only a list"),
        ("<p>Never closed", "Never closed"),
        ("<p>Left open<p>Next", "Left open"),
        ("<p>US\xa0Secretary  of\nState</p>", "US\xa0Secretary of State"),
        ("", ""),
    ],
)
def test_first_paragraph(html, text):
    assert summaries.first_paragraph(html) == text


@pytest.mark.parametrize("count", [1, 10])
def test_summaries_cost_no_query_beyond_the_full_text(client, django_assert_num_queries, count):
    # The first paragraph comes from the blocks the feed's full text reads anyway.
    for _ in range(count):
        article = factories.ArticleFactory(standfirst="")
        factories.RichTextFactory(parent=article, ordering=20, text="<p>Last.</p>")
        factories.RichTextFactory(parent=article, ordering=10, text="<p>First.</p><p>Second.</p>")
    with django_assert_num_queries(LATEST_FEED_QUERIES):
        parsed = fetch(client, "/feeds/atom/")
    assert [entry.summary for entry in parsed.entries] == ["First."] * count


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_item_ids_come_from_the_site_url_not_the_request_host(client, settings, flavour):
    settings.ALLOWED_HOSTS = ["news.example.com", "mirror.example.net"]
    settings.ARTICLES_SITE_URL = "https://news.example.com/"
    article = factories.ArticleFactory()

    ids = {
        entry_for(fetch_from(client, f"/feeds/{flavour}/", host), article).id
        for host in ("news.example.com", "mirror.example.net")
    }

    assert len(ids) == 1
    assert ids.pop() == f"tag:news.example.com,{article.created_at:%Y-%m-%d}:article:{article.pk}"


def test_without_a_site_url_item_ids_name_the_feeds_own_host(client, settings):
    settings.ALLOWED_HOSTS = ["mirror.example.net"]
    article = factories.ArticleFactory()
    entry = entry_for(fetch_from(client, "/feeds/rss/", "mirror.example.net"), article)
    assert entry.id.startswith("tag:mirror.example.net,")


def fetch_from(client, url, host):
    response = client.get(url, headers={"host": host})
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    return parsed


# JSON-LD, Open Graph and <meta name="author">


def test_jsonld_roles(client, credited_story):
    article, people = credited_story
    data = jsonld(page(client, article))

    assert data["author"] == [
        {"@type": "Person", "name": "Jane Hack", "url": author_page(people["jane"])},
        {"@type": "Organization", "name": "Reuters", "url": author_page(people["reuters"])},
    ]
    assert data["contributor"] == [
        {"@type": "Organization", "name": "Our Foreign Staff", "url": author_page(people["desk"])},
        {"@type": "Person", "name": "Tracy Thompson", "url": author_page(people["tracy"])},
    ]
    assert data["editor"] == [{"@type": "Person", "name": "Molly Hunt", "url": author_page(people["molly"])}]


def test_meta_author_and_open_graph_name_only_the_authors(client, credited_story):
    article, people = credited_story
    head = page(client, article)
    assert values(head, "author") == ["Jane Hack, Reuters"]
    assert values(head, "article:author") == [author_page(people["jane"]), author_page(people["reuters"])]


def test_no_author_meta_without_a_by_line(client):
    article = factories.ArticleFactory()
    factories.BylineFactory(article=article, role=Byline.Role.EDITED)
    head = page(client, article)
    data = jsonld(head)
    assert values(head, "author") == []
    assert values(head, "article:author") == []
    assert data["author"] == []
    assert len(data["editor"]) == 1


def test_credits_read_each_role(credited_story):
    article, _people = credited_story
    article = reader_copy(article)
    assert [author.name for author in credits.authors(article)] == ["Jane Hack", "Reuters"]
    assert [author.name for author in credits.contributors(article)] == [
        "Our Foreign Staff",
        "Tracy Thompson",
        "Molly Hunt",
    ]
    assert [author.name for author in credits.contributors(article, credits.CONTRIBUTING_ROLES)] == [
        "Our Foreign Staff",
        "Tracy Thompson",
    ]
    assert [author.name for author in credits.editors(article)] == ["Molly Hunt"]
    assert credits.credit_line(["Jane Hack"]) == "Jane Hack"
    assert credits.credit_line(["A", "B", "C"]) == "A, B and C"


# The printed byline, as text


class _ElementText(HTMLParser):
    """The text of the first element carrying ``css_class``, as a text extractor reads it."""

    def __init__(self, css_class):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.depth = 0
        self.done = False
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if self.depth:
            self.depth += 1
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data):
        if self.depth:
            self.text += data


def element_text(html, css_class):
    parser = _ElementText(css_class)
    parser.feed(html)
    return parser.text


def test_printed_byline_reads_right_as_text(client, credited_story):
    article, _people = credited_story
    html = client.get(article.get_absolute_url()).content.decode()
    assert element_text(html, "byline") == (
        "By Jane Hack and Reuters. Additional reporting by Our Foreign Staff. "
        "Photographs by Tracy Thompson. Edited by Molly Hunt"
    )


def test_seed_story_byline_as_text(client, seed_story):
    html = client.get(seed_story.get_absolute_url()).content.decode()
    assert element_text(html, "byline") == "By Our Foreign Staff"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Von Jane Hack und Reuters. Mitarbeit von Our Foreign Staff. Fotos von Tracy Thompson"),
        ("fr", "Par Jane Hack et Reuters. Avec Our Foreign Staff. Photos de Tracy Thompson"),
    ],
)
def test_printed_byline_is_translated(credited_story, language, text):
    article, _people = credited_story
    article = reader_copy(article)
    with translation.override(language):
        html = render_to_string("articles/includes/byline.html", {"article": article})
    assert element_text(html, "byline").startswith(text)


def test_printed_byline_escapes_names_and_joins_three_with_commas():
    article = factories.ArticleFactory()
    for position, name in enumerate(["Jane <Hack>", "A & B", "Ann O'Neil"]):
        factories.BylineFactory(article=article, author=factories.AuthorFactory(name=name), position=position)
    html = render_to_string("articles/includes/byline.html", {"article": reader_copy(article)})
    assert "Jane &lt;Hack&gt;</a>, " in html and "A &amp; B</a> and " in html and "Ann O&#x27;Neil</a>" in html
    assert element_text(html, "byline") == "By Jane <Hack>, A & B and Ann O'Neil"
    assert html.count('class="byline__author" href="/author/author-') == 3


def test_printed_byline_of_a_story_without_bylines_is_empty():
    article = factories.ArticleFactory()
    html = render_to_string("articles/includes/byline.html", {"article": reader_copy(article)})
    assert html.strip() == '<p class="byline"></p>'


def test_printed_byline_reads_a_role_no_longer_offered_as_stored(credited_story):
    article, _people = credited_story
    article = reader_copy(article)
    retired = article.bylines.all()[0]
    retired.role = "interviews by"  # a row from before a role was withdrawn
    html = render_to_string("articles/includes/byline.html", {"article": article})
    assert element_text(html, "byline").startswith("Interviews by Jane Hack. By Reuters")


def test_printed_byline_follows_each_requests_language_in_one_process(credited_story):
    article, _people = credited_story
    article = reader_copy(article)
    texts = []
    for language in ("de", "en", "fr", "de"):
        with translation.override(language):
            html = render_to_string("articles/includes/byline.html", {"article": article})
        texts.append(element_text(html, "byline").split(" Jane")[0])
    assert texts == ["Von", "By", "Par", "Von"]
