"""The live preview beside the story form: shows what was typed, writes nothing, only for who may change it."""

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from reversion.models import Revision, Version
from taggit.models import Tag

from articles.delivery import changes
from articles.models import Article, DeliveryKey
from articles.signals import content_changed
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def preview_url(article):
    return reverse("admin:articles_article_live_preview", args=[article.pk])


def typed_form(client, article):
    """The change form as the browser would post it, with a new headline, paragraph, byline and tag."""
    data = form_data(client.get(change_url(article)).content.decode(), "article_form")
    reporter = factories.AuthorFactory(name="Lyse Doucet")
    data.update(
        {
            "headline": "Ceasefire talks resume in Geneva",
            "tags": ["Geneva talks"],
            "bylines-TOTAL_FORMS": "1",
            "bylines-0-author": str(reporter.pk),
            "bylines-0-role": "by",
            "bylines-0-position": "1",
            "articles_richtext_set-TOTAL_FORMS": "1",
            "articles_richtext_set-0-region": "body",
            "articles_richtext_set-0-ordering": "10",
            "articles_richtext_set-0-text": "<p>Delegates arrived on Monday.</p><script>steal()</script>",
        }
    )
    return data


def table_snapshot():
    """Every row the app, tags, revisions and the admin log hold, and the delivery keys' versions."""
    counts = {model._meta.label: model._base_manager.count() for model in apps.get_app_config("articles").get_models()}
    for model in (Tag, Version, Revision, LogEntry):
        counts[model._meta.label] = model.objects.count()
    return counts, sorted(DeliveryKey.objects.values_list("key", "version"))


def story_row(article):
    return Article._base_manager.filter(pk=article.pk).values().get()


@pytest.fixture
def draft(db):
    article = factories.ArticleFactory(headline="Draft headline", status=Article.Status.DRAFT)
    factories.RichTextFactory(parent=article, text="<p>The first draft.</p>")
    factories.BylineFactory(article=article)
    return article


@pytest.fixture
def after_commit_calls(monkeypatch):
    """Whatever a committed change would set off: delivery (renders, search, keys, purges), receivers."""
    calls = []
    original = changes.apply
    monkeypatch.setattr(
        changes, "apply", lambda changed, using="default": calls.append(changed) or original(changed, using)
    )

    def receiver(sender, keys, **kwargs):
        calls.append(keys)

    content_changed.connect(receiver, weak=False, dispatch_uid="test_live_preview")
    yield calls
    content_changed.disconnect(dispatch_uid="test_live_preview")


def test_renders_what_was_typed_on_the_reader_template(editor_client, draft):
    response = editor_client.post(preview_url(draft), typed_form(editor_client, draft))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Ceasefire talks resume in Geneva" in html
    assert "Delegates arrived on Monday." in html
    assert "steal()" not in html  # sanitised, as a save would
    assert "Lyse Doucet" in html
    assert "The first draft." not in html
    assert 'class="story' in html  # the reader template, not the admin
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_writes_nothing_and_sets_nothing_off(editor_client, draft, after_commit_calls, mailoutbox):
    data = typed_form(editor_client, draft)
    after_commit_calls.clear()  # the byline's new author, made for the form
    before_tables, before_row = table_snapshot(), story_row(draft)

    response = editor_client.post(preview_url(draft), data)

    assert response.status_code == 200
    assert "Ceasefire talks resume in Geneva" in response.content.decode()
    assert table_snapshot() == before_tables
    assert story_row(draft) == before_row
    assert after_commit_calls == []
    assert mailoutbox == []
    # No message waits for the next page either ("changed successfully" would be a lie).
    assert "changed successfully" not in editor_client.get(change_url(draft)).content.decode()

    # The control: the same form saved for real writes and sets delivery off.
    data["_save"] = "Save"
    assert editor_client.post(change_url(draft), data).status_code == 302
    assert story_row(draft) != before_row
    assert table_snapshot() != before_tables
    assert after_commit_calls


def test_a_new_story_is_previewed_from_the_add_form_and_not_created(editor_client, after_commit_calls):
    section = factories.SectionFactory(name="World", slug="world")
    add = reverse("admin:articles_article_add")
    data = form_data(editor_client.get(add).content.decode(), "article_form")
    data.update({"headline": "Brand new story", "slug": "brand-new-story", "section": str(section.pk)})
    after_commit_calls.clear()
    before = table_snapshot()

    response = editor_client.post(reverse("admin:articles_article_live_preview_add"), data)

    assert response.status_code == 200
    assert "Brand new story" in response.content.decode()
    assert table_snapshot() == before
    assert not Article.objects.filter(slug="brand-new-story").exists()
    assert after_commit_calls == []


def test_invalid_form_shows_its_errors_not_a_500(editor_client, draft):
    data = typed_form(editor_client, draft)
    data["headline"] = ""
    data["bylines-0-author"] = "999999"
    before = table_snapshot()

    response = editor_client.post(preview_url(draft), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The preview waits for these to be fixed" in html
    assert "<strong>Headline:</strong> This field is required." in html
    assert "<strong>Byline 1: Author:</strong> Select a valid choice." in html
    assert table_snapshot() == before


def test_mangled_post_is_an_error_list_not_a_500(editor_client, draft):
    response = editor_client.post(preview_url(draft), {"headline": "Only this"})

    assert response.status_code == 200
    assert "The preview waits for these to be fixed" in response.content.decode()


def test_stale_form_is_still_previewed_and_still_refused_on_save(editor_client, jane_client, draft):
    data = typed_form(editor_client, draft)
    jane_data = form_data(jane_client.get(change_url(draft)).content.decode(), "article_form")
    jane_data.update({"headline": "Jane's headline", "_save": "Save"})
    assert jane_client.post(change_url(draft), jane_data).status_code == 302

    response = editor_client.post(preview_url(draft), data)
    assert response.status_code == 200
    assert "Ceasefire talks resume in Geneva" in response.content.decode()

    data["_save"] = "Save"
    refused = editor_client.post(change_url(draft), data)
    assert refused.status_code == 200
    assert "Jane Editor saved this story at" in refused.content.decode()


def test_the_reader_policy_framable_by_the_admin_only(editor_client, draft):
    response = editor_client.post(preview_url(draft), typed_form(editor_client, draft))

    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert "default-src 'none'" in policy  # the reader policy: no script at all
    assert "script-src" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # The admin may frame its own site; a reader page still may not be framed.
    admin_policy = editor_client.get(change_url(draft))["Content-Security-Policy"]
    assert "frame-src 'self'" in admin_policy
    staff_preview = editor_client.get(reverse("articles:preview", args=[draft.pk]))
    assert "frame-ancestors 'none'" in staff_preview["Content-Security-Policy"]
    assert staff_preview["X-Frame-Options"] == "DENY"


# --- who may ---------------------------------------------------------------------------


def test_reporter_previews_own_draft(reporter_client, draft):
    response = reporter_client.post(preview_url(draft), typed_form(reporter_client, draft))
    assert response.status_code == 200
    assert "Ceasefire talks resume in Geneva" in response.content.decode()


def test_reporter_forging_a_publish_gets_the_workflow_error_and_nothing_published(reporter_client, draft):
    data = typed_form(reporter_client, draft)
    data["status"] = Article.Status.PUBLISHED
    before = story_row(draft)

    response = reporter_client.post(preview_url(draft), data)

    assert response.status_code == 200
    assert "<strong>Status:</strong>" in response.content.decode()
    assert story_row(draft) == before


def test_reporter_may_not_preview_changes_to_a_published_story(reporter_client, draft):
    data = typed_form(reporter_client, draft)
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.PUBLISHED)
    before = table_snapshot()

    assert reporter_client.post(preview_url(draft), data).status_code == 403
    assert table_snapshot() == before


def test_forged_story_id_is_a_404(editor_client, draft):
    data = typed_form(editor_client, draft)
    assert editor_client.post(reverse("admin:articles_article_live_preview", args=[987654]), data).status_code == 404
    assert editor_client.post("/admin/articles/article/abc/live-preview/", data).status_code == 404


def test_anonymous_is_sent_to_sign_in_and_sees_nothing(client, editor_client, draft):
    data = typed_form(editor_client, draft)
    response = Client().post(preview_url(draft), data)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_signed_in_reader_without_permission_is_refused(client, draft, django_user_model):
    staff = django_user_model.objects.create_user("intern", "", "pw", is_staff=True)
    client.force_login(staff)
    assert client.post(preview_url(draft), {"headline": "x"}).status_code == 403
    assert client.post(reverse("admin:articles_article_live_preview_add"), {"headline": "x"}).status_code == 403
    non_staff = Client()
    non_staff.force_login(django_user_model.objects.create_user("reader", "", "pw"))
    assert non_staff.post(preview_url(draft), {"headline": "x"}).status_code == 302


def test_get_is_refused(editor_client, draft):
    assert editor_client.get(preview_url(draft)).status_code == 405


def test_forged_post_without_csrf_token_is_refused(editor, draft):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    data = form_data(browser.get(change_url(draft)).content.decode(), "article_form")
    data.pop("csrfmiddlewaretoken")
    assert browser.post(preview_url(draft), data).status_code == 403


def test_query_count(editor_client, draft, django_assert_num_queries):
    data = typed_form(editor_client, draft)
    # The admin's own form, formsets and save (which also drops the editor's
    # autosaved draft, rolled back with the rest), then the story page's queries.
    with django_assert_num_queries(62):
        editor_client.post(preview_url(draft), data)


@pytest.mark.django_db(transaction=True)
def test_writes_nothing_in_a_real_transaction(editor_client, draft, after_commit_calls):
    """Outside the test's own transaction: the preview's block is a whole transaction, rolled back."""
    data = typed_form(editor_client, draft)
    after_commit_calls.clear()
    before_tables, before_row = table_snapshot(), story_row(draft)

    response = editor_client.post(preview_url(draft), data)

    assert "Ceasefire talks resume in Geneva" in response.content.decode()
    assert table_snapshot() == before_tables
    assert story_row(draft) == before_row
    assert after_commit_calls == []


# --- the form's side ------------------------------------------------------------------


def test_change_and_add_forms_offer_the_panel_and_the_writing_aids(editor_client, draft):
    html = editor_client.get(change_url(draft)).content.decode()
    assert 'class="live-preview-toggle"' in html
    assert f'data-url="{preview_url(draft)}"' in html
    assert 'sandbox="allow-same-origin"' in html
    assert 'id="writing-aids-config"' in html
    assert '"seo_title": 60' in html and '"wordsPerMinute": 230' in html

    add = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert f'data-url="{reverse("admin:articles_article_live_preview_add")}"' in add


def test_limits_come_from_the_settings(editor_client, draft, settings):
    settings.ARTICLES_WRITING_LIMITS = {"headline": 80}
    settings.ARTICLES_READING_WORDS_PER_MINUTE = 200
    html = editor_client.get(change_url(draft)).content.decode()
    assert '{"limits": {"headline": 80}, "wordsPerMinute": 200}' in html


def test_no_panel_where_the_story_cannot_be_changed(reporter_client, draft):
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.PUBLISHED)
    html = reporter_client.get(change_url(draft)).content.decode()
    assert "live-preview-toggle" not in html
    assert 'id="live-preview"' not in html


@pytest.mark.parametrize(
    ("setting", "value"),
    [("WRITING_LIMITS", {"headline": "110"}), ("WRITING_LIMITS", [60]), ("READING_WORDS_PER_MINUTE", 0)],
)
def test_a_writing_aids_setting_of_the_wrong_kind(settings, setting, value):
    from django.core import checks

    setattr(settings, f"ARTICLES_{setting}", value)
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == "articles.E014"]
    assert [message.msg.split(" is ")[0] for message in messages] == [f"ARTICLES_{setting}"]


def test_a_save_the_database_refuses_is_an_error_not_a_500(editor_client, draft, monkeypatch):
    from django.contrib import admin
    from django.db import IntegrityError

    data = typed_form(editor_client, draft)
    before_tables, before_row = table_snapshot(), story_row(draft)

    def refused(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: articles_byline.article_id, articles_byline.position")

    monkeypatch.setattr(type(admin.site.get_model_admin(Article)), "save_related", refused)
    response = editor_client.post(preview_url(draft), data)

    assert response.status_code == 200
    assert "The database would refuse this save: UNIQUE constraint failed" in response.content.decode()
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert table_snapshot() == before_tables
    assert story_row(draft) == before_row


def test_previews_while_the_cache_is_down(editor_client, draft, settings, monkeypatch):
    """The preview never asks the cache (a save's delivery work is rolled back with it): an outage costs nothing."""
    from django.core.cache import caches

    from articles.delivery import resilient_cache

    data = typed_form(editor_client, draft)
    monkeypatch.setattr(resilient_cache, "_clock", lambda: 1000.0)
    settings.CACHES = {"default": {"BACKEND": "tests.cache_backends.FlakyCache", "LOCATION": "live-preview-outage"}}
    try:
        response = editor_client.post(preview_url(draft), data)
        assert response.status_code == 200
        assert "Ceasefire talks resume in Geneva" in response.content.decode()
        assert caches["default"].calls == 0
    finally:
        caches["default"].down = False
