"""Presence on the story form: who else has it open, and who saved it meanwhile (issue 13, item 3)."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.editing.presence import EditingPresence
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def presence_url(article):
    return reverse("admin:articles_article_presence", args=[article.pk])


def token(article):
    return article.updated_at.isoformat()


def test_each_editor_sees_the_other(editor_client, jane_client, seed_story):
    first = editor_client.post(presence_url(seed_story), {"version_token": token(seed_story)})
    assert first.status_code == 200
    assert first.json() | {"seen": None} == {"editors": [], "message": "", "saved": None, "seen": None}

    janes = jane_client.post(presence_url(seed_story), {"version_token": token(seed_story)}).json()
    assert janes["editors"] == ["chief"]
    assert janes["message"] == "chief is also editing this story."

    mine = editor_client.post(presence_url(seed_story), {"version_token": token(seed_story)}).json()
    assert mine["message"] == "Jane Editor is also editing this story."
    assert mine["saved"] is None
    assert EditingPresence.objects.filter(article=seed_story).count() == 2


def test_several_editors_are_named_together(editor_client, seed_story):
    for username, first_name in (("amy", "Amy"), ("ben", "Ben")):
        user = factories.UserFactory(username=username, first_name=first_name, last_name="Desk")
        factories.EditingPresenceFactory(user=user, article=seed_story)
    answer = editor_client.post(presence_url(seed_story)).json()
    assert answer["message"] == "Amy Desk and Ben Desk are also editing this story."


def test_an_editor_not_seen_for_a_while_is_gone(editor_client, seed_story):
    gone = factories.UserFactory(username="gone")
    here = factories.UserFactory(username="here")
    factories.EditingPresenceFactory(
        user=gone, article=seed_story, last_seen=timezone.now() - datetime.timedelta(seconds=46)
    )
    factories.EditingPresenceFactory(user=here, article=seed_story)
    factories.EditingPresenceFactory(user=factories.UserFactory(username="elsewhere"))  # another story

    assert editor_client.post(presence_url(seed_story)).json()["editors"] == ["here"]


def test_leaving_the_page_removes_the_editor_at_once(editor_client, jane_client, seed_story):
    seen = editor_client.post(presence_url(seed_story)).json()["seen"]
    assert editor_client.post(presence_url(seed_story), {"leaving": seen}).status_code == 200
    assert jane_client.post(presence_url(seed_story)).json()["editors"] == []


def test_leaving_a_page_keeps_the_editor_if_they_reopened_the_story(editor_client, jane_client, seed_story):
    old_page = editor_client.post(presence_url(seed_story)).json()["seen"]
    editor_client.post(presence_url(seed_story))  # the reloaded page says "here" first
    editor_client.post(presence_url(seed_story), {"leaving": old_page})  # then the old page's goodbye arrives
    assert jane_client.post(presence_url(seed_story)).json()["editors"] == ["chief"]


def test_a_save_since_the_page_loaded_is_reported_with_who_and_when(editor_client, seed_story):
    jane = factories.UserFactory(username="jane", first_name="Jane", last_name="Editor")
    loaded = token(seed_story)
    saved_at = timezone.now()
    Article.objects.filter(pk=seed_story.pk).update(updated_at=saved_at, updated_by=jane)

    answer = editor_client.post(presence_url(seed_story), {"version_token": loaded}).json()

    assert answer["saved"]["by"] == "Jane Editor"
    assert answer["saved"]["at"] == saved_at.isoformat()
    clock = timezone.localtime(saved_at).strftime("%H:%M:%S")
    assert answer["saved"]["message"] == f"Jane Editor saved this story at {clock}; reload to see the changes."
    # A page loaded after that save has nothing to report.
    fresh = editor_client.post(presence_url(seed_story), {"version_token": saved_at.isoformat()}).json()
    assert fresh["saved"] is None


def test_own_save_in_another_window_is_named_as_such(editor_client, editor, seed_story):
    loaded = token(seed_story)
    Article.objects.filter(pk=seed_story.pk).update(updated_at=timezone.now(), updated_by=editor)
    answer = editor_client.post(presence_url(seed_story), {"version_token": loaded}).json()
    assert answer["saved"]["message"].startswith("You saved this story at ")


def test_presence_query_count(editor_client, jane_client, seed_story, django_assert_num_queries):
    jane_client.post(presence_url(seed_story))
    editor_client.post(presence_url(seed_story))
    # session, user, story with its last saver, the upsert, the others with their users
    with django_assert_num_queries(5):
        answer = editor_client.post(presence_url(seed_story), {"version_token": token(seed_story)}).json()
    assert answer["editors"] == ["Jane Editor"]


def test_reporter_query_count_adds_only_the_permission_lookups(
    reporter_client, django_assert_num_queries, newsroom_roles
):
    story = factories.ArticleFactory(draft=True)
    reporter_client.post(presence_url(story))
    # session, user, story, their permissions (user, groups), upsert, others
    with django_assert_num_queries(7):
        assert reporter_client.post(presence_url(story)).status_code == 200


def test_anonymous_goes_to_the_login_page(client, seed_story):
    response = client.post(presence_url(seed_story))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not EditingPresence.objects.exists()


def test_presence_needs_post_and_the_csrf_token(editor, seed_story):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert browser.get(presence_url(seed_story)).status_code == 405
    assert browser.post(presence_url(seed_story)).status_code == 403
    assert not EditingPresence.objects.exists()


def test_reporter_may_not_watch_a_published_story(reporter_client, reporter):
    published = factories.ArticleFactory()
    factories.EditingPresenceFactory(article=published)
    assert reporter_client.post(presence_url(published)).status_code == 403
    assert not EditingPresence.objects.filter(user=reporter).exists()


def test_staff_without_change_permission_is_refused(client, django_user_model, seed_story):
    clerk = django_user_model.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    client.force_login(clerk)
    assert client.post(presence_url(seed_story)).status_code == 403


@pytest.mark.parametrize("story_id", ["999999", "not-a-number"])
def test_forged_story_ids_are_404(editor_client, story_id):
    url = reverse("admin:articles_article_presence", args=[story_id])
    assert editor_client.post(url).status_code == 404
    assert not EditingPresence.objects.exists()


def test_the_change_form_asks_for_presence_and_the_add_form_does_not(editor_client, seed_story):
    html = editor_client.get(reverse("admin:articles_article_change", args=[seed_story.pk])).content.decode()
    assert f'data-presence-url="{presence_url(seed_story)}"' in html
    html = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "data-presence-url" not in html
    assert 'id="editing-session"' in html


def test_stale_rows_are_pruned_by_the_command(seed_story):
    factories.EditingPresenceFactory(article=seed_story, last_seen=timezone.now() - datetime.timedelta(minutes=5))
    fresh = factories.EditingPresenceFactory(article=seed_story)
    call_command("prune_editing_sessions", verbosity=0)
    assert list(EditingPresence.objects.values_list("pk", flat=True)) == [fresh.pk]
