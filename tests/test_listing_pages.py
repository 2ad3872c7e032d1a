"""Section, tag and author pages, the front page's lead, and related stories."""

import datetime
import itertools
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.views import related_stories
from tests import factories

pytestmark = pytest.mark.django_db

SEED_TAGS = [
    "syria",
    "russia",
    "united-states",
    "rex-tillerson",
    "donald-trump",
    "vladimir-putin",
    "bashar-al-assad",
    "g20",
    "islamic-state",
    "chemical-weapons",
    "no-fly-zones",
]
# A date, a month, or a date and time with at most three fraction digits and an offset.
VALID_DATETIME = re.compile(r"^\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?)?$")
HIDDEN = [
    {"draft": True},
    {"scheduled": True},
    {"status": Article.Status.REVIEW},
    {"status": Article.Status.UNPUBLISHED},
]


class _Outline(HTMLParser):
    """Collects what the HTML checker and axe would complain about first."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = []
        self.headings = []  # (level, text)
        self.bad_times = 0
        self.images_without_alt = 0
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._heading = [int(tag[1]), ""]
        if tag == "time" and not VALID_DATETIME.match(attrs.get("datetime") or ""):
            self.bad_times += 1
        if tag == "img" and "alt" not in attrs:
            self.images_without_alt += 1

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data


def assert_sound_html(html):
    outline = _Outline()
    outline.feed(html)
    assert len(outline.ids) == len(set(outline.ids)), "duplicate ids"
    levels = [level for level, _ in outline.headings]
    assert levels.count(1) == 1, "exactly one h1"
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading level skipped: h{before} then h{after}"
    assert all(text for _, text in outline.headings), "empty heading"
    assert outline.bad_times == 0, "time without a valid datetime"
    assert outline.images_without_alt == 0
    assert '<html lang="' in html


def story_with_byline(author, **kwargs):
    article = factories.ArticleFactory(**kwargs)
    factories.BylineFactory(article=article, author=author)
    return article


# The seed story on its pages


def test_seed_story_is_on_its_section_page(client, seed_story):
    response = client.get("/section/world/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and ">World</h1>" in html
    assert seed_story.get_absolute_url() in html
    assert response.context["feed_object"] == seed_story.section
    assert_sound_html(html)


@pytest.mark.parametrize("slug", SEED_TAGS)
def test_seed_story_is_on_each_of_its_tag_pages(client, seed_story, slug):
    response = client.get(f"/tag/{slug}/")
    assert response.status_code == 200
    assert seed_story.get_absolute_url() in response.content.decode()
    assert response.context["feed_object"].slug == slug


def test_seed_story_is_on_its_desk_author_page(client, seed_story):
    response = client.get("/author/our-foreign-staff/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Our Foreign Staff</h1>" in html
    assert '<p class="listing-header__kind">Desk</p>' in html  # a desk, not a person
    assert seed_story.get_absolute_url() in html
    assert response.context["feed_object"].name == "Our Foreign Staff"
    assert_sound_html(html)


def test_seed_story_page_links_byline_section_and_tags(client, seed_story):
    html = client.get(seed_story.get_absolute_url()).content.decode()
    assert '<a class="byline__author" href="/author/our-foreign-staff/">Our Foreign Staff</a>' in html
    assert '<a href="/section/world/">World</a>' in html
    for slug in SEED_TAGS:
        assert f'href="/tag/{slug}/"' in html
    assert '<a href="/tag/no-fly-zones/">no-fly zones</a>' in html
    assert_sound_html(html)


def test_cards_link_bylines_to_author_pages(client):
    author = factories.AuthorFactory(name="Jane Reporter", slug="jane-reporter")
    story_with_byline(author)
    for path in ("/", "/section/world/", "/author/jane-reporter/", "/search/"):
        html = client.get(path).content.decode()
        assert '<a class="byline__author" href="/author/jane-reporter/">Jane Reporter</a>' in html, path


# Page content


def test_section_page_shows_name_description_and_only_its_stories(client):
    politics = factories.SectionFactory(name="Politics", slug="politics", description="Westminster and beyond.")
    mine = factories.ArticleFactory(section=politics, headline="Budget vote tonight")
    factories.ArticleFactory(headline="Elsewhere in the world")
    response = client.get("/section/politics/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Westminster and beyond." in html
    assert mine.get_absolute_url() in html
    assert "Elsewhere in the world" not in html
    assert "<title>Politics | The Newsroom</title>" in html
    assert '<meta name="description" content="Westminster and beyond.">' in html
    assert '<link rel="canonical" href="http://testserver/section/politics/">' in html
    assert "noindex" not in html


def test_tag_page_lists_tagged_stories_newest_first(client):
    tag = factories.TagFactory(name="Ceasefire", slug="ceasefire")
    older = factories.TaggedArticleFactory(
        tag=tag, content_object__published_at=timezone.now() - datetime.timedelta(days=3)
    ).content_object
    newer = factories.TaggedArticleFactory(tag=tag).content_object
    factories.ArticleFactory(headline="Untagged story")
    response = client.get("/tag/ceasefire/")
    html = response.content.decode()
    assert list(response.context["articles"]) == [newer, older]
    assert "Untagged story" not in html
    assert "<title>Ceasefire | The Newsroom</title>" in html
    assert '<meta name="description" content="Stories about Ceasefire.">' in html
    assert_sound_html(html)


def test_author_page_shows_bio_job_title_photo_and_every_role(client):
    author = factories.AuthorFactory(
        name="Sam Lens",
        slug="sam-lens",
        job_title="Chief photographer",
        bio="Sam has covered the war since 2011.",
        photo=factories.ImageFactory(alt="Sam at work", file__width=600, file__height=600),
    )
    portrait = author.photo.file.headshot96_webp
    by = story_with_byline(author, headline="Story he wrote")
    pictures = factories.ArticleFactory(headline="Story he photographed")
    factories.BylineFactory(article=pictures, author=author, role="photographs")
    # Two roles on one story: listed once.
    both = factories.ArticleFactory(headline="Story with two roles")
    factories.BylineFactory(article=both, author=author, role="by")
    factories.BylineFactory(article=both, author=author, role="photographs")
    factories.ArticleFactory(headline="Someone else's story")
    response = client.get("/author/sam-lens/")
    html = response.content.decode()
    assert response.status_code == 200
    assert set(response.context["articles"]) == {by, pictures, both}
    assert len(response.context["articles"]) == 3
    assert "Chief photographer" in html
    assert "Sam has covered the war since 2011." in html
    # From the library, in renditions; described by the name the page is about.
    # A square crop round the focal point, at the sizes a 6rem circle needs.
    assert f'<source type="image/webp" srcset="{portrait} 96w, ' in html
    assert re.search(
        r'<img class="author-header__photo" [^>]*sizes="6rem" width="192" height="192" alt="Sam Lens"', html
    )
    assert "Someone else" not in html
    assert "listing-header__kind" not in html  # a person's page does not say "Person"
    assert '<meta name="description" content="Sam has covered the war since 2011.">' in html
    assert_sound_html(html)


def test_author_without_photo_has_no_image(client):
    factories.AuthorFactory(slug="no-photo")
    html = client.get("/author/no-photo/").content.decode()
    assert "<img" not in html


def test_home_has_a_lead_story_on_its_first_page_only(client, settings):
    settings.ARTICLES_PAGINATE_BY = 2
    for days in range(3):
        factories.ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=days, hours=1))
    first = client.get("/").content.decode()
    second = client.get("/", {"page": 2}).content.decode()
    assert first.count("story-card--lead") == 1
    assert "story-card--lead" not in second
    assert_sound_html(first)


# Unknown, empty and hidden


@pytest.mark.parametrize("kind", ["section", "tag", "author"])
def test_unknown_slug_is_404(client, kind):
    factories.ArticleFactory()
    assert client.get(f"/{kind}/no-such-thing/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        *(f"/{kind}/a%00b/" for kind in ("section", "tag", "author")),
        *(f"/feeds/{kind}/a%00b/{flavour}/" for kind in ("section", "tag", "author") for flavour in ("rss", "atom")),
    ],
)
def test_slug_with_a_nul_byte_is_404(client, path):
    # PostgreSQL refuses NUL in a query parameter; that must not become a 500.
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("section", lambda: factories.SectionFactory(slug="empty")),
        ("author", lambda: factories.AuthorFactory(slug="empty")),
    ],
)
def test_existing_but_empty_listing_renders_without_stories(client, kind, make):
    make()
    factories.ArticleFactory(headline="A story elsewhere")
    response = client.get(f"/{kind}/empty/")
    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["articles"]) == []
    assert 'class="empty"' in html
    assert "A story elsewhere" not in html
    # Nothing there to index yet.
    assert '<meta name="robots" content="noindex, follow">' in html
    assert_sound_html(html)


def test_tag_with_only_drafts_does_not_reveal_them(client):
    # A tag no published story carries may name something unannounced: no page at all.
    tag = factories.TagFactory(name="Embargoed", slug="embargoed")
    for traits in HIDDEN:
        factories.TaggedArticleFactory(tag=tag, content_object=factories.ArticleFactory(headline="Hidden", **traits))
    response = client.get("/tag/embargoed/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Hidden" not in html
    assert "Embargoed" not in html


@pytest.mark.parametrize("traits", HIDDEN)
def test_hidden_stories_are_on_no_listing_page(client, traits):
    author = factories.AuthorFactory(slug="jane")
    tag = factories.TagFactory(slug="ceasefire")
    hidden = story_with_byline(author, headline="Not for readers yet", **traits)
    factories.TaggedArticleFactory(content_object=hidden, tag=tag)
    visible = story_with_byline(author, headline="Out now")
    factories.TaggedArticleFactory(content_object=visible, tag=tag)
    for path in ("/", "/section/world/", "/tag/ceasefire/", "/author/jane/", "/search/", "/search/?q=readers"):
        html = client.get(path).content.decode()
        assert "Out now" in html or "q=" in path, path
        assert "Not for readers yet" not in html, path


# Pagination


@pytest.fixture
def five_in_world(settings):
    settings.ARTICLES_PAGINATE_BY = 2
    author = factories.AuthorFactory(slug="jane")
    tag = factories.TagFactory(slug="ceasefire")
    for n in range(5):
        article = story_with_byline(author, published_at=timezone.now() - datetime.timedelta(hours=n + 1))
        factories.TaggedArticleFactory(content_object=article, tag=tag)


@pytest.mark.parametrize("path", ["/section/world/", "/tag/ceasefire/", "/author/jane/", "/"])
def test_listing_pages_paginate_with_head_links(client, five_in_world, path):
    first = client.get(path).content.decode()
    assert f'<link rel="canonical" href="http://testserver{path}">' in first
    assert f'<link rel="next" href="http://testserver{path}?page=2">' in first
    assert 'rel="prev"' not in first
    assert f'<a class="pagination__link" rel="next" href="{path}?page=2">' in first

    response = client.get(path, {"page": 2, "utm_source": "newsletter", "junk": "x"})
    second = response.content.decode()
    assert len(response.context["articles"]) == 2
    # No junk in canonical or page links; page 1 has no page parameter.
    assert f'<link rel="canonical" href="http://testserver{path}?page=2">' in second
    assert f'<link rel="prev" href="http://testserver{path}">' in second
    assert f'<link rel="next" href="http://testserver{path}?page=3">' in second
    assert f'<a class="pagination__link" rel="prev" href="{path}">' in second
    assert "utm_source" not in second and "junk" not in second
    assert "— page 2 |" in second or "— page 2</title>" in second

    last = client.get(path, {"page": 3})
    assert 'rel="next"' not in last.content.decode()
    assert len(last.context["articles"]) == 1


@pytest.mark.parametrize("path", ["/section/world/", "/tag/ceasefire/", "/author/jane/", "/"])
@pytest.mark.parametrize("page", ["9999", "abc", "0", "-1", "99999999999999999999999", "1.5"])
def test_bad_page_numbers_on_listings_are_404(client, five_in_world, path, page):
    assert client.get(path, {"page": page}).status_code == 404


@pytest.mark.parametrize("path", ["/section/world/", "/tag/ceasefire/", "/author/jane/"])
def test_page_last_is_the_last_page(client, five_in_world, path):
    response = client.get(path, {"page": "last"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 3


def test_unicode_tag_slug_has_a_page_and_links(client):
    tag = factories.TagFactory(name="Ελλάδα", slug="ελλάδα")
    article = factories.TaggedArticleFactory(tag=tag).content_object
    html = client.get(article.get_absolute_url()).content.decode()
    url = reverse("articles:tag", args=[tag.slug])
    assert f'href="{url}"' in html
    assert client.get(url).status_code == 200


# Related stories


def tagged(*tags, **kwargs):
    article = factories.ArticleFactory(**kwargs)
    for tag in tags:
        factories.TaggedArticleFactory(content_object=article, tag=tag)
    return article


@pytest.fixture
def topics():
    return [factories.TagFactory(name=name, slug=name.lower()) for name in ("Syria", "Russia", "Iran", "Oil")]


def test_related_stories_rank_by_shared_tags_then_newest(topics):
    syria, russia, iran, oil = topics
    now = timezone.now()
    story = tagged(syria, russia, iran, published_at=now - datetime.timedelta(hours=1))
    one_old = tagged(syria, oil, published_at=now - datetime.timedelta(days=9))
    three = tagged(syria, russia, iran, published_at=now - datetime.timedelta(days=20))
    one_new = tagged(russia, published_at=now - datetime.timedelta(hours=2))
    two = tagged(syria, iran, oil, published_at=now - datetime.timedelta(days=5))
    tagged(oil)  # nothing in common
    factories.ArticleFactory()  # no tags at all
    related = related_stories(story)
    assert related == [three, two, one_new, one_old]
    assert [article.shared_tags for article in related] == [3, 2, 1, 1]


@pytest.mark.parametrize("traits", HIDDEN)
def test_related_stories_exclude_hidden_stories(topics, traits):
    story = tagged(*topics)
    tagged(*topics, **traits)
    visible = tagged(topics[0])
    assert related_stories(story) == [visible]


def test_related_stories_are_limited_by_the_setting(settings, topics):
    story = tagged(topics[0])
    for _ in range(6):
        tagged(topics[0])
    assert len(related_stories(story)) == 4
    settings.ARTICLES_RELATED_COUNT = 2
    assert len(related_stories(story)) == 2


def test_article_page_shows_related_stories_not_itself(client, topics):
    story = tagged(topics[0], headline="Main story")
    other = tagged(topics[0], headline="Other side of the border")
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<h2 id="related-heading" class="related__heading">Related stories</h2>' in html
    related = html[html.index('id="related-heading"') :]
    assert other.get_absolute_url() in related
    assert story.get_absolute_url() not in related
    assert_sound_html(html)


def test_story_without_related_stories_has_no_related_section(client):
    story = factories.ArticleFactory()
    assert "related-heading" not in client.get(story.get_absolute_url()).content.decode()


def test_preview_shows_related_stories_too(editor_client, topics):
    draft = tagged(topics[0], draft=True)
    other = tagged(topics[0], headline="Already published")
    html = editor_client.get(reverse("articles:preview", args=[draft.pk])).content.decode()
    assert "Already published" in html
    assert other.get_absolute_url() in html
