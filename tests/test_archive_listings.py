"""Listings that do not walk the archive: a capped count, 404s past the cap, indexes that match each list."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.core.paginator import EmptyPage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.listings import author_stories, tag_stories
from articles.models import Article, TaggedArticle
from articles.pagination import CappedPaginator
from tests import factories

pytestmark = pytest.mark.django_db


# -- the paginator on its own


def test_count_is_exact_below_the_cap():
    paginator = CappedPaginator(list(range(25)), per_page=10, max_pages=3)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (25, 3, False)


def test_count_at_the_cap_exactly_is_not_capped():
    paginator = CappedPaginator(list(range(30)), per_page=10, max_pages=3)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (30, 3, False)
    assert not paginator.page(3).has_next()


def test_one_past_the_cap_is_more_than():
    paginator = CappedPaginator(list(range(31)), per_page=10, max_pages=3)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (30, 3, True)
    last = paginator.page(3)
    assert list(last.object_list) == list(range(20, 30))
    assert not last.has_next()
    with pytest.raises(EmptyPage):
        paginator.page(4)


def test_the_cap_defaults_to_the_setting(settings):
    settings.ARTICLES_MAX_PAGES = 2
    assert CappedPaginator(list(range(100)), per_page=10).num_pages == 2


def test_a_cap_below_one_page_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        CappedPaginator([], per_page=10, max_pages=0)


def test_queryset_count_reads_at_most_the_cap_plus_one():
    section = factories.SectionFactory()
    for _ in range(7):
        factories.ArticleFactory(section=section)
    paginator = CappedPaginator(Article.objects.published().order_by("-published_at", "-pk"), 2, max_pages=3)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped) == (6, True)
    (count,) = queries.captured_queries
    # COUNT over a LIMITed subquery of ids, without the list's ORDER BY.
    assert re.search(r"LIMIT 7\b", count["sql"])
    assert "ORDER BY" not in count["sql"]
    assert "COUNT(" in count["sql"].upper()


def test_a_deep_page_reads_its_ids_from_the_index_first(monkeypatch):
    section = factories.SectionFactory()
    base = timezone.now() - datetime.timedelta(days=1)
    for n in range(9):
        # Two stories at each moment: the id breaks the tie, in both reads.
        factories.ArticleFactory(section=section, published_at=base + datetime.timedelta(minutes=n // 2))
    stories = Article.objects.published().select_related("section").order_by("-published_at", "-pk")
    expected = [story.pk for story in stories]
    monkeypatch.setattr(CappedPaginator, "deep_offset", 4)
    paginator = CappedPaginator(stories, 2)
    assert [story.pk for story in paginator.page(2)] == expected[2:4]  # above the depth: one query
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(3)
        assert [story.section.pk for story in page] == [section.pk, section.pk]  # no query per story
    assert [story.pk for story in page] == expected[4:6]
    ids, rows = queries.captured_queries
    assert "LIMIT 2 OFFSET 4" in ids["sql"]
    assert "OFFSET" not in rows["sql"]
    assert [story.pk for story in paginator.page(5)] == expected[8:]
    # Lists the paginator cannot filter by id are sliced as before.
    assert [story.pk for story in CappedPaginator(list(stories), 2).page(3)] == expected[4:6]


# -- the listing pages


@pytest.fixture
def archive(settings):
    """Seven published stories in one section, tag and author, two to a page, three pages at most."""
    settings.ARTICLES_PAGINATE_BY = 2
    settings.ARTICLES_MAX_PAGES = 3

    @transaction.atomic
    def build(count):
        section = factories.SectionFactory(slug="world")
        tag = factories.TagFactory(slug="syria")
        author = factories.AuthorFactory(slug="jane")
        base = timezone.now() - datetime.timedelta(days=1)
        stories = []
        for n in range(count):
            story = factories.ArticleFactory(section=section, published_at=base + datetime.timedelta(minutes=n))
            factories.TaggedArticleFactory(content_object=story, tag=tag)
            factories.BylineFactory(article=story, author=author)
            stories.append(story)
        # Not in print: never counted.
        factories.ArticleFactory(section=section, draft=True)
        factories.ArticleFactory(section=section, scheduled=True)
        return stories

    return build


LISTS = ["/", "/section/world/", "/tag/syria/", "/author/jane/"]


def position(response):
    match = re.search(r'class="pagination__position">([^<]*)<', response.content.decode())
    return match and match.group(1)


@pytest.mark.parametrize("path", LISTS)
def test_below_the_cap_pages_are_counted_exactly(client, archive, path):
    archive(5)
    response = client.get(path)
    assert response.status_code == 200
    assert position(response) == "Page 1 of 3"
    assert response.context["paginator"].count == 5
    last = client.get(f"{path}?page=3")
    assert [story.slug for story in last.context["articles"]] == [
        Article.objects.filter(status="published").order_by("published_at").first().slug
    ]
    assert client.get(f"{path}?page=4").status_code == 404


@pytest.mark.parametrize("path", LISTS)
def test_above_the_cap_says_more_than_and_stops(client, archive, path):
    stories = archive(7)
    response = client.get(path)
    assert position(response) == "Page 1 of more than 3"
    assert 'rel="next"' in response.content.decode()
    last = client.get(f"{path}?page=3")
    assert last.status_code == 200
    assert position(last) == "Page 3 of more than 3"
    # The last page shown links back but not on: page 4 is past the documented cap.
    assert 'rel="next"' not in last.content.decode()
    assert 'rel="prev"' in last.content.decode()
    assert [story.pk for story in last.context["articles"]] == [stories[2].pk, stories[1].pk]
    assert client.get(f"{path}?page=4").status_code == 404


@pytest.mark.parametrize("path", ["/", "/section/world/", "/search/?ordering=newest&q=", "/tag/syria/"])
def test_deep_pages_show_what_a_plain_slice_shows(client, settings, archive, monkeypatch, path):
    settings.ARTICLES_PAGE_CACHE = None  # each page drawn both times
    archive(7)
    joiner = "&" if "?" in path else "?"
    plain = [client.get(f"{path}{joiner}page={n}").content for n in (1, 2, 3)]
    monkeypatch.setattr(CappedPaginator, "deep_offset", 2)
    assert [client.get(f"{path}{joiner}page={n}").content for n in (1, 2, 3)] == plain


def test_search_counts_up_to_the_cap(client, archive):
    archive(7)
    response = client.get("/search/")
    assert response.context["result_count_capped"] is True
    assert "More than 6 stories found" in response.content.decode()
    past = client.get("/search/?page=4")
    assert past.status_code == 404
    assert past.context["page_missing"] is True


def test_search_count_is_exact_below_the_cap(client, archive):
    archive(5)
    response = client.get("/search/")
    assert response.context["result_count_capped"] is False
    assert "5 stories found" in response.content.decode()


@pytest.mark.parametrize("path", LISTS)
def test_no_listing_counts_the_whole_list(client, archive, path):
    archive(7)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
    assert counts, "the page counts its stories"
    for sql in counts:
        assert re.search(r"LIMIT 7\b", sql), sql


# -- indexes (PostgreSQL: the planner's choice is the database's own)


def test_makemigrations_has_nothing_to_add():
    # The indexes are declared on the models, so the migration and the models agree.
    call_command("makemigrations", "articles", "--check", "--dry-run", verbosity=0)


needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")


def plan_of(queryset):
    """The plan of ``queryset`` when PostgreSQL may not sort or scan the table.

    Then only an index in the list's order can serve it.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_sort", "enable_incremental_sort", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@needs_postgres
@pytest.mark.parametrize("kind", ["home", "section", "tag", "author"])
def test_each_list_is_read_in_order_from_an_index(archive, kind):
    story = archive(3)[0]
    stories = Article.objects.published()
    lists = {
        "home": (stories, "article_reader_order"),
        "section": (stories.in_section(story.section), "article_section_order"),
        # A tag's and an author's pages read their ids from the link rows (articles.listings).
        "tag": (tag_stories(story.tags.get(), stories).ids, "taggedarticle_tag_in_print"),
        "author": (author_stories(story.bylines.get().author, stories).ids, "byline_author_in_print"),
    }
    queryset, index = lists[kind]
    if kind in ("home", "section"):
        queryset = queryset.order_by("-published_at", "-pk")
    plan = plan_of(queryset[40:60])
    assert index in plan, plan
    # No sort node: the rows come out of the index in the page's order, so the
    # database stops after the page (disabled nodes still appear, so this fails
    # if only a sort could serve the order).
    assert "Sort" not in plan, plan


def section_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    return {name for name, about in constraints.items() if about["index"] and about["columns"][0] == "section_id"}


@pytest.mark.django_db(transaction=True)
def test_the_section_index_migration_runs_both_ways_on_a_database_with_stories(client):
    # An existing site's database: stories with tag and byline rows, whose
    # triggers (articles.models.in_print) a rebuilt stories table would break
    # on SQLite. The migration swaps the indexes only; the rows stay as they are.
    from django.db.migrations.executor import MigrationExecutor

    story = factories.ArticleFactory()
    factories.TaggedArticleFactory(content_object=story)
    factories.BylineFactory(article=story)
    executor = MigrationExecutor(connection)
    (swap,) = [key for key in executor.loader.disk_migrations if key[1].endswith("_section_index_in_the_desk_order")]
    (before,) = executor.loader.get_migration(*swap).dependencies
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([before])
        plain = section_indexes() - {"article_section_order"}
        assert len(plain) == 1 and "article_section_desk" not in plain
        executor = MigrationExecutor(connection)
        executor.migrate([swap])
        assert section_indexes() == {"article_section_order", "article_section_desk"}
    finally:
        MigrationExecutor(connection).migrate(leaves)
    tagged = TaggedArticle.objects.filter(content_object=story)
    assert tagged.values_list("story_published_at", "story_section_id").get() == (story.published_at, story.section_id)
    assert client.get(story.get_absolute_url()).status_code == 200


@needs_postgres
def test_a_sections_stories_drafts_included_are_read_from_an_index(archive):
    # The admin's section filter in its order, and the foreign key's own
    # lookup (deleting a section checks it for stories), drafts and all: no
    # plain index on section_id, so article_section_desk serves both.
    story = archive(3)[0]
    factories.ArticleFactory(section=story.section, status=Article.Status.DRAFT, published_at=None)
    in_section = Article.objects.filter(section=story.section)
    admin_order = plan_of(in_section.order_by("-published_at", "-created_at", "-pk")[:50])
    assert "article_section_desk" in admin_order, admin_order
    assert "Sort" not in admin_order, admin_order
    assert "article_section_desk" in plan_of(in_section.values("pk")[:1])
