"""Conditional responses, caching headers and the page cache (articles.delivery)."""

import datetime
import logging

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.cache import never_cache

from articles.delivery.pages import reader_page
from articles.models import Article, Correction, DeliveryKey, ProfileBlock, TimelineBlock
from articles.preview import shared_preview_url
from articles.signals import batched_changes
from tests import factories
from tests.test_queries import ARTICLE_PAGE_QUERIES, ARTICLE_PAGE_UNCACHED_QUERIES

pytestmark = pytest.mark.django_db

# The cache hit path: only the content state is read.
CACHED_PAGE_QUERIES = 1


@pytest.fixture
def pages(seed_story):
    return {"article": seed_story.get_absolute_url(), "home": reverse("articles:home")}


@pytest.fixture(params=["article", "home"])
def page_url(request, pages):
    return pages[request.param]


def _get(client, url, **headers):
    return client.get(url, headers=headers)


def test_reader_pages_carry_validators(client, page_url):
    response = client.get(page_url)
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]


def test_unchanged_page_is_a_304_for_its_etag(client, page_url):
    etag = client.get(page_url)["ETag"]
    response = _get(client, page_url, if_none_match=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "public" in response["Cache-Control"]


def test_unchanged_page_is_a_304_since_its_last_modified(client, page_url):
    last_modified = client.get(page_url)["Last-Modified"]
    assert _get(client, page_url, if_modified_since=last_modified).status_code == 304


def test_other_etag_or_older_date_gets_the_page(client, page_url):
    first = client.get(page_url)
    assert _get(client, page_url, if_none_match='"something-else"').status_code == 200
    long_ago = http_date((timezone.now() - datetime.timedelta(days=3650)).timestamp())
    assert _get(client, page_url, if_modified_since=long_ago).status_code == 200
    assert first["Last-Modified"] != long_ago


def test_story_page_from_the_cache_costs_one_query(client, seed_story, django_assert_num_queries):
    url = seed_story.get_absolute_url()
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        cold = client.get(url)
    with django_assert_num_queries(CACHED_PAGE_QUERIES):
        warm = client.get(url)
    assert warm.status_code == 200
    assert warm.content == cold.content
    assert warm["Content-Type"] == cold["Content-Type"]
    assert warm["ETag"] == cold["ETag"]
    assert warm["Cache-Control"] == cold["Cache-Control"]


def test_page_cache_can_be_turned_off(client, seed_story, settings, django_assert_num_queries):
    settings.ARTICLES_PAGE_CACHE = None
    url = seed_story.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(ARTICLE_PAGE_UNCACHED_QUERIES):
        assert client.get(url).status_code == 200


def test_cached_page_keeps_each_hosts_canonical_link(client, seed_story):
    url = seed_story.get_absolute_url()
    assert b"http://testserver/" in client.get(url).content
    other_host = client.get(url, headers={"host": "localhost"}).content
    assert b"http://localhost/" in other_host
    assert b"http://testserver/" not in other_host


def _rename_headline(story):
    story.headline = "US and Russia agree Syria ceasefire zone"
    story.save()
    return "US and Russia agree Syria ceasefire zone"


def _add_timeline_event(story):
    timeline = TimelineBlock.objects.get(parent=story).widget
    factories.TimelineEventFactory(timeline=timeline, date=datetime.date(2017, 7, 7), title="Hamburg ceasefire deal")
    return "Hamburg ceasefire deal"


def _add_profile_fact(story):
    profile = ProfileBlock.objects.get(parent=story).widget
    factories.ProfileFactFactory(profile=profile, label="Wife", value="Asma al-Assad, married 2000")
    return "Asma al-Assad, married 2000"


def _add_byline(story):
    factories.BylineFactory(article=story, author__name="Roland Oliphant", position=5)
    return "Roland Oliphant"


def _rename_author(story):
    author = story.bylines.get().author
    author.name = "Our Diplomatic Staff"
    author.save()
    return "Our Diplomatic Staff"


def _add_tag(story):
    story.tags.add("Ceasefires")
    return "Ceasefires"


def _add_correction(story):
    Correction.objects.create(article=story, text="An earlier version misdated the Hamburg summit.")
    return "An earlier version misdated the Hamburg summit."


def _edit_paragraph(story):
    block = story.articles_richtext_set.first()
    block.text = "<p>Paragraph rewritten by the foreign desk.</p>"
    block.save()
    return "Paragraph rewritten by the foreign desk."


@pytest.mark.parametrize(
    "change",
    [
        _rename_headline,
        _add_timeline_event,
        _add_profile_fact,
        _add_byline,
        _rename_author,
        _add_tag,
        _add_correction,
        _edit_paragraph,
    ],
)
def test_a_change_to_what_the_page_shows_replaces_the_cached_page(client, seed_story, change):
    url = seed_story.get_absolute_url()
    before = client.get(url)
    client.get(url)  # served from the page cache
    expected = change(Article.objects.get(pk=seed_story.pk))
    assert expected not in before.content.decode()

    after = client.get(url)
    assert after.status_code == 200
    assert expected in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert _get(client, url, if_none_match=before["ETag"]).status_code == 200


def test_home_page_shows_a_new_story_for_an_old_etag(client, seed_story):
    etag = client.get("/")["ETag"]
    factories.ArticleFactory(headline="Tillerson arrives in Hamburg")
    response = _get(client, "/", if_none_match=etag)
    assert response.status_code == 200
    assert "Tillerson arrives in Hamburg" in response.content.decode()


@pytest.mark.parametrize("how", ["save", "queryset update"])
def test_withdrawn_story_is_gone_at_once_though_cached(client, seed_story, how):
    url = seed_story.get_absolute_url()
    etag = client.get(url)["ETag"]
    assert client.get(url).status_code == 200  # now in the page cache
    if how == "save":
        seed_story.status = Article.Status.UNPUBLISHED
        seed_story.save()
    else:
        # No signal at all: the story's own row, read on every request, still decides.
        Article.objects.filter(pk=seed_story.pk).update(status=Article.Status.UNPUBLISHED)
    assert client.get(url).status_code == 404
    assert _get(client, url, if_none_match=etag).status_code == 404


def test_story_rescheduled_into_the_future_is_gone_at_once(client, seed_story):
    url = seed_story.get_absolute_url()
    client.get(url)
    Article.objects.filter(pk=seed_story.pk).update(published_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get(url).status_code == 404


def test_scheduled_story_coming_due_changes_pages_without_a_save(
    client, seed_story, monkeypatch, django_assert_num_queries
):
    # Whole seconds: a story "due" must compare the same in SQL and in HTTP dates.
    now = timezone.now().replace(microsecond=0)
    scheduled = factories.ArticleFactory(
        headline="Trump and Putin meet in Hamburg", published_at=now + datetime.timedelta(hours=1)
    )
    scheduled.tags.add("Syria")  # due, it joins the seed story's related stories
    story_url = seed_story.get_absolute_url()
    home = client.get("/")
    story = client.get(story_url)
    assert scheduled.headline not in home.content.decode()
    with django_assert_num_queries(CACHED_PAGE_QUERIES):
        assert _get(client, story_url, if_none_match=story["ETag"]).status_code == 304

    # Two hours later, with nobody saving anything.
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))

    later_home = _get(client, "/", if_none_match=home["ETag"])
    assert later_home.status_code == 200
    assert scheduled.headline in later_home.content.decode()
    assert later_home["Last-Modified"] == http_date(scheduled.published_at.timestamp())
    later_story = _get(client, story_url, if_none_match=story["ETag"])
    assert later_story.status_code == 200
    assert later_story["ETag"] != story["ETag"]
    assert scheduled.headline in later_story.content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    # The story page was rendered afresh (its related stories may include the new one)…
    with django_assert_num_queries(CACHED_PAGE_QUERIES):
        client.get(story_url)  # …and cached again under the new state.


def test_anonymous_readers_get_a_public_max_age(client, page_url, settings):
    response = client.get(page_url)
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60"}
    assert "Cookie" in response["Vary"]
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()

    settings.ARTICLES_READER_MAX_AGE = 300
    assert "max-age=300" in client.get(page_url)["Cache-Control"]


def test_signed_in_editor_gets_private_pages_never_the_page_cache(client, editor_client, seed_story, page_url, caplog):
    url = seed_story.get_absolute_url()
    client.get(url)  # an anonymous reader fills the page cache
    response = editor_client.get(page_url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "max-age" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    with caplog.at_level(logging.DEBUG, logger="articles.delivery.page_cache"):
        editor_client.get(url)
    assert not caplog.records  # the page cache was not even asked


def test_previews_are_never_public(client, editor_client):
    draft = factories.ArticleFactory(draft=True)
    for response in (
        editor_client.get(reverse("articles:preview", args=[draft.pk])),
        client.get(shared_preview_url(draft)),
    ):
        assert response.status_code == 200
        assert "public" not in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]


def test_unknown_story_and_old_slug_answer_as_before(client, seed_story):
    day = timezone.localdate(seed_story.published_at)
    missing = client.get(f"/{day:%Y/%m/%d}/no-such-story/")
    assert missing.status_code == 404
    assert not missing.has_header("ETag")
    old_url = seed_story.get_absolute_url()
    seed_story.slug = "us-would-work-with-russia-on-syria-no-fly-zones"
    seed_story.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == seed_story.get_absolute_url()


def test_story_at_the_wrong_date_redirects_rather_than_304s(client, seed_story):
    url = seed_story.get_absolute_url()
    etag = client.get(url)["ETag"]
    wrong_date = url.replace("/2017/07/05/", "/2017/07/06/")
    response = _get(client, wrong_date, if_none_match=etag)
    assert response.status_code == 301
    assert response["Location"] == url


def test_lost_key_rows_make_pages_render_again_never_stale(client, seed_story):
    url = seed_story.get_absolute_url()
    client.get(url)
    DeliveryKey.objects.all().delete()  # a flushed table: every stored entry is out of date
    seed_story.headline = "US and Russia agree Syria ceasefire zone"
    Article.objects.filter(pk=seed_story.pk).update(headline=seed_story.headline)
    response = client.get(url)
    assert response.status_code == 200
    assert "US and Russia agree Syria ceasefire zone" in response.content.decode()
    assert response.has_header("ETag")


def _request(cookies=None):
    request = RequestFactory().get("/somewhere/")
    request.COOKIES.update(cookies or {})
    return request


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(lambda request: HttpResponse(get_token(request)), id="csrf-token"),
        pytest.param(lambda request: _with_cookie(HttpResponse("hi")), id="set-cookie"),
        pytest.param(never_cache(lambda request: HttpResponse("hi")), id="never-cache"),
    ],
)
def test_responses_that_set_cookies_or_refuse_caching_are_never_public(view):
    response = reader_page(view)(_request())
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def _with_cookie(response):
    response.set_cookie("seen", "1")
    return response


def test_credentials_make_a_response_private():
    view = reader_page(lambda request: HttpResponse("hi"))
    assert "public" in view(_request())["Cache-Control"]
    assert "private" in view(_request({"sessionid": "abc"}))["Cache-Control"]
    request = _request()
    request.META["HTTP_AUTHORIZATION"] = "Basic Zm9vOmJhcg=="
    assert "private" in view(request)["Cache-Control"]


def test_a_batch_of_writes_is_announced_once_at_its_end():
    def versions():
        return set(DeliveryKey.objects.values_list("key", "version"))

    before = versions()
    with batched_changes():
        story = factories.ArticleFactory()
        author = factories.AuthorFactory()
        assert versions() == before
    renewed = {key for key, _ in versions() - before}
    assert {f"article-{story.pk}", f"author-{author.pk}", "list-home"} <= renewed


def test_bulk_withdrawal_in_the_admin_leaves_the_home_page_at_once(client, desk_editor, seed_story):
    """The admin's bulk actions write with a conditional UPDATE (no signals);
    the home page and its cached copy must still drop the story at once."""
    # Older than the seed story, so the newest publication time stays the same.
    other = factories.ArticleFactory(
        headline="Tillerson arrives in Hamburg", published_at=seed_story.published_at - datetime.timedelta(days=1)
    )
    etag = client.get("/")["ETag"]
    assert "Tillerson arrives in Hamburg" in client.get("/").content.decode()
    editor = Client()
    editor.force_login(desk_editor)
    editor.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [other.pk]},
    )
    response = _get(client, "/", if_none_match=etag)
    assert response.status_code == 200
    assert "Tillerson arrives in Hamburg" not in response.content.decode()
    assert "US says it would consider working with Russia" in response.content.decode()
