"""Reader pages cost a fixed number of queries, whatever the story holds."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# article + bylines/authors + tags + one per block type (rich text, pull
# quote, timeline, profile) + timeline events + profile facts + corrections
ARTICLE_PAGE_QUERIES = 10
HOME_PAGE_QUERIES = 4  # count + page of stories + bylines/authors + tags


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
