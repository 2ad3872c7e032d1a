"""Roles and the story workflow, enforced on the server."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")
CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def new_story_data(client, **overrides):
    section = factories.SectionFactory(name="Politics", slug="politics")
    data = form_data(client.get(ADD).content.decode(), "article_form")
    data.update(
        {
            "headline": "Council approves budget",
            "slug": "council-approves-budget",
            "section": str(section.pk),
            "status": "draft",
            "_save": "Save",
        }
    )
    data.update(overrides)
    return data


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_roles_exist_with_the_publish_permission():
    editor = Group.objects.get(name="Editor")
    reporter = Group.objects.get(name="Reporter")
    assert editor.permissions.filter(codename="publish_article").exists()
    assert not reporter.permissions.filter(codename="publish_article").exists()
    assert reporter.permissions.filter(codename="add_article").exists()
    assert not reporter.permissions.filter(codename="delete_article").exists()


def test_reporter_creates_a_draft_and_submits_it_for_review(reporter_client, reporter):
    response = reporter_client.post(ADD, new_story_data(reporter_client))
    assert response.status_code == 302
    article = Article.objects.get(slug="council-approves-budget")
    assert article.status == "draft"
    assert article.created_by == reporter

    data = form_data(reporter_client.get(change_url(article)).content.decode(), "article_form")
    data.update({"status": "review", "_save": "Save"})
    assert reporter_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.status == "review"


def test_reporter_is_not_offered_publishing(reporter_client):
    html = reporter_client.get(ADD).content.decode()
    assert 'value="published"' not in html
    assert 'name="published_at_0"' not in html  # the time is read-only for reporters


@pytest.mark.parametrize("status", ["published", "unpublished"])
def test_hand_crafted_publish_by_a_reporter_is_refused(reporter_client, status):
    data = new_story_data(reporter_client, status=status)
    data["published_at_0"] = "2020-01-01"
    data["published_at_1"] = "10:00"
    response = reporter_client.post(ADD, data)
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Article.objects.exists()
    # what the reporter typed is still on the form
    assert "Council approves budget" in response.content.decode()


def test_reporter_cannot_schedule_by_posting_a_time(reporter_client):
    data = new_story_data(reporter_client)
    data["published_at_0"] = "2030-01-01"
    data["published_at_1"] = "10:00"
    assert reporter_client.post(ADD, data).status_code == 302
    assert Article.objects.get().published_at is None


def test_reporter_cannot_edit_a_published_story(reporter_client):
    article = factories.ArticleFactory(headline="Already out")
    response = reporter_client.get(change_url(article))
    assert response.status_code == 200
    assert 'name="headline"' not in response.content.decode()  # read-only view
    data = {"headline": "Changed by reporter", "status": "draft", "_save": "Save"}
    assert reporter_client.post(change_url(article), data).status_code == 403
    article.refresh_from_db()
    assert article.headline == "Already out"
    assert article.status == "published"


def test_reporter_cannot_run_publish_actions(reporter_client):
    article = factories.ArticleFactory(draft=True)
    html = reporter_client.get(CHANGELIST).content.decode()
    assert "publish_selected" not in html
    response = reporter_client.post(CHANGELIST, {"action": "publish_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == "draft"
    assert response.status_code in (200, 302)


def test_editor_publishes_and_unpublishes_in_bulk(desk_editor):
    client = client_for(desk_editor)
    drafts = factories.ArticleFactory.create_batch(2, status="review", published_at=None)
    response = client.post(CHANGELIST, {"action": "publish_selected", "_selected_action": [a.pk for a in drafts]})
    assert response.status_code == 302
    assert Article.objects.published().count() == 2
    assert all(a.updated_by == desk_editor for a in Article.objects.all())
    client.post(CHANGELIST, {"action": "unpublish_selected", "_selected_action": [drafts[0].pk]})
    assert Article.objects.published().count() == 1
    assert Article.objects.get(pk=drafts[0].pk).status == "unpublished"


def test_editor_schedules_a_story(desk_editor, client):
    editor_client = client_for(desk_editor)
    future = timezone.localtime() + datetime.timedelta(days=2)
    data = new_story_data(
        editor_client,
        status="published",
        published_at_0=future.strftime("%Y-%m-%d"),
        published_at_1=future.strftime("%H:%M:%S"),
    )
    assert editor_client.post(ADD, data).status_code == 302
    article = Article.objects.get()
    assert article.is_scheduled
    assert client.get(article.get_absolute_url()).status_code == 404
    changelist = editor_client.get(CHANGELIST).content.decode()
    assert "scheduled" in changelist
    scheduled_only = editor_client.get(CHANGELIST, {"state": "scheduled"})
    assert list(scheduled_only.context["cl"].result_list) == [article]
    # when the time comes, readers see it: no job involved
    assert article in Article.objects.published(at=future + datetime.timedelta(minutes=1))


def test_publishing_without_a_time_means_now(desk_editor):
    client = client_for(desk_editor)
    assert client.post(ADD, new_story_data(client, status="published")).status_code == 302
    article = Article.objects.get()
    assert article.is_visible
    assert timezone.now() - article.published_at < datetime.timedelta(minutes=1)


def test_view_on_site_only_for_published_stories(editor_client):
    published = factories.ArticleFactory()
    draft = factories.ArticleFactory(draft=True)
    assert published.get_absolute_url() in editor_client.get(change_url(published)).content.decode()
    assert f'href="{draft.get_absolute_url()}"' not in editor_client.get(change_url(draft)).content.decode()
