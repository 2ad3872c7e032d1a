"""A story's metadata: schema.org NewsArticle JSON-LD, Open Graph, Twitter card, canonical."""

import datetime
import json
import pathlib
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from articles import metadata
from articles.models import Article, Author, Byline
from tests import factories
from tests.conftest import SEED_TAGS

# Author pages (articles:author) may come from another branch; this urlconf
# is the real one when they are there.
pytestmark = pytest.mark.django_db


class _HeadParser(HTMLParser):
    """Collects <meta>, <link rel=canonical> and the text of each <script> by type."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta = []  # (property or name, content) in page order
        self.canonicals = []
        self.scripts = []  # (type, raw text)
        self._script_type = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.append((attrs.get("property") or attrs.get("name"), attrs.get("content")))
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonicals.append(attrs["href"])
        elif tag == "script":
            self._script_type = attrs.get("type", "")
            self.scripts.append((self._script_type, ""))

    def handle_data(self, data):
        if self._script_type is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None


def read_head(html):
    parser = _HeadParser()
    parser.feed(html)
    return parser


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return read_head(response.content.decode())


def jsonld(head):
    blocks = [text for kind, text in head.scripts if kind == "application/ld+json"]
    assert len(blocks) == 1
    return json.loads(blocks[0])


def values(head, key):
    return [content for name, content in head.meta if name == key]


def author_page(author):
    return "http://testserver" + reverse("articles:author", kwargs={"slug": author.slug})


def _request():
    return RequestFactory().get("/")


def stamp(value):
    return timezone.localtime(value).isoformat(timespec="seconds")


@override_settings(TIME_ZONE="Europe/London", ARTICLES_PUBLICATION_NAME="The Daily Test")
def test_seed_story_news_article(client, seed_story):
    data = jsonld(page(client, seed_story))
    story_url = "http://testserver" + seed_story.get_absolute_url()
    desk = Author.objects.get(slug="our-foreign-staff")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == seed_story.headline
    # 12:00 UTC on 5 July 2017 is 13:00 British Summer Time.
    assert data["datePublished"] == "2017-07-05T13:00:00+01:00"
    assert data["dateModified"] == stamp(seed_story.updated_at)
    assert data["dateModified"] >= data["datePublished"]
    assert data["author"] == [{"@type": "Organization", "name": "Our Foreign Staff", "url": author_page(desk)}]
    # The demo's logo (ARTICLES_PUBLISHER_LOGO_URL in newsroom/settings.py).
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "The Daily Test",
        "logo": {"@type": "ImageObject", "url": "http://testserver/static/newsroom/logo.png"},
    }
    assert data["articleSection"] == "World"
    assert len(data["keywords"]) == 11
    assert set(data["keywords"]) == SEED_TAGS
    assert "image" not in data
    # The seed story has neither standfirst nor SEO description: none is made up.
    assert "description" not in data
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": story_url}
    assert data["isAccessibleForFree"] is True
    assert data["inLanguage"] == "en-GB"


def test_seed_story_page_head(client, seed_story):
    head = page(client, seed_story)
    story_url = "http://testserver" + seed_story.get_absolute_url()
    assert head.canonicals == [story_url]
    assert values(head, "og:type") == ["article"]
    assert values(head, "og:url") == [story_url]
    assert values(head, "og:title") == [seed_story.headline]
    assert values(head, "article:published_time") == [stamp(seed_story.published_at)]
    assert values(head, "article:section") == ["World"]
    assert values(head, "article:author") == [author_page(Author.objects.get(slug="our-foreign-staff"))]
    assert set(values(head, "article:tag")) == SEED_TAGS
    assert len(values(head, "article:tag")) == 11
    # No art: the demo's default share picture (ARTICLES_DEFAULT_SHARE_IMAGE), with no size claimed for it.
    share = "http://testserver/static/newsroom/share.png"
    assert values(head, "og:image") == values(head, "twitter:image") == [share]
    assert values(head, "og:image:width") == values(head, "og:image:alt") == []
    assert values(head, "twitter:card") == ["summary_large_image"]
    assert values(head, "description") == []


def test_people_desks_and_agencies_in_byline_order(client):
    article = factories.ArticleFactory(standfirst="Talks resume in Geneva.")
    reporter = factories.AuthorFactory(name="Jane Reporter", kind=Author.Kind.PERSON)
    desk = factories.AuthorFactory(name="Our Foreign Staff", kind=Author.Kind.DESK)
    agency = factories.AuthorFactory(name="Reuters", kind=Author.Kind.AGENCY)
    # Created out of order: the page follows the byline positions.
    factories.BylineFactory(article=article, author=agency, position=3)
    factories.BylineFactory(article=article, author=reporter, position=1)
    factories.BylineFactory(article=article, author=desk, position=2)
    head = page(client, article)
    data = jsonld(head)
    assert data["author"] == [
        {"@type": "Person", "name": "Jane Reporter", "url": author_page(reporter)},
        {"@type": "Organization", "name": "Our Foreign Staff", "url": author_page(desk)},
        {"@type": "Organization", "name": "Reuters", "url": author_page(agency)},
    ]
    assert values(head, "article:author") == [author_page(reporter), author_page(desk), author_page(agency)]
    assert data["description"] == "Talks resume in Geneva."
    assert values(head, "description") == values(head, "og:description") == ["Talks resume in Geneva."]


def test_an_author_in_two_roles_is_credited_once():
    article = factories.ArticleFactory()
    author = factories.AuthorFactory()
    factories.BylineFactory(article=article, author=author, position=1)
    factories.BylineFactory(article=article, author=author, position=2, role=Byline.Role.PHOTOGRAPHS)
    article = Article.objects.for_reader().get(pk=article.pk)
    request = _request()
    data = metadata.news_article_jsonld(article, request)
    assert len(data["author"]) == 1
    # Credited once, as an author: not again as a contributor.
    assert "contributor" not in data
    assert len([v for k, v in metadata.open_graph(article, request) if k == "article:author"]) == 1


def test_seo_description_wins_over_standfirst(client):
    article = factories.ArticleFactory(standfirst="The standfirst.", seo_description="Written for search.")
    head = page(client, article)
    assert jsonld(head)["description"] == "Written for search."
    assert values(head, "description") == ["Written for search."]
    assert values(head, "twitter:description") == ["Written for search."]


def test_lead_image_is_in_jsonld_and_cards(client):
    image = factories.ImageFactory(alt="Delegates at the summit")
    article = factories.ArticleFactory(lead_image=image)
    share = "http://testserver" + image.file.share
    crops = [image.file.jsonld_16x9, image.file.jsonld_4x3, image.file.jsonld_1x1]
    head = page(client, article)
    assert share.endswith(".jpeg") and "__processed__" in share
    assert jsonld(head)["image"] == [
        {"@type": "ImageObject", "url": "http://testserver" + crops[0], "width": 1200, "height": 675},
        {"@type": "ImageObject", "url": "http://testserver" + crops[1], "width": 1200, "height": 900},
        {"@type": "ImageObject", "url": "http://testserver" + crops[2], "width": 1200, "height": 1200},
    ]
    assert values(head, "og:image") == [share]
    assert values(head, "og:image:width") == ["1200"]
    assert values(head, "og:image:height") == ["630"]
    assert values(head, "og:image:alt") == ["Delegates at the summit"]
    assert values(head, "twitter:card") == ["summary_large_image"]
    assert values(head, "twitter:image") == [share]


@override_settings(ARTICLES_DEFAULT_SHARE_IMAGE="")
def test_no_share_image_without_art_or_default(client):
    head = page(client, factories.ArticleFactory())
    assert values(head, "og:image") == values(head, "twitter:image") == []
    assert values(head, "twitter:card") == ["summary"]


def test_tags_and_card_titles(client):
    article = factories.ArticleFactory(headline="Summit opens", seo_title="G20 summit opens in Hamburg")
    for name in ("G20", "Hamburg"):
        factories.TaggedArticleFactory(content_object=article, tag=factories.TagFactory(name=name))
    head = page(client, article)
    assert values(head, "article:tag") == ["G20", "Hamburg"]
    assert jsonld(head)["keywords"] == ["G20", "Hamburg"]
    # Social cards and JSON-LD carry the headline readers see on the page.
    assert values(head, "og:title") == values(head, "twitter:title") == ["Summit opens"]
    assert jsonld(head)["headline"] == "Summit opens"


def test_syndicated_copy_points_to_the_original(client):
    original = "https://wire.example/2017/07/05/no-fly-zones"
    article = factories.ArticleFactory(canonical_url=original)
    head = page(client, article)
    assert head.canonicals == [original]
    assert values(head, "og:url") == [original]
    data = jsonld(head)
    assert data["mainEntityOfPage"]["@id"] == original
    assert data["url"] == "http://testserver" + article.get_absolute_url()


def test_long_headline_is_cut_for_structured_data():
    words = "Ministers meet again in Geneva as talks on the ceasefire drag into a third week without agreement "
    article = factories.ArticleFactory.build(headline=(words * 2).strip(), seo_title="")
    headline = metadata.structured_headline(article)
    assert len(headline) <= metadata.HEADLINE_MAX_LENGTH
    assert headline.endswith("…")
    assert article.headline.startswith(headline[:-1])
    assert article.headline[len(headline) - 1] == " "  # cut between words
    article.seo_title = "Geneva talks drag into third week"
    assert metadata.structured_headline(article) == "Geneva talks drag into third week"


def test_times_carry_the_offset_and_modified_is_never_before_published():
    published = datetime.datetime(2024, 1, 15, 9, 30, tzinfo=datetime.UTC)
    article = factories.ArticleFactory.build(published_at=published, updated_at=published - datetime.timedelta(days=1))
    with override_settings(TIME_ZONE="Europe/London"):
        assert metadata._published(article) == "2024-01-15T09:30:00+00:00"
        assert metadata._modified(article) == "2024-01-15T09:30:00+00:00"
    with override_settings(TIME_ZONE="Asia/Kolkata"):
        assert metadata._published(article) == "2024-01-15T15:00:00+05:30"


@override_settings(ARTICLES_PUBLISHER_LOGO_URL="/static/logo.png")
def test_publisher_logo_when_configured(client):
    data = jsonld(page(client, factories.ArticleFactory()))
    assert data["publisher"]["logo"] == {"@type": "ImageObject", "url": "http://testserver/static/logo.png"}


def test_hostile_text_stays_inside_the_json(client):
    headline = "</script><script>alert(1)</script> & <!-- more"
    article = factories.ArticleFactory(headline=headline)
    factories.TaggedArticleFactory(content_object=article, tag=factories.TagFactory(name="</script>"))
    html = client.get(article.get_absolute_url()).content.decode()
    head = read_head(html)
    [raw] = [text for kind, text in head.scripts if kind == "application/ld+json"]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    assert data["headline"] == headline
    assert data["keywords"] == ["</script>"]
    assert values(head, "og:title") == [headline]  # attribute-escaped, parsed back intact


def test_draft_preview_has_metadata_without_a_publication_time(editor_client):
    draft = factories.ArticleFactory(draft=True)
    factories.BylineFactory(article=draft)
    response = editor_client.get(reverse("articles:preview", args=[draft.pk]))
    assert response.status_code == 200
    head = read_head(response.content.decode())
    data = jsonld(head)
    assert "datePublished" not in data
    assert data["dateModified"] == stamp(draft.updated_at)
    assert values(head, "article:published_time") == []
    assert len(data["author"]) == 1


def test_metadata_costs_no_query(django_assert_num_queries):
    article = factories.ArticleFactory(lead_image=factories.ImageFactory())
    for n in range(5):
        factories.BylineFactory(article=article, position=n)
        factories.TaggedArticleFactory(content_object=article)
    factories.CorrectionFactory(article=article)
    # Story pages (the stored render, the preview) prefetch the corrections for the page and the JSON-LD.
    article = Article.objects.for_reader().prefetch_related("corrections").get(pk=article.pk)
    request = _request()
    with django_assert_num_queries(0):
        metadata.news_article_jsonld(article, request)
        metadata.open_graph(article, request)
        metadata.twitter_card(article, request)


# The print stylesheet travels with every page, after the screen styles.


def test_print_stylesheet_is_linked_after_the_screen_styles(client, seed_story):
    html = client.get(seed_story.get_absolute_url()).content.decode()
    screen = html.index('href="/static/articles/newsroom.css"')
    printed = html.index('<link rel="stylesheet" href="/static/articles/print.css" media="print">')
    assert screen < printed < html.index("</head>")
    css = pathlib.Path(finders.find("articles/print.css")).read_text()
    rules = {
        body.strip(): {selector.strip() for selector in selectors.split(",")}
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL))
    }
    # Site furniture is hidden on paper; body links print where they go.
    hidden = rules["display: none !important;"]
    assert {".skip-link", ".masthead nav", ".site-footer", ".pagination", ".related", ".search-form"} <= hidden
    assert ".story__body" not in hidden and ".story" not in hidden
    link_rule = next(body for body, selectors in rules.items() if '.story__body a[href^="http"]::after' in selectors)
    assert 'content: " (" attr(href) ")";' in link_rule
