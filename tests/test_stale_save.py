import datetime
import threading
import time

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.locking import VersionTokenForm, save_if_unchanged
from articles.models import Article
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def opened(client, article):
    """The change form as the client's browser would submit it."""
    data = form_data(client.get(change_url(article)).content.decode(), "article_form")
    data["_save"] = "Save"
    return data


def test_the_second_of_two_saves_is_refused_and_keeps_its_input(editor_client, jane_client, seed_story):
    url = change_url(seed_story)
    janes = opened(jane_client, seed_story)
    mine = opened(editor_client, seed_story)

    janes["headline"] = "Jane's headline"
    assert jane_client.post(url, janes).status_code == 302
    seed_story.refresh_from_db()

    mine["headline"] = "My headline"
    mine["standfirst"] = "My carefully written standfirst."
    response = editor_client.post(url, mine)

    # Refused: the form comes back (no redirect) with a message naming Jane and the time.
    assert response.status_code == 200
    html = response.content.decode()
    saved_at = timezone.localtime(seed_story.updated_at).strftime("%H:%M")
    assert escape(f"Jane Editor saved this story at {saved_at}; your changes were not saved") in html
    assert "copy them, reload, and re-apply" in html
    # Everything the second editor typed is still on the form.
    again = form_data(html, "article_form")
    assert again["headline"] == "My headline"
    assert again["standfirst"].strip() == "My carefully written standfirst."  # textareas open with a newline
    paragraphs = [k for k in mine if k.endswith("-text") and "-__prefix__-" not in k]
    assert paragraphs and all(again[k].strip() == mine[k].strip() for k in paragraphs)

    # Jane's save is intact and nothing of the refused one reached the database.
    seed_story.refresh_from_db()
    assert seed_story.headline == "Jane's headline"
    assert seed_story.updated_by.username == "jane"
    assert seed_story.standfirst != "My carefully written standfirst."

    # Re-submitting the same stale form is refused again; after a reload it saves.
    assert editor_client.post(url, again | {"_save": "Save"}).status_code == 200
    fresh = opened(editor_client, seed_story)
    fresh["headline"] = "My headline"
    assert editor_client.post(url, fresh).status_code == 302
    seed_story.refresh_from_db()
    assert seed_story.headline == "My headline"


def test_message_gives_the_date_when_the_other_save_was_not_today(editor_client, seed_story):
    mine = opened(editor_client, seed_story)
    earlier = timezone.make_aware(datetime.datetime(2024, 3, 5, 14, 2))
    Article.objects.filter(pk=seed_story.pk).update(updated_at=earlier, updated_by=None)

    html = editor_client.post(change_url(seed_story), mine).content.decode()

    assert escape("Someone saved this story at 5 March 2024, 14:02;") in html


@pytest.mark.parametrize("token", ["", "not-a-date", "2001-01-01T00:00:00+00:00"])
def test_a_missing_or_wrong_token_is_refused(editor_client, seed_story, token):
    data = opened(editor_client, seed_story)
    data["version_token"] = token
    data["headline"] = "Should not be saved"
    response = editor_client.post(change_url(seed_story), data)
    assert response.status_code == 200
    seed_story.refresh_from_db()
    assert seed_story.headline != "Should not be saved"


def test_token_is_on_the_change_form_only(editor_client, seed_story):
    data = opened(editor_client, seed_story)
    assert data["version_token"] == seed_story.updated_at.isoformat()
    add = form_data(editor_client.get(reverse("admin:articles_article_add")).content.decode(), "article_form")
    assert "version_token" not in add


def test_view_only_users_still_see_the_story(client, seed_story):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    response = client.get(change_url(seed_story))
    assert response.status_code == 200
    assert 'name="version_token"' not in response.content.decode()


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="the database has no row locks")
def test_the_check_locks_the_row_inside_the_save_transaction(seed_story):
    form_class = type("Form", (VersionTokenForm,), {"Meta": type("Meta", (), {"model": Article, "fields": []})})
    form = form_class({"version_token": seed_story.updated_at.isoformat()}, instance=seed_story)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert form.is_valid()
    assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


def test_save_if_unchanged_applies_changes_to_an_unchanged_story():
    article = factories.ArticleFactory(draft=True)
    assert save_if_unchanged(article, status=Article.Status.REVIEW) is True
    assert article.status == Article.Status.REVIEW
    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.REVIEW
    assert stored.updated_at == article.updated_at


def test_save_if_unchanged_refuses_to_overwrite_a_newer_edit():
    article = factories.ArticleFactory(draft=True, headline="Old")
    seen = article.updated_at
    newer = Article.objects.get(pk=article.pk)
    newer.headline = "Newer edit"
    newer.save()

    assert save_if_unchanged(article, seen, status=Article.Status.PUBLISHED) is False
    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.DRAFT
    assert stored.headline == "Newer edit"
    assert stored.updated_at == newer.updated_at
    assert article.status == Article.Status.DRAFT  # the caller's copy is left as it was


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="the database has no row locks")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_cannot_both_pass():
    article = factories.ArticleFactory(draft=True, headline="Original")
    token = article.updated_at.isoformat()
    form_class = type(
        "Form", (VersionTokenForm,), {"Meta": type("Meta", (), {"model": Article, "fields": ["headline"]})}
    )
    first_checked, results = threading.Event(), {}

    def save(name, before_save=None):
        try:
            with transaction.atomic():
                form = form_class(
                    {"version_token": token, "headline": name}, instance=Article.objects.get(pk=article.pk)
                )
                valid = form.is_valid()
                if before_save:
                    before_save()
                if valid:
                    form.save()
                results[name] = valid
        finally:
            connection.close()

    def hold_the_lock():
        first_checked.set()
        time.sleep(0.5)  # the second save starts its check meanwhile and must wait

    first = threading.Thread(target=save, args=("First", hold_the_lock))
    first.start()
    first_checked.wait(5)
    second = threading.Thread(target=save, args=("Second",))
    second.start()
    first.join(10)
    second.join(10)

    assert results == {"First": True, "Second": False}
    assert Article.objects.get(pk=article.pk).headline == "First"
