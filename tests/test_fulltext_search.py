"""Full-text search (issue 10): the index, its upkeep, the query, ranking, snippets, admin.

Runs on SQLite (FTS5, and its plain-text fallback) and on PostgreSQL
(tsvector + GIN). Searched words are ones Faker's lorem never produces, so
other stories' random text cannot match.
"""

import datetime
import html
import logging

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from articles import search as search_module
from articles.models import Article, RichText
from articles.search import index_stories, search_config
from tests import factories
from tests.test_listing_pages import assert_sound_html

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200, response.status_code
    return response, list(response.context["articles"])


def ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def story(body="", hours=1, **kwargs):
    # Fixed words, not Faker's (its lorem has "strong", "every", "news"...).
    kwargs.setdefault("headline", "Quiet xylophone gala")
    kwargs.setdefault("standfirst", "")
    article = factories.ArticleFactory(published_at=ago(hours), **kwargs)
    if body:
        factories.RichTextFactory(parent=article, text=body)
    return article


# -- matching ----------------------------------------------------------------------------


def test_stemmed_words_match(client):
    found_story = story("<p>The ministers were negotiating all night.</p>")
    story("<p>Nothing to see.</p>")
    for query in ("minister", "negotiate", "Ministers"):
        _, found = search(client, q=query)
        assert found == [found_story], query


def test_phrase_matches_words_in_order_only(client):
    in_order = story("<p>The zeppelin hangar reopened.</p>")
    story("<p>A hangar for every zeppelin.</p>")
    _, found = search(client, q='"zeppelin hangar"')
    assert found == [in_order]
    _, found = search(client, q="zeppelin hangar")
    assert len(found) == 2


def test_exclusion_and_or(client):
    both = story("<p>Zeppelin and quokka.</p>")
    zeppelin = story("<p>Zeppelin alone.</p>")
    quokka = story("<p>Quokka alone.</p>")
    _, found = search(client, q="zeppelin -quokka")
    assert found == [zeppelin]
    _, found = search(client, q="zeppelin or quokka", ordering="newest")
    assert set(found) == {both, zeppelin, quokka}
    _, found = search(client, q="-quokka zeppelin")
    assert found == [zeppelin]


def test_exclusion_alone_lists_the_stories_without_the_word(client):
    with_word = story("<p>Zeppelin.</p>")
    without = story("<p>Quokka.</p>")
    _, found = search(client, q="-zeppelin")
    assert without in found
    assert with_word not in found


def test_markup_never_matches(client):
    article = story('<p><strong>Bold</strong> words and a <a href="https://example.org/zebrafish">link</a>.</p>')
    for query in ("href", "strong", "https", "zebrafish", "example", "p"):
        _, found = search(client, q=query)
        assert article not in found, query
    for query in ("bold", "link"):
        _, found = search(client, q=query)
        assert found == [article], query


def test_tags_and_bylines_are_searchable(client):
    tagged = story()
    factories.TaggedArticleFactory(content_object=tagged, tag=factories.TagFactory(name="Quokkas"))
    credited = story()
    factories.BylineFactory(article=credited, author__name="Ann Quillwright")
    _, found = search(client, q="quokka")
    assert found == [tagged]
    _, found = search(client, q="Quillwright")
    assert found == [credited]


def test_pull_quotes_are_searchable(client):
    article = story()
    factories.PullQuoteFactory(parent=article, quote="Zeppelins are the future", attribution="Ann Quillwright")
    _, found = search(client, q="zeppelin")
    assert found == [article]


def test_drafts_and_scheduled_stories_are_never_found(client):
    factories.ArticleFactory(draft=True, headline="Zeppelin draft")
    factories.ArticleFactory(scheduled=True, headline="Zeppelin later")
    published = story(headline="Zeppelin now")
    _, found = search(client, q="zeppelin")
    assert found == [published]


def test_filters_still_apply_to_text_search(client):
    world = story("<p>Zeppelin news.</p>")
    sport = story("<p>Zeppelin sport.</p>", section=factories.SectionFactory(slug="sport", name="Sport"))
    _, found = search(client, q="zeppelin", section="sport")
    assert found == [sport]
    _, found = search(client, q="zeppelin", section="world")
    assert found == [world]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        '"',
        "!!! ()",
        "-",
        "or",
        "OR AND NOT",
        "headline:zeppelin",
        "zeppelin*",
        "^zeppelin",
        "NEAR(a b)",
        "a & | ! <-> :*",
        "(zeppelin",
        "x" * 200,
        "zeppelin " * 22,
        "x" * 1000,
        "\x00zeppelin",
    ],
)
def test_any_input_is_a_page_not_an_error(client, query):
    story("<p>Zeppelin.</p>")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert_sound_html(response.content.decode())


def test_only_punctuation_finds_nothing(client):
    story("<p>Zeppelin.</p>")
    _, found = search(client, q="!!! ...")
    assert found == []


# -- ranking -----------------------------------------------------------------------------


def test_headline_match_ranks_above_body_match(client):
    in_body = story("<p>Zeppelin. A zeppelin, another zeppelin.</p>", hours=1)
    in_headline = story(headline="Zeppelin lands", hours=48)
    _, found = search(client, q="zeppelin")
    assert found == [in_headline, in_body]
    # "Newest first" is still there.
    _, found = search(client, q="zeppelin", ordering="newest")
    assert found == [in_body, in_headline]


def test_recency_breaks_ties(client):
    older = story(headline="Zeppelin", standfirst="", hours=10)
    newer = story(headline="Zeppelin", standfirst="", hours=2)
    _, found = search(client, q="zeppelin")
    assert found == [newer, older]


def test_best_match_pages_keep_the_databases_rank_order(client, settings):
    """The reader's pages (ranked as the window is read, stories read by id) list what SQL ranks, in its order."""
    from articles.filters import StoryFilter

    settings.ARTICLES_PAGINATE_BY = 4
    same_time = ago(5)
    stories = [
        story(headline="Zeppelin lands"),
        story(headline="Zeppelin", standfirst="A zeppelin over the zeppelin field", hours=3),
        story("<p>A zeppelin.</p>", hours=2),
        story("<p>Zeppelin, zeppelin, zeppelin.</p>", hours=7),
        story(standfirst="The zeppelin hangar", hours=9),
    ]
    # Equal ranks at one moment: the larger id first, as SQL's "-pk" has it.
    stories += [story("<p>A zeppelin.</p>") for _ in range(4)]
    Article.objects.filter(pk__in=[s.pk for s in stories[-4:]]).update(published_at=same_time)
    filterset = StoryFilter({"q": "zeppelin"}, queryset=Article.objects.for_reader())
    in_sql = [article.pk for article in filterset.qs]
    pages = []
    for page in (1, 2, 3):
        _, found = search(client, q="zeppelin", page=page)
        pages.extend(article.pk for article in found)
        assert all(article.search_rank > 0 for article in found)
    assert pages == in_sql
    assert sorted(pages) == sorted(s.pk for s in stories)
    assert client.get("/search/", {"q": "zeppelin", "page": 4}).status_code == 404  # past the end


def test_best_match_is_default_and_offered(client):
    story(headline="Zeppelin")
    response, _ = search(client, q="zeppelin")
    html = response.content.decode()
    # The first choice: what a browser shows and sends when none is chosen.
    assert html.index('<option value="relevance"') < html.index('<option value="newest"')
    assert "Best match" in html


def test_best_match_ranks_only_the_newest_window(client, settings):
    settings.ARTICLES_SEARCH_RANK_WINDOW = 2
    oldest_best = story(headline="Zeppelin", hours=30)
    newer = [story("<p>A zeppelin.</p>", hours=hours) for hours in (2, 1)]
    _, found = search(client, q="zeppelin")
    assert set(found) == set(newer)
    _, found = search(client, q="zeppelin", ordering="newest")
    assert found[-1] == oldest_best


@pytest.mark.parametrize("shortlist", [10, 3, 1])
def test_newest_first_lists_every_match_however_many(client, settings, shortlist):
    # Few matches are listed from their ids (PostgreSQL), many by walking the
    # publication-time index: the same stories in the same order either way.
    settings.ARTICLES_SEARCH_SHORTLIST = shortlist
    matches = [story("<p>A zeppelin.</p>", hours=hours) for hours in (5, 1, 3)]
    story("<p>A quokka.</p>", hours=2)
    _, found = search(client, q="zeppelin", ordering="newest")
    assert found == sorted(matches, key=lambda article: article.published_at, reverse=True)
    _, found = search(client, q="zeppelin", ordering="oldest")
    assert found == sorted(matches, key=lambda article: article.published_at)


def test_headline_order_of_a_common_word_sorts_its_newest_matches(client, settings):
    settings.ARTICLES_SEARCH_SHORTLIST = 1
    settings.ARTICLES_SEARCH_RANK_WINDOW = 2
    oldest = story("<p>A zeppelin.</p>", headline="Aardvark", hours=9)
    newer = [
        story("<p>A zeppelin.</p>", headline=headline, hours=hours) for headline, hours in (("Zebra", 1), ("Mole", 2))
    ]
    _, found = search(client, q="zeppelin", ordering="headline")
    if connection.vendor == "postgresql":
        # Sorting every match of a word in a third of the archive took 5 s at a million stories.
        assert found == sorted(newer, key=lambda article: article.headline)
    else:
        assert found == [oldest, *sorted(newer, key=lambda article: article.headline)]


def test_phrase_is_looked_for_among_the_newest_stories_with_its_words(client, settings):
    settings.ARTICLES_SEARCH_PHRASE_CANDIDATES = 2
    in_order = story("<p>The zeppelin quokka.</p>", hours=9)
    for hours in (1, 2):  # newer stories with both words, not as a phrase
        story("<p>A quokka and a zeppelin.</p>", hours=hours)
    _, found = search(client, q='"zeppelin quokka"')
    if connection.vendor == "postgresql":
        # Checking a phrase reads each candidate's document; only the newest two are read.
        assert found == []
    else:
        assert found == [in_order]
    settings.ARTICLES_SEARCH_PHRASE_CANDIDATES = 3
    assert search(client, q='"zeppelin quokka"')[1] == [in_order]
    # An exclusion is never loosened (it would turn stricter): every story is checked.
    settings.ARTICLES_SEARCH_PHRASE_CANDIDATES = 1
    assert search(client, q='"zeppelin quokka" -aardvark')[1] == [in_order]


def test_fetch_rows_gives_the_rows_values_list_gives():
    from articles.search.query import fetch_rows

    older, newer = story("<p>The quokka.</p>", hours=3), story("<p>A quokka.</p>", hours=1)
    rows = Article.objects.filter(pk__in=[older.pk, newer.pk]).order_by("-published_at").values_list("pk", "slug")
    assert fetch_rows(rows[1:]) == [(older.pk, older.slug)]
    assert fetch_rows(rows) == list(rows) == [(newer.pk, newer.slug), (older.pk, older.slug)]
    # A filter Django knows to match nothing sends no query.
    assert fetch_rows(Article.objects.filter(pk__in=[]).values_list("pk")) == []


def test_postgresql_reads_each_phrase_candidates_document_once():
    """The phrase is checked on each candidate as it is read; the stories' own query never reads a document again."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite checks phrases in FTS5")
    in_order = story("<p>The zeppelin quokka.</p>", hours=3)
    story("<p>A quokka and a zeppelin.</p>", hours=1)
    queryset = search_module.text_search('"zeppelin quokka"').filter(Article.objects.for_reader())
    sql = str(queryset.query)
    candidates = sql.index("IN (SELECT")
    outer = sql[:candidates] + sql[sql.rindex(")") :]
    assert "@@" not in outer
    assert "CASE WHEN" in sql[candidates:]
    assert list(queryset) == [in_order]


@pytest.mark.parametrize(
    "text",
    [
        '"zeppelin quokka"',
        '"the zeppelin of the harbour"',
        '"zeppelin quokka" or harbour',
        'aardvark "zeppelin quokka"',
        '"zeppelin quokka',
        '"Zeppelins" "Quokkas\' harbours"',
    ],
)
def test_postgresql_loosens_a_phrase_to_all_its_words(text):
    """The phrase's prefilter: the words without their order, as the query's <N> turned into & would be."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's queries")
    from articles.search import postgres, search_config

    loosened = postgres.words_condition(text)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(%s::regconfig, %s)::text,"
            " regexp_replace(websearch_to_tsquery(%s::regconfig, %s)::text, '<[0-9-]+>', '&', 'g')::tsquery::text",
            [search_config(), loosened.params[-1], search_config(), text],
        )
        ours, by_replacing = cursor.fetchone()
    assert "<" not in ours
    assert ours == by_replacing


def test_postgresql_works_out_the_query_once_where_it_only_ranks_or_checks():
    # Per story, websearch_to_tsquery() cost a common word's window 1.7 of
    # 11.7 ms and a phrase's candidates 5 ms at a million stories. A filter
    # needs the planner's estimate and cost too: see the test after the next.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    story("<p>The zeppelin quokka.</p>", hours=3)
    text = search_module.text_search('"zeppelin quokka"')
    stories = text.filter(Article.objects.published()).annotate(rank=text.rank_expression())
    sql, params = stories.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("InitPlan") == 2, plan  # the rank's query and the phrase check's
    assert "ts_rank(articles_article.search_document, $" in plan, plan
    assert "search_document @@ $" in plan, plan
    assert "regexp_replace" not in plan, plan
    assert list(stories) and stories[0].rank > 0


def test_postgresql_checks_cheap_filters_before_reading_documents():
    # Reading a story's document means unpacking it (~90 µs at a million
    # stories); a kicker or a section is a column. A constant query made PostgreSQL
    # check the document first, on every story it walked past.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    stories = search_module.text_search("zeppelin").filter(Article.objects.filter(kicker="Politics"))
    sql, params = stories.query.sql_with_params()
    with connection.cursor() as cursor:
        # As when walking the date index: both conditions are checked row by row.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scan_filter = next(line for line in plan.splitlines() if "search_document @@" in line)
    assert scan_filter.index("kicker") < scan_filter.index("search_document @@"), plan


def test_postgresql_parses_a_filters_query_once_and_still_estimates_its_matches():
    # Called per story checked, websearch_to_tsquery() parsed the text again
    # for each (6 of a phrase's 28 ms at a million stories). The filter's
    # query is a constant now, and the planner's estimate is still the
    # word's own: taken for "one story in 200" (a subselect's), a name's
    # ranges were read the slow way round (TextSearch.newest_matches).
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    for hours in range(1, 41):
        story("<p>The zeppelin over the harbour.</p>", hours=hours)
    story("<p>A quokka.</p>", hours=50)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")

    def scan(word):
        stories = search_module.text_search(word).filter(Article.objects.all())
        sql, params = stories.query.sql_with_params()
        with connection.cursor() as cursor:
            # Every story read and checked by the filter, as on a walk of the date index.
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        node = next(line for line in plan if "Scan on articles_article" in line)
        scan_filter = next(line for line in plan if "search_document @@" in line)
        return int(node.split("rows=")[1].split()[0]), scan_filter

    common, common_filter = scan("zeppelin")
    rare, rare_filter = scan("quokka")
    assert "'''zeppelin'''::tsquery" in common_filter
    assert "websearch_to_tsquery" not in common_filter + rare_filter
    assert common > 10 * rare, (common, rare)


@pytest.mark.parametrize("ordering", ["relevance", "newest", "oldest", "headline"])
def test_words_with_topics_find_the_same_stories_whichever_topic_is_walked(client, ordering):
    # The first topic is read through its rows (TextSearch.narrow_to_topics), the others tested per story.
    stories = [story("<p>A zeppelin.</p>" if n % 2 == 0 else "<p>A quokka.</p>", hours=n + 1) for n in range(9)]
    for article in stories[:6]:
        article.tags.add("Airships")
    for article in stories[3:]:
        article.tags.add("Harbours")
    _, found = search(client, q="zeppelin", tag=["airships", "harbours"], ordering=ordering)
    assert found == [stories[4]]
    _, found = search(client, q="zeppelin", tag=["harbours"], ordering=ordering)
    assert set(found) == {stories[4], stories[6], stories[8]}
    _, found = search(client, q="zeppelin", tag=["harbours", "airships"], ordering=ordering)
    assert found == [stories[4]]
    _, found = search(client, q="zeppelin", tag=["airships"], ordering="newest")
    assert found == [stories[0], stories[2], stories[4]]
    _, found = search(client, q="zeppelin", tag=["airships"], ordering="oldest")
    assert found == [stories[4], stories[2], stories[0]]


def topic_window_plan(**narrowed):
    """PostgreSQL's plan for a common word's window with one topic (``narrowed``: more for narrow_to_topics)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    article = factories.ArticleFactory()
    article.tags.add("Airships")
    text = search_module.text_search("zeppelin")
    narrowed = {name: value(article) for name, value in narrowed.items()}
    stories, _ = text.narrow_to_topics(Article.objects.published(), [article.tags.get()], **narrowed)
    window = text.filter(stories).order_by(*text.newest_first()).values("pk")[:1000]
    return explain_without_sorting(window)


def explain_without_sorting(queryset):
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # As for a common word: walking an index in order is the only way without a sort.
        for setting in ("enable_sort", "enable_incremental_sort", "enable_bitmapscan", "enable_hashjoin"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_postgresql_reads_a_topics_window_from_its_rows_in_date_order():
    plan = topic_window_plan()
    assert "taggedarticle_tag_in_print" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize("ordering", ["relevance", "newest"])
def test_words_with_a_topic_and_a_section_follow_a_story_that_changes_section(client, ordering):
    """The topic's rows carry their story's section: a story moved between sections is found in the new one only."""
    home, world = factories.SectionFactory(slug="home-news"), factories.SectionFactory(slug="world-news")
    stories = [story("<p>A zeppelin.</p>", hours=n + 1, section=home if n % 2 else world) for n in range(6)]
    for article in stories:
        article.tags.add("Airships")
    stories[-1].tags.clear()  # in the section with the words, without the topic
    _, found = search(client, q="zeppelin", section="home-news", tag=["airships"], ordering="newest")
    assert found == [stories[1], stories[3]]
    moved = stories[1]
    Article.objects.filter(pk=moved.pk).update(section=world)  # not through save(): the copy still follows
    _, found = search(client, q="zeppelin", section="home-news", tag=["airships"], ordering=ordering)
    assert found == [stories[3]]
    _, found = search(client, q="zeppelin", section="world-news", tag=["airships"], ordering=ordering)
    assert set(found) == {stories[0], moved, stories[2], stories[4]}


def test_postgresql_tests_a_section_in_the_topics_index():
    plan = topic_window_plan(section=lambda article: article.section)
    scan = plan[plan.index("taggedarticle_tag_in_print") :].split("\n")[1]
    assert "Index Cond" in scan and "story_section_id" in scan, plan


@pytest.mark.parametrize("ordering", ["relevance", "newest", "oldest", "headline"])
def test_words_with_an_author_list_each_of_their_stories_once(client, ordering):
    # Read through the author's byline rows (TextSearch.narrow_to_author): a
    # story crediting them in two roles has two rows and is still one result.
    author = factories.AuthorFactory(slug="ann-quill")
    other = factories.AuthorFactory(slug="bo-other")
    home, world = factories.SectionFactory(slug="home-news"), factories.SectionFactory(slug="world-news")
    stories = [
        story("<p>A zeppelin.</p>" if n != 3 else "<p>A quokka.</p>", hours=n + 1, section=home if n % 2 else world)
        for n in range(6)
    ]
    for n, article in enumerate(stories[:5]):
        factories.BylineFactory(article=article, author=author, role="by")
        if n % 2 == 0:
            factories.BylineFactory(article=article, author=author, role="photographs")
    factories.BylineFactory(article=stories[5], author=other)  # the words, another author
    draft = factories.ArticleFactory(draft=True, headline="Quiet xylophone gala", standfirst="")
    factories.RichTextFactory(parent=draft, text="<p>A zeppelin.</p>")
    factories.BylineFactory(article=draft, author=author)
    _, found = search(client, q="zeppelin", author="ann-quill", ordering=ordering)
    assert sorted(found, key=stories.index) == [stories[0], stories[1], stories[2], stories[4]]
    if ordering == "newest":
        assert found == [stories[0], stories[1], stories[2], stories[4]]
    if ordering == "oldest":
        assert found == [stories[4], stories[2], stories[1], stories[0]]
    _, found = search(client, q='"a zeppelin"', author="ann-quill", ordering=ordering)
    assert sorted(found, key=stories.index) == [stories[0], stories[1], stories[2], stories[4]]
    _, found = search(client, q="zeppelin", author="ann-quill", section="home-news", ordering=ordering)
    assert sorted(found, key=stories.index) == [stories[1]]
    # With a topic the topic's rows are walked and the author tested per story.
    for article in stories[1:]:
        article.tags.add("Airships")
    _, found = search(client, q="zeppelin", author="ann-quill", tag=["airships"], ordering=ordering)
    assert sorted(found, key=stories.index) == [stories[1], stories[2], stories[4]]
    # A story taken out of print leaves the author's list at once (its rows' copy is cleared).
    Article.objects.filter(pk=stories[2].pk).update(status=Article.Status.DRAFT)
    _, found = search(client, q="zeppelin", author="ann-quill", ordering=ordering)
    assert sorted(found, key=stories.index) == [stories[0], stories[1], stories[4]]


def test_postgresql_reads_an_authors_window_from_their_rows_in_date_order():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    byline = factories.BylineFactory()
    text = search_module.text_search("zeppelin")
    stories = text.narrow_to_author(Article.objects.published(), byline.author)
    window = text.filter(stories).order_by(*text.newest_first()).values("pk")[:1000]
    plan = explain_without_sorting(window)
    assert "byline_author_in_print" in plan, plan
    assert "Sort" not in plan, plan


def test_postgresql_reads_a_topics_phrase_candidates_from_its_rows_in_date_order():
    # Read in the stories' date order, the candidates of a phrase with a topic
    # walked every story and probed it for the topic: 0.8 s at a million stories.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    article = factories.ArticleFactory()
    article.tags.add("Airships")
    text = search_module.text_search('"zeppelin hangar"')
    stories, _ = text.narrow_to_topics(Article.objects.published(), [article.tags.get()])
    plan = explain_without_sorting(text.filter(stories).values("pk"))
    candidates = plan[plan.index("Limit") :]
    assert "taggedarticle_tag_in_print" in candidates, plan
    assert "article_reader_order" not in candidates and "Sort" not in candidates, plan


# Where the word is, among 40 stories an hour apart (0: the newest): every
# story, every fifth, only old ones, only the newest three, and every third
# with the newest ten sharing one publication time (ties across a range's edge).
WORD_PLACES = {
    "everywhere": lambda n: True,
    "one in five": lambda n: n % 5 == 2,
    "only old stories": lambda n: n >= 33,
    "only the newest": lambda n: n < 3,
    "one in three, ties": lambda n: n % 3 == 0,
}


# (newest stories read first, the share of them matching under which a range's query is left unestimated)
RANGES = {"1": (1, 0.1), "4": (4, 0.1), "12": (12, 0.1), "4, unestimated": (4, 1.1)}


def placed_stories(place, count, match="<p>A zeppelin.</p>", other="<p>A quokka.</p>", **each):
    """``count`` stories an hour apart (0: the newest), the body ``match`` in those ``WORD_PLACES[place]`` picks.

    ``other``: the other stories' body. ``each``: keyword arguments for
    :func:`story`, each a function of the story's number.
    """
    stories = [
        story(
            match if WORD_PLACES[place](n) else other,
            hours=n + 1,
            **{name: value(n) for name, value in each.items()},
        )
        for n in range(count)
    ]
    if place.endswith("ties"):
        Article.objects.filter(pk__in=[s.pk for s in stories[:10]]).update(published_at=ago(1))
    return stories


def search_pages(client, settings, recent, **params):
    """Each page of a reader's search, until the first past the last; and the last page's count, capped or not."""
    settings.ARTICLES_SEARCH_RECENT_STORIES = recent
    listed, page, count = [], 1, None
    while (response := client.get("/search/", {**params, "page": page})).status_code == 200:
        listed.append([article.pk for article in response.context["articles"]])
        count = response.context["result_count"], response.context["result_count_capped"]
        page += 1
    return listed, count


@pytest.mark.parametrize("ranges", list(RANGES))
@pytest.mark.parametrize("place", list(WORD_PLACES))
@pytest.mark.parametrize("section", [None, "world"])
def test_best_match_ranks_the_newest_matches_however_the_ranges_fall(monkeypatch, settings, ranges, place, section):
    """Read range by range back in time (TextSearch.newest_matches), the window is what one walk finds."""
    from articles.filters import StoryFilter
    from articles.search.query import TextSearch

    recent, sparse = RANGES[ranges]
    monkeypatch.setattr(TextSearch, "SPARSE", sparse)

    settings.ARTICLES_SEARCH_RANK_WINDOW = 6
    world, sport = factories.SectionFactory(slug="world"), factories.SectionFactory(slug="sport")
    stories = placed_stories(
        place,
        40,
        headline=lambda n: "Zeppelin" if n % 4 == 1 else "Quiet xylophone gala",  # some rank higher
        section=lambda n: world if n % 2 else sport,
    )
    # Never listed: a draft and a story scheduled for later, both with the word.
    factories.ArticleFactory(draft=True, headline="Zeppelin")
    factories.ArticleFactory(scheduled=True, headline="Zeppelin")

    def window(recent):
        settings.ARTICLES_SEARCH_RECENT_STORIES = recent
        params = {"q": "zeppelin", **({"section": section} if section else {})}
        filterset = StoryFilter(params, queryset=Article.objects.for_reader())
        listed = [article.pk for article in filterset.qs]
        return list(filterset.search.ranked.items()), listed

    walked, listed = window(0)
    ranged, ranged_listed = window(recent)
    assert ranged == walked
    assert ranged_listed == listed
    matches = [
        s
        for s in Article.objects.published().order_by("-published_at", "-pk")
        if WORD_PLACES[place](stories.index(s)) or s.headline == "Zeppelin"
    ]
    if section:
        matches = [s for s in matches if s.section.slug == section]
    assert {pk for pk, _ in ranged} == {s.pk for s in matches[:6]}


@pytest.mark.parametrize("recent", [1, 4])
@pytest.mark.parametrize("place", list(WORD_PLACES))
def test_newest_first_pages_are_the_same_however_the_ranges_fall(client, settings, recent, place):
    """A reader's newest-first pages, read by range up to the last page shown (TextSearch.shortlist)."""
    settings.ARTICLES_PAGINATE_BY = 3
    settings.ARTICLES_MAX_PAGES = 3
    stories = placed_stories(place, 25)
    walked, walked_count = search_pages(client, settings, 0, q="zeppelin", ordering="newest")
    ranged, ranged_count = search_pages(client, settings, recent, q="zeppelin", ordering="newest")
    assert ranged == walked
    assert ranged_count == walked_count
    matches = [s.pk for s in Article.objects.order_by("-published_at", "-pk") if WORD_PLACES[place](stories.index(s))]
    assert [pk for page in ranged for pk in page] == matches[:9]
    assert ranged_count == (min(len(matches), 9), len(matches) > 9)


@pytest.mark.parametrize("recent", [1, 4])
@pytest.mark.parametrize("place", list(WORD_PLACES))
def test_headline_order_sorts_the_same_newest_matches_however_the_ranges_fall(client, settings, recent, place):
    """More matches than the shortlist: "Headline, A to Z" sorts the newest window (on PostgreSQL, read by range)."""
    settings.ARTICLES_PAGINATE_BY = 4
    settings.ARTICLES_SEARCH_SHORTLIST = 2
    settings.ARTICLES_SEARCH_RANK_WINDOW = 6
    # Headlines in an order of their own, not the stories' dates.
    stories = placed_stories(place, 30, headline=lambda n: f"Gala number {(n * 7) % 30:02d}")
    walked, _ = search_pages(client, settings, 0, q="zeppelin", ordering="headline")
    ranged, _ = search_pages(client, settings, recent, q="zeppelin", ordering="headline")
    assert ranged == walked
    matches = [s for s in Article.objects.order_by("-published_at", "-pk") if WORD_PLACES[place](stories.index(s))]
    if connection.vendor == "postgresql":
        matches = matches[:6]  # SQLite sorts every match: its FTS5 index names them all at once
    by_headline = sorted(matches, key=lambda s: (s.headline, -s.published_at.timestamp(), -s.pk))
    assert [pk for page in walked for pk in page] == [s.pk for s in by_headline]


def test_a_story_deleted_while_its_range_is_ranked_is_left_out(monkeypatch, settings):
    # Between a range's read and the query that ranks it, another request may delete a story.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's ranged read")
    from articles.search.query import TextSearch

    settings.ARTICLES_SEARCH_RANK_WINDOW = 3
    settings.ARTICLES_SEARCH_RECENT_STORIES = 1
    stories = [story("<p>A zeppelin.</p>", hours=n + 1) for n in range(10)]
    deleted = stories[1]  # not the newest: read in the first range, ranked afterwards
    rank_expression, calls = TextSearch.rank_expression, []

    def deleting_before_the_ranks(self):
        calls.append(self)
        if len(calls) == 2:  # the first ranked the newest stories as they were read
            Article.objects.filter(pk=deleted.pk).delete()
        return rank_expression(self)

    monkeypatch.setattr(TextSearch, "rank_expression", deleting_before_the_ranks)
    text = search_module.text_search("zeppelin")
    ranked = text.best_match(text.filter(Article.objects.published()))
    assert len(calls) == 3
    assert list(text.ranked) == [stories[0].pk, stories[2].pk]
    assert [article.pk for article in ranked] == [stories[0].pk, stories[2].pk]


def test_the_api_lists_every_match_newest_first_past_a_readers_last_page(client, settings):
    # Its cursors page on through every match; only a reader's pages stop.
    settings.ARTICLES_PAGINATE_BY = 2
    settings.ARTICLES_MAX_PAGES = 1
    settings.ARTICLES_SEARCH_RECENT_STORIES = 1
    matches = [story("<p>A zeppelin.</p>", hours=n + 1) for n in range(5)]
    seen, url = [], "/api/stories/?q=zeppelin&ordering=newest&page_size=2"
    while url:
        page = client.get(url).json()
        seen += [item["slug"] for item in page["results"]]
        url = page["next"]
    assert len(seen) == len(matches)


@pytest.mark.parametrize(("recent", "every", "sparse"), [(4, 4, False), (20, 25, True)])
def test_postgresql_reads_a_range_of_matches_in_no_order(settings, recent, every, sparse):
    # With an order and a limit PostgreSQL walks the date index and reads one
    # document after another: 250 ms at a million stories for a word in 2% of
    # them, where a range read unordered takes both indexes (40 ms).
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's ranged read")
    from django.test.utils import CaptureQueriesContext

    settings.ARTICLES_SEARCH_RANK_WINDOW = 3
    settings.ARTICLES_SEARCH_RECENT_STORIES = recent
    for n in range(60):
        story("<p>A zeppelin.</p>" if n % every == 0 else "<p>A quokka.</p>", hours=n + 1)
    text = search_module.text_search("zeppelin")
    with CaptureQueriesContext(connection) as queries:
        text.best_match(text.filter(Article.objects.published()))
    assert len(text.ranked) == 3
    reads = [query["sql"] for query in queries if "search_document" in query["sql"]]
    # The newest stories, newest first; one range further back, in no order; the rest's ranks by id.
    assert len(reads) == 3, reads
    assert "ORDER BY" in reads[0] and "LIMIT 3" in reads[0]
    assert "ORDER BY" not in reads[1] and "LIMIT" not in reads[1]
    assert "search_document @@" not in reads[2] and '"id" = ANY(' in reads[2]
    # Fewer than one story in ten matched: the range's query is one PostgreSQL
    # cannot estimate, so that it takes both indexes for a name's correlated words.
    assert ("search_document @@ (SELECT websearch_to_tsquery" in reads[1]) is sparse, reads[1]


@pytest.mark.parametrize("text", ["murphy-storey", "o'neill", "x86_64", "covid-19"])
def test_postgresql_reads_a_phrase_of_parts_by_the_date_first(settings, text):
    # A hyphenated word is a phrase of its parts, which PostgreSQL estimated as
    # a handful of stories: it checked the word order of every story the text
    # index named before the date (285 ms at a million stories for a
    # reporter's double-barrelled name). Its query is one it cannot estimate.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's ranged read")
    from django.test.utils import CaptureQueriesContext

    settings.ARTICLES_SEARCH_RECENT_STORIES = 1
    story(f"<p>A {text}.</p>")
    search = search_module.text_search(text)
    with CaptureQueriesContext(connection) as queries:
        search.best_match(search.filter(Article.objects.published()))
    assert len(search.ranked) == 1
    newest = next(query["sql"] for query in queries if "search_document" in query["sql"])
    assert "search_document @@ (SELECT websearch_to_tsquery" in newest, newest
    # A quoted phrase reads its candidates newest first instead (TextSearch.filter).
    quoted = search_module.text_search('"zeppelin hangar"')
    assert quoted.recent_bound(quoted.filter(Article.objects.published())) is None


@pytest.mark.parametrize("recent", [1, 4, 12])
@pytest.mark.parametrize("place", list(WORD_PLACES))
def test_a_hyphenated_name_ranked_range_by_range_is_what_one_walk_finds(settings, recent, place):
    settings.ARTICLES_SEARCH_RANK_WINDOW = 6
    stories = placed_stories(
        place,
        40,
        match="<p>Sean O'Neill-Ross wrote.</p>",
        # Between the matches, stories holding both parts but not as one name: never listed.
        other="<p>Ross met Neill and O.</p>",
        headline=lambda n: "O'Neill-Ross" if n % 4 == 1 else "Quiet xylophone gala",
    )

    def window(recent):
        settings.ARTICLES_SEARCH_RECENT_STORIES = recent
        text = search_module.text_search("o'neill-ross")
        text.best_match(text.filter(Article.objects.published()))
        return list(text.ranked.items())

    walked = window(0)
    assert window(recent) == walked
    matches = [
        s
        for s in Article.objects.order_by("-published_at", "-pk")
        if WORD_PLACES[place](stories.index(s)) or stories.index(s) % 4 == 1
    ]
    assert {pk for pk, _ in walked} == {s.pk for s in matches[:6]}


def test_a_full_best_match_window_says_there_may_be_more(client, settings):
    settings.ARTICLES_SEARCH_RANK_WINDOW = 2
    for hours in (1, 2, 3):
        story("<p>A zeppelin.</p>", hours=hours)
    response, _ = search(client, q="zeppelin")
    assert "2 or more stories found" in response.content.decode()
    response, _ = search(client, q="zeppelin", ordering="newest")
    assert "3 stories found" in response.content.decode()
    settings.ARTICLES_SEARCH_RANK_WINDOW = 5
    response, _ = search(client, q="zeppelin")
    assert "3 stories found" in response.content.decode()


def test_no_words_means_newest_first(client):
    older, newer = story(hours=5), story(hours=1)
    _, found = search(client, ordering="relevance")
    assert found == [newer, older]


# -- snippets ----------------------------------------------------------------------------


def test_snippets_mark_matches_and_escape_text(client):
    story("<p>Before the zeppelin came, x&lt;script&gt;alert(1)&lt;/script&gt; <strong>bold</strong>.</p>")
    response, _ = search(client, q="zeppelin")
    html = response.content.decode()
    assert "<mark>zeppelin</mark>" in html
    assert "&lt;script&gt;" in html
    assert "<script>alert" not in html
    assert "<strong>" not in html
    assert_sound_html(html)


@pytest.mark.parametrize("filler_words", [0, 5, 330, 400, 2000])
def test_snippets_mark_a_match_wherever_it_lies_in_the_body(client, filler_words):
    """Early in a long body, past its first 2,000 characters, at a short body's very end: always marked."""
    filler = " ".join(["Quiet"] * filler_words)
    found_story = story(f"<p>{filler} the zeppelin</p><p>{filler}</p>")
    _, found = search(client, q="zeppelin")
    assert found == [found_story]
    assert "<mark>zeppelin</mark>" in found[0].search_snippet
    # Whole words around it, never a word cut in two.
    words = str(found[0].search_snippet).replace("<mark>zeppelin</mark>", "").replace("…", " ").split()
    assert set(words) <= {"Quiet", "the"}


def test_a_snippet_without_a_body_match_is_the_bodys_opening(client):
    found_story = story("<p>" + " ".join(["Quiet"] * 1000) + "</p>", headline="Zeppelin over town")
    _, found = search(client, q="zeppelin")
    assert found == [found_story]
    snippet = str(found[0].search_snippet).strip()
    assert "<mark>" not in snippet
    assert snippet.startswith("Quiet Quiet") and len(snippet.split()) <= 40


@pytest.mark.parametrize(
    "body",
    [
        "<p>" + " ".join(["Quiet"] * 1000) + "</p>",
        "<p>— “Quiet,” she said — … and then: <em>nothing</em> at all, not a word; x&lt;y &amp; z.</p>" * 40,
        "<p>" + " ".join(["Antidisestablishmentarianism-and-more"] * 30) + "</p><p>Quiet.</p>",
        "<p>Short, and quiet.</p>",
        "<p>— — — — — — — — — — — — — — — — — — — — — — — — — — — — — Quiet words at last</p>" * 30,
        # No whole word in the first 400 characters: the lead, as before.
        "<p>https://example.com/" + "a" * 420 + " " + "Quiet words follow. " * 100 + "</p>",
        "",
    ],
)
def test_postgresql_gives_a_body_without_the_words_its_opening_as_its_lead_would(body):
    # Such a body is given to ts_headline as its first 40 chunks, not its first
    # 2,000 characters: the snippet must be what the 2,000 characters gave.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's snippets")
    from articles.search import postgres

    found_story = story(body, headline="Zeppelin over town")
    snippets = postgres.highlights([found_story.pk], "zeppelin", connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ts_headline(%(config)s::regconfig, CASE WHEN length(b) <= {postgres.LEAD_CHARS} THEN b"
            f" ELSE regexp_replace(left(b, {postgres.LEAD_CHARS}), '\\S*$', '') END,"
            " websearch_to_tsquery(%(config)s::regconfig, 'zeppelin'), %(options)s)"
            f" FROM (SELECT {postgres.body_sql()} AS b FROM articles_article x WHERE x.id = %(pk)s) AS body",
            {"config": search_config(), "options": postgres.HEADLINE_OPTIONS, "pk": found_story.pk},
        )
        (from_the_lead,) = cursor.fetchone()
    assert snippets[found_story.pk] == html.unescape(from_the_lead)
    assert "\x02" not in snippets[found_story.pk]


def test_postgresql_gives_a_body_opening_with_long_words_a_shorter_opening():
    # Fifteen words that do not fit in 400 characters: fewer of them, the same text.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's snippets")
    from articles.search import postgres

    address = "https://example.com/" + "a" * 300
    found_story = story(f"<p>{address} " + "Quiet words follow. " * 100 + "</p>", headline="Zeppelin over town")
    snippet = postgres.highlights([found_story.pk], "zeppelin", connection.alias)[found_story.pk].strip()
    assert snippet.startswith(f"{address} Quiet words follow")
    assert 5 < len(snippet.split()) < 16
    assert "\x02" not in snippet


def test_a_snippet_marks_a_body_word_when_another_word_is_in_the_headline(client):
    # The body is parsed whole when its words hold any of the query's, not only all of them.
    filler = " ".join(["Quiet"] * 400)
    found_story = story(f"<p>{filler} the quokka</p>", headline="Zeppelin over town")
    _, found = search(client, q="zeppelin quokka")
    assert found == [found_story]
    assert "<mark>quokka</mark>" in found[0].search_snippet


def test_no_snippets_without_search_words(client):
    story("<p>Zeppelin.</p>")
    response, _ = search(client)
    assert "search-snippet" not in response.content.decode()


def test_text_search_query_count(client, django_assert_num_queries):
    for n in range(25):
        story(f"<p>Zeppelin number {n}.</p>", hours=n + 1)
    # the rank window's ids + window-ranked page + bylines + next scheduled
    # story + snippets + the key versions of the form's lists + the versions
    # the drawn cards are kept by: no count, the window's length is the
    # count. The first search after a change also reads the lists (three
    # selects, and the next topic coming due). PostgreSQL first reads where
    # the newest ARTICLES_SEARCH_RECENT_STORIES stories begin, from an index
    # (TextSearch.recent_bound): here there are fewer, so the window is walked.
    postgresql = connection.vendor == "postgresql"
    with django_assert_num_queries(7 + 4 + postgresql):
        response = client.get("/search/", {"q": "zeppelin"})
    assert len(response.context["articles"]) == 20
    assert response.context["paginator"].count == 25
    assert "25 stories found" in response.content.decode()
    # Then one query checks the kept cards instead of the bylines and the keeping.
    with django_assert_num_queries(6 + postgresql):
        assert client.get("/search/", {"q": "zeppelin"}).content == response.content


# -- keeping the index current ------------------------------------------------------------


def test_edited_block_is_reindexed(client):
    article = story("<p>The zeppelin landed.</p>")
    block = RichText.objects.get(parent=article)
    block.text = "<p>The quokka landed.</p>"
    block.save()
    assert search(client, q="quokka")[1] == [article]
    assert search(client, q="zeppelin")[1] == []


def test_documents_are_current_before_the_change_moves_any_key(client, monkeypatch):
    # A search page rendered once its keys have new versions is cached as
    # fresh: it must already find the change, or it would keep the old results.
    from articles.delivery import changes

    article = story(headline="Zeppelin lands")
    seen = []
    renew = changes.renew

    def watching_renew(changed, using="default"):
        seen.append(list(search_module.text_search("quokka").filter(Article.objects.all())))
        return renew(changed, using)

    monkeypatch.setattr(changes, "renew", watching_renew)
    article.headline = "Quokka lands"
    article.save()
    assert seen == [[article]]


def test_edited_headline_is_reindexed(client):
    article = story(headline="Zeppelin lands")
    article.headline = "Quokka lands"
    article.save()
    assert search(client, q="quokka")[1] == [article]
    assert search(client, q="zeppelin")[1] == []


def test_author_rename_reindexes_their_stories(client):
    article = story()
    byline = factories.BylineFactory(article=article, author__name="Ann Quillwright")
    author = byline.author
    author.name = "Ann Zeppelinova"
    author.save()
    assert search(client, q="Zeppelinova")[1] == [article]
    assert search(client, q="Quillwright")[1] == []


def test_tag_rename_reindexes_its_stories(client):
    article = story()
    tag = factories.TagFactory(name="Quokkas")
    factories.TaggedArticleFactory(content_object=article, tag=tag)
    tag.name = "Zeppelins"
    tag.save()
    assert search(client, q="zeppelin")[1] == [article]
    assert search(client, q="quokka")[1] == []


def test_deleted_story_leaves_the_index(client):
    article = story("<p>Zeppelin.</p>")
    pk = article.pk
    article.delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_search WHERE rowid = %s", [pk])
            assert cursor.fetchone()[0] == 0
    assert search(client, q="zeppelin")[1] == []


def test_rolled_back_change_is_not_indexed(client):
    article = story("<p>The zeppelin landed.</p>")
    block = RichText.objects.get(parent=article)
    with pytest.raises(RuntimeError), transaction.atomic():
        block.text = "<p>The quokka landed.</p>"
        block.save()
        raise RuntimeError("rolled back")
    assert search(client, q="quokka")[1] == []
    assert search(client, q="zeppelin")[1] == [article]


def test_indexing_error_is_logged_not_raised(monkeypatch, caplog):
    def broken(pks, using=None):
        raise RuntimeError("index down")

    monkeypatch.setattr(search_module, "index_stories", broken)
    with caplog.at_level(logging.ERROR, logger="articles.search"):
        article = story(headline="Zeppelin")
    assert Article.objects.filter(pk=article.pk).exists()
    assert "rebuild_search_index" in caplog.text


# -- bulk indexing -----------------------------------------------------------------------


def _forget_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE articles_article SET search_document = NULL")
        else:
            cursor.execute("DELETE FROM articles_search")


def test_index_stories_builds_documents_in_bulk(client, django_assert_max_num_queries):
    stories = [story(f"<p>Zeppelin {n}.</p>") for n in range(5)]
    _forget_index()
    assert search(client, q="zeppelin")[1] == []
    # A few statements per call, not one per story.
    with django_assert_max_num_queries(8):
        assert index_stories([s.pk for s in stories]) == 5
    assert len(search(client, q="zeppelin")[1]) == 5
    assert index_stories([]) == 0


def test_rebuild_command_indexes_every_story(client, capsys):
    for n in range(5):
        story(f"<p>Zeppelin {n}.</p>")
    factories.ArticleFactory(draft=True, headline="Zeppelin draft")
    _forget_index()
    call_command("rebuild_search_index", batch_size=2)
    out = capsys.readouterr()
    assert "6 stories" in out.out
    assert "Indexed 6/6" in out.err
    assert len(search(client, q="zeppelin")[1]) == 5


def test_rebuild_command_rejects_a_bad_batch_size():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="batch-size"):
        call_command("rebuild_search_index", batch_size=0)


# -- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "configured", "expected"),
    [
        ("en-gb", None, "english"),
        ("de", None, "german"),
        ("fr-ca", None, "french"),
        ("xx", None, "simple"),
        ("en", "simple", "simple"),
    ],
)
def test_search_config_follows_the_language(settings, language, configured, expected):
    settings.LANGUAGE_CODE = language
    settings.ARTICLES_PUBLICATION_LANGUAGE = None
    settings.ARTICLES_SEARCH_CONFIG = configured
    assert search_config() == expected


# -- admin -------------------------------------------------------------------------------


def test_admin_search_uses_the_index(editor_client):
    article = story('<p>The <a href="https://example.org/">zeppelin</a> landed.</p>', slug="zeppelin-lands")
    story("<p>Other.</p>")
    draft = factories.ArticleFactory(draft=True, headline="Zeppelins in draft")

    def results(q):
        response = editor_client.get(CHANGELIST, {"q": q})
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert results("zeppelin") == {article, draft}
    assert results("href") == set()
    assert results("zeppelin-lands") == {article}  # the exact slug
    assert results('"unbalanced') == set()
    assert results("!!!") == set()


# -- SQLite without FTS5 -----------------------------------------------------------------


@pytest.fixture
def without_fts5(monkeypatch):
    """This SQLite as if built without FTS5: the plain table the migration would have made."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's fallback")
    from articles.search import sqlite

    monkeypatch.setattr(sqlite, "fts5_available", lambda: False)
    with connection.cursor() as cursor:  # DDL is transactional in SQLite: the test's rollback restores FTS5
        cursor.execute("DROP TABLE articles_search")
        sqlite.create_fallback_table(cursor.execute)


def test_fallback_without_fts5_is_correct(client, without_fts5):
    article = story('<p>The <a href="https://example.org/">zeppelin</a> hangar <strong>reopened</strong>.</p>')
    other = story("<p>A hangar for the quokka zeppelin.</p>", headline="Zeppelin quorum")
    assert search(client, q="href")[1] == []
    assert search(client, q="strong")[1] == []
    assert set(search(client, q="zeppelin")[1]) == {article, other}
    assert search(client, q='"zeppelin hangar"')[1] == [article]
    assert search(client, q="zeppelin -quokka")[1] == [article]
    assert search(client, q="zeppelin")[1][0] == other  # headline match first
    response, _ = search(client, q="reopened")
    assert "<mark>reopened</mark>" in response.content.decode()
    for query in ('"unbalanced', "!!!", "x" * 1000):
        assert client.get("/search/", {"q": query}).status_code == 200


def test_admin_search_counts_at_most_the_cap(editor_client, monkeypatch):
    from articles.admin import ArticleAdmin, SearchResultsPaginator

    monkeypatch.setattr(SearchResultsPaginator, "cap", 2)
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 1)
    newest = story(headline="Zeppelin", hours=1)
    for hours in (2, 3):
        story(headline="Zeppelin", hours=hours)
    cl = editor_client.get(CHANGELIST, {"q": "zeppelin", "o": "-5"}).context["cl"]
    assert cl.result_count == 2
    assert cl.paginator.num_pages == 2
    assert list(cl.result_list) == [newest]
    # Without a search the count is the real one.
    assert editor_client.get(CHANGELIST).context["cl"].result_count == 3


def test_migration_creates_and_fills_the_index(client):
    import importlib
    from types import SimpleNamespace

    article = story("<p>Zeppelin.</p>")
    migration = importlib.import_module("articles.migrations.0009_story_search")

    def execute(sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    # The migration's own functions, on a bare editor: Django's schema editor
    # cannot open inside the test's transaction on SQLite (DDL itself can).
    editor = SimpleNamespace(connection=connection, execute=execute)
    if connection.vendor == "postgresql":
        execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with the test's foreign-key checks pending
    migration.drop(None, editor)
    migration.create(None, editor)
    assert search(client, q="zeppelin")[1] == [article]


def test_a_ranked_list_is_read_a_page_at_a_time():
    from articles.search.query import RankedStories

    first, second = story(headline="Zeppelin one"), story(headline="Zeppelin two")
    ranked = RankedStories({second.pk: 0.9, first.pk: 0.5}, Article.objects.for_reader())
    assert ranked.count() == 2 and ranked.count_up_to(1) == 1
    assert [(s, s.search_rank) for s in ranked[0:2]] == [(second, 0.9), (first, 0.5)]
    with pytest.raises(TypeError, match="slices only"):
        ranked[0]
