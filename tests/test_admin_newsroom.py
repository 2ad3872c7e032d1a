"""The newsroom's daily admin work: changelist, tags, corrections, addresses, bad input."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, SlugRedirect, Timeline
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def edit(client, article, **changes):
    data = form_data(client.get(change_url(article)).content.decode(), "article_form")
    data.update(changes)
    data["_save"] = "Save"
    return client.post(change_url(article), data)


# --- changelist ---------------------------------------------------------------


def make_rows(n):
    for _ in range(n):
        article = factories.ArticleFactory()
        factories.BylineFactory(article=article)
        factories.BylineFactory(article=article)
        factories.TaggedArticleFactory(content_object=article)


@pytest.mark.parametrize("rows", [1, 50])
def test_changelist_query_count_is_constant(editor_client, django_assert_max_num_queries, rows):
    make_rows(rows)
    # session, user, counts, rows, bylines, filter choices: independent of rows
    with django_assert_max_num_queries(14):
        response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows


def test_changelist_never_reads_the_whole_archive_to_draw_itself(editor_client):
    """No total COUNT, no DISTINCT over every story's date or byline: the sidebar reads only small tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_rows(3)
    with CaptureQueriesContext(connection) as ctx:
        response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    statements = [query["sql"] for query in ctx.captured_queries]
    assert not [sql for sql in statements if "DISTINCT" in sql.upper()]
    unfiltered_counts = [sql for sql in statements if "COUNT(" in sql.upper() and "WHERE" not in sql.upper()]
    # One count, of the page's own (here unfiltered) result; no second one for "of N in all".
    assert len(unfiltered_counts) <= 1


def test_changelist_query_count_same_for_1_and_100_rows(editor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for rows in (1, 99):
        make_rows(rows)
        with CaptureQueriesContext(connection) as ctx:
            editor_client.get(CHANGELIST)
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_changelist_columns(editor_client):
    article = factories.ArticleFactory(headline="Budget passes")
    factories.BylineFactory(article=article, author__name="Ann Quillwright", position=1)
    factories.BylineFactory(article=article, author__name="Bo Snapper", position=2)
    html = editor_client.get(CHANGELIST).content.decode()
    assert "Budget passes" in html
    assert "Ann Quillwright, Bo Snapper" in html
    assert "published" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Quixotic", "budget"), ("standfirst-word", "stand"), ("zebras", "body"), ("Quillwright", "byline")],
)
def test_search_covers_headline_standfirst_body_and_authors(editor_client, query, expected):
    # The queries are words Faker's lorem never produces, so the other stories' random text cannot match.
    stories = {
        "budget": factories.ArticleFactory(headline="Quixotic budget passes"),
        "stand": factories.ArticleFactory(standfirst="A standfirst-word appears"),
        "body": factories.ArticleFactory(),
        "byline": factories.ArticleFactory(),
    }
    factories.RichTextFactory(parent=stories["body"], text="<p>Escaped zebras roam the city.</p>")
    factories.BylineFactory(article=stories["byline"], author__name="Ann Quillwright")
    result = editor_client.get(CHANGELIST, {"q": query}).context["cl"].result_list
    assert list(result) == [stories[expected]]


def test_filters_by_author_tag_and_section(editor_client):
    tagged = factories.ArticleFactory()
    factories.TaggedArticleFactory(content_object=tagged, tag=factories.TagFactory(name="Elections"))
    by_ann = factories.ArticleFactory()
    ann = factories.BylineFactory(article=by_ann, author__name="Ann").author
    elsewhere = factories.ArticleFactory(section=factories.SectionFactory(slug="sport"))
    # a second tag and author, so each filter has a choice to make
    factories.TaggedArticleFactory(content_object=elsewhere, tag=factories.TagFactory(name="Football"))
    factories.BylineFactory(article=elsewhere, author__name="Bo")
    tag = Tag.objects.get(name="Elections")

    def results(**params):
        return list(editor_client.get(CHANGELIST, params).context["cl"].result_list)

    assert results(tags__id__exact=tag.pk) == [tagged]
    assert results(bylines__author__id__exact=ann.pk) == [by_ann]
    assert results(section__id__exact=elsewhere.section.pk) == [elsewhere]


# --- tags -------------------------------------------------------------------


def test_tags_are_case_insensitive(editor_client):
    factories.TagFactory(name="Syria", slug="syria")
    article = factories.ArticleFactory()
    response = edit(editor_client, article, tags=["syria", "United States"])
    assert response.status_code == 302
    assert sorted(article.tags.values_list("name", flat=True)) == ["Syria", "United States"]
    assert Tag.objects.filter(name__iexact="syria").count() == 1


def test_tag_autocomplete_suggests_existing_tags(editor_client):
    factories.TagFactory(name="Syria", slug="syria")
    factories.TagFactory(name="Russia", slug="russia")
    url = reverse("admin:articles_article_tag_autocomplete")
    assert editor_client.get(url, {"term": "syr"}).json() == {"results": [{"id": "Syria", "text": "Syria"}]}
    assert Client().get(url, {"term": "syr"}).status_code == 302  # signed out: to the login page


# --- corrections and updated time ------------------------------------------


def test_correction_shows_on_the_page_and_updates_the_time(editor_client, client):
    article = factories.ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=1))
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
    assert "Updated" not in client.get(article.get_absolute_url()).content.decode()

    response = edit(
        editor_client,
        article,
        **{
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": "An earlier version misspelt the minister's name.",
            "corrections-0-published_at_0": timezone.localdate().isoformat(),
            "corrections-0-published_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    html = client.get(article.get_absolute_url()).content.decode()
    assert "An earlier version misspelt the minister&#x27;s name." in html
    assert "Corrections and updates" in html
    assert 'class="dateline dateline--updated">Updated' in html


# --- stable addresses -------------------------------------------------------


def test_changed_slug_of_a_published_story_redirects(editor_client, client):
    article = factories.ArticleFactory(slug="old-slug")
    old_url = article.get_absolute_url()
    assert edit(editor_client, article, slug="new-slug").status_code == 302
    article.refresh_from_db()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert article.get_absolute_url().endswith("/new-slug/")
    assert client.get(article.get_absolute_url()).status_code == 200


def test_slug_can_move_back_and_drafts_leave_no_trail():
    article = factories.ArticleFactory(slug="first")
    article.slug = "second"
    article.save()
    article.slug = "first"
    article.save()
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["second"]
    draft = factories.ArticleFactory(draft=True, slug="draft-one")
    draft.slug = "draft-two"
    draft.save()
    assert not SlugRedirect.objects.filter(old_slug="draft-one").exists()


def test_redirect_never_reveals_an_unpublished_story(client):
    article = factories.ArticleFactory(slug="was-here")
    article.slug = "now-here"
    article.save()
    Article.objects.filter(pk=article.pk).update(status="unpublished")
    assert client.get("/2020/01/01/was-here/").status_code == 404


# --- audit ------------------------------------------------------------------


def test_created_and_edited_by_are_recorded(editor_client, editor, django_user_model):
    article = factories.ArticleFactory(created_by=django_user_model.objects.create_user("someone"))
    edit(editor_client, article, headline="Edited headline")
    article.refresh_from_db()
    assert article.created_by.username == "someone"
    assert article.updated_by == editor
    assert article.updated_at > article.created_at


# --- bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "not a slug!"}, "slug"),
        ({"slug": "taken"}, "slug"),
        ({"headline": ""}, "headline"),
    ],
)
def test_bad_story_fields_get_errors_and_keep_input(editor_client, changes, field):
    factories.ArticleFactory(slug="taken")
    article = factories.ArticleFactory(slug="mine")
    response = edit(editor_client, article, standfirst="Typed but not yet saved", **changes)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert "Typed but not yet saved" in response.content.decode()
    article.refresh_from_db()
    assert article.slug == "mine"


def test_byline_without_author_gets_an_error(editor_client):
    article = factories.ArticleFactory()
    response = edit(
        editor_client,
        article,
        standfirst="Keep me",
        **{"bylines-TOTAL_FORMS": "1", "bylines-0-author": "", "bylines-0-role": "by", "bylines-0-position": "1"},
    )
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "bylines"]
    assert "author" in formset.formset.forms[0].errors
    assert "Keep me" in response.content.decode()


def test_timeline_event_without_date_gets_an_error(editor_client):
    url = reverse("admin:articles_timeline_add")
    data = form_data(editor_client.get(url).content.decode(), "timeline_form")
    data.update(
        {
            "title": "Brexit timeline",
            "slug": "brexit-timeline",
            "events-TOTAL_FORMS": "1",
            "events-0-date": "",
            "events-0-precision": "day",
            "events-0-title": "Referendum",
            "_save": "Save",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "events"]
    assert "date" in formset.formset.forms[0].errors
    assert "Referendum" in response.content.decode()
    assert not Timeline.objects.exists()
