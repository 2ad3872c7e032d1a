"""Reader pages cost a fixed number of queries, whatever the story holds."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# article + bylines/authors + tags + one per block type (rich text, pull
# quote, timeline, profile) + timeline events + profile facts + corrections
# + related stories + the content state (articles.http: ETag, Last-Modified,
# page cache key)
ARTICLE_PAGE_QUERIES = 12
HOME_PAGE_QUERIES = 5  # content state + count + page of stories + bylines/authors + tags


def make_story(bylines=1, tags=1, widgets=0):
    article = factories.ArticleFactory()
    for n in range(bylines):
        factories.BylineFactory(article=article, position=n)
    for _ in range(tags):
        factories.TaggedArticleFactory(content_object=article)
    factories.RichTextFactory(parent=article)
    for n in range(widgets):
        if n % 2:
            factories.ProfileFactFactory(profile=factories.ProfileBlockFactory(parent=article).widget)
        else:
            factories.TimelineEventFactory(timeline=factories.TimelineBlockFactory(parent=article).widget)
    return article


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ({"bylines": 1}, {"bylines": 5}),
        ({"tags": 1}, {"tags": 20}),
        ({"widgets": 0}, {"widgets": 4}),
    ],
)
def test_article_page_query_count_is_constant(client, django_assert_num_queries, small, large):
    for shape in (small, large):
        article = make_story(**shape)
        with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
            response = client.get(article.get_absolute_url())
        assert response.status_code == 200


def test_seed_story_page_query_count(client, seed_story, django_assert_num_queries):
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        assert client.get(seed_story.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("stories", [1, 30])
def test_home_page_query_count_is_constant(client, django_assert_num_queries, stories):
    for _ in range(stories):
        make_story(bylines=3, tags=3)
    with django_assert_num_queries(HOME_PAGE_QUERIES):
        assert client.get("/").status_code == 200


# Listing pages: the listed object + count + page of stories + bylines/authors + tags
LISTING_PAGE_QUERIES = 6
# count + page + bylines/authors + tags, and one query per select the form
# offers (sections, topics, authors)
SEARCH_PAGE_QUERIES = 8
# ... plus one query each to check the section, topics and author given
SEARCH_FILTERED_QUERIES = 11

SHAPES = [
    pytest.param(1, 1, id="1-story-1-byline"),
    pytest.param(30, 1, id="30-stories-1-byline"),
    pytest.param(1, 5, id="1-story-5-bylines"),
    pytest.param(30, 5, id="30-stories-5-bylines"),
]


@pytest.fixture
def newsroom(settings):
    """Stories in one section, with one tag and one author in common, in any number."""

    def build(stories, bylines):
        settings.ARTICLES_PAGINATE_BY = 20  # 30 stories span two pages
        section = factories.SectionFactory(slug="world")
        tag = factories.TagFactory(slug="syria")
        author = factories.AuthorFactory(slug="jane")
        for _ in range(stories):
            article = make_story(bylines=bylines - 1, tags=3)
            factories.BylineFactory(article=article, author=author)
            factories.TaggedArticleFactory(content_object=article, tag=tag)
            assert article.section == section
        return article

    return build


@pytest.mark.parametrize(("stories", "bylines"), SHAPES)
def test_home_page_query_count_with_bylines(client, django_assert_num_queries, newsroom, stories, bylines):
    newsroom(stories, bylines)
    with django_assert_num_queries(HOME_PAGE_QUERIES):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/section/world/", "/tag/syria/", "/author/jane/"])
@pytest.mark.parametrize(("stories", "bylines"), SHAPES)
def test_listing_page_query_count_is_constant(client, django_assert_num_queries, newsroom, path, stories, bylines):
    newsroom(stories, bylines)
    with django_assert_num_queries(LISTING_PAGE_QUERIES):
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.context["articles"]) == min(stories, 20)


@pytest.mark.parametrize(("stories", "bylines"), SHAPES)
def test_search_page_query_count_is_constant(client, django_assert_num_queries, newsroom, stories, bylines):
    newsroom(stories, bylines)
    with django_assert_num_queries(SEARCH_PAGE_QUERIES):
        response = client.get("/search/")
    assert len(response.context["articles"]) == min(stories, 20)


@pytest.mark.parametrize(("stories", "bylines"), SHAPES)
def test_filtered_search_query_count_is_constant(client, django_assert_num_queries, newsroom, stories, bylines):
    newsroom(stories, bylines)
    params = {
        "q": "paragraph number",
        "section": "world",
        "tag": ["syria"],
        "author": "jane",
        "date_from": "2000-01-01",
        "date_to": "2100-01-01",
        "ordering": "oldest",
    }
    with django_assert_num_queries(SEARCH_FILTERED_QUERIES):
        response = client.get("/search/", params)
    assert len(response.context["articles"]) == min(stories, 20)


@pytest.mark.parametrize(("stories", "bylines"), SHAPES)
def test_article_page_query_count_with_related_stories(client, django_assert_num_queries, newsroom, stories, bylines):
    # Every story shares a tag with the last one, so related stories are full.
    article = newsroom(stories, bylines)
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert len(response.context["related_stories"]) == min(stories - 1, 4)
