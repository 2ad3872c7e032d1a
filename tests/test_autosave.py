"""Autosave of the story form, recovery of the draft, and the rules around both (issue 13, item 1)."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from reversion.models import Version

from articles.editing.autosave import AutosaveDraft
from articles.models import Article
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def autosave_url(article=None):
    if article is None:
        return reverse("admin:articles_article_autosave_new")
    return reverse("admin:articles_article_autosave", args=[article.pk])


def discard_url(article=None):
    if article is None:
        return reverse("admin:articles_article_discard_new")
    return reverse("admin:articles_article_discard_draft", args=[article.pk])


def opened(client, url):
    """The form as the client's browser would send it (autosave posts exactly this)."""
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), "article_form")


def test_autosave_keeps_a_draft_and_never_touches_the_story(editor_client, editor, seed_story):
    data = opened(editor_client, change_url(seed_story))
    data["headline"] = "A headline typed but not saved"
    before = Article.objects.values().get(pk=seed_story.pk)
    revisions = Version.objects.count()

    response = editor_client.post(autosave_url(seed_story), data)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["message"].startswith("Draft saved ")
    draft = AutosaveDraft.objects.get(user=editor, article=seed_story)
    assert ["headline", "A headline typed but not saved"] in draft.data
    assert draft.version_token == seed_story.updated_at.isoformat()
    assert "csrfmiddlewaretoken" not in dict(draft.data)
    # The story, its revisions and its publication state are exactly as they were.
    assert Article.objects.values().get(pk=seed_story.pk) == before
    assert Version.objects.count() == revisions


def test_a_second_autosave_replaces_the_first(editor_client, editor, seed_story):
    data = opened(editor_client, change_url(seed_story))
    for headline in ("First try", "Second try"):
        data["headline"] = headline
        assert editor_client.post(autosave_url(seed_story), data).status_code == 200
    draft = AutosaveDraft.objects.get()
    assert dict(draft.data)["headline"] == "Second try"


def test_autosave_query_count(editor_client, seed_story, django_assert_num_queries):
    data = opened(editor_client, change_url(seed_story))
    editor_client.post(autosave_url(seed_story), data)
    # session, user, story, prune expired drafts, update_or_create (savepoint, select for update, update, release)
    with django_assert_num_queries(8):
        assert editor_client.post(autosave_url(seed_story), data).status_code == 200


def test_anonymous_autosave_goes_to_the_login_page_and_stores_nothing(client, seed_story):
    response = client.post(autosave_url(seed_story), {"headline": "Forged"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not AutosaveDraft.objects.exists()


def test_autosave_needs_post_and_the_csrf_token(editor, seed_story):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert browser.get(autosave_url(seed_story)).status_code == 405
    assert browser.post(autosave_url(seed_story), {"headline": "Cross-site"}).status_code == 403
    assert not AutosaveDraft.objects.exists()


def test_reporter_may_autosave_a_draft_story_but_not_a_published_one(reporter_client, reporter):
    draft_story = factories.ArticleFactory(draft=True)
    published = factories.ArticleFactory()

    assert reporter_client.post(autosave_url(draft_story), {"headline": "Mine"}).status_code == 200
    assert reporter_client.post(autosave_url(published), {"headline": "Forged"}).status_code == 403

    assert list(AutosaveDraft.objects.values_list("article", flat=True)) == [draft_story.pk]


def test_staff_without_change_permission_is_refused(client, django_user_model, seed_story):
    clerk = django_user_model.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    client.force_login(clerk)
    assert client.post(autosave_url(seed_story), {"headline": "x"}).status_code == 403
    assert client.post(autosave_url(), {"headline": "x"}).status_code == 403
    assert not AutosaveDraft.objects.exists()


@pytest.mark.parametrize("story_id", ["999999", "not-a-number"])
def test_forged_story_ids_are_404(editor_client, story_id):
    url = reverse("admin:articles_article_autosave", args=[story_id])
    assert editor_client.post(url, {"headline": "x"}).status_code == 404
    assert not AutosaveDraft.objects.exists()


def test_a_draft_too_large_is_refused(editor_client, seed_story, settings):
    settings.ARTICLES_AUTOSAVE_MAX_BYTES = 2000
    response = editor_client.post(autosave_url(seed_story), {"headline": "x" * 3000})
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    assert not AutosaveDraft.objects.exists()


def test_the_change_form_offers_the_draft_with_what_differs(editor_client, seed_story):
    data = opened(editor_client, change_url(seed_story))
    data["headline"] = "A better headline"
    paragraph = next(k for k in data if k.endswith("-text") and "__prefix__" not in k)
    data[paragraph] = "<p>A rewritten first paragraph.</p>"
    editor_client.post(autosave_url(seed_story), data)

    html = editor_client.get(change_url(seed_story)).content.decode()

    assert "Recover your unsaved changes from" in html
    assert "<li>Headline</li>" in html
    assert escape("Text “A rewritten first paragraph.”: changed") in html
    assert "Standfirst" not in html.split("editing-session-changes", 1)[1].split("</ul>", 1)[0]
    assert f'href="{change_url(seed_story)}?recover-draft=1"' in html
    assert f'action="{discard_url(seed_story)}"' in html
    # While the offer stands, the page does not autosave over the draft.
    assert 'data-paused="1"' in html


def test_recovering_fills_the_form_with_the_draft_without_saving(editor_client, seed_story):
    data = opened(editor_client, change_url(seed_story))
    data["headline"] = "A better headline"
    paragraph = next(k for k in data if k.endswith("-text") and "__prefix__" not in k)
    data[paragraph] = "<p>A rewritten first paragraph.</p>"
    editor_client.post(autosave_url(seed_story), data)
    before = Article.objects.values().get(pk=seed_story.pk)

    response = editor_client.get(change_url(seed_story) + "?recover-draft=1")

    assert response.status_code == 200
    html = response.content.decode()
    assert "are on the form below" in html
    assert "Nothing is saved until you press Save." in html
    recovered = form_data(html, "article_form")
    assert recovered["headline"] == "A better headline"
    assert recovered[paragraph].strip() == "<p>A rewritten first paragraph.</p>"
    assert recovered["version_token"] == seed_story.updated_at.isoformat()
    assert "errornote" not in html
    assert "&rsaquo; A better headline" not in html  # the breadcrumbs name the story as saved
    assert Article.objects.values().get(pk=seed_story.pk) == before

    # The editor saves the recovered form the ordinary way; the save deletes the draft.
    recovered["_save"] = "Save"
    assert editor_client.post(change_url(seed_story), recovered).status_code == 302
    seed_story.refresh_from_db()
    assert seed_story.headline == "A better headline"
    assert "<p>A rewritten first paragraph.</p>" in {block.text for block in seed_story.articles_richtext_set.all()}
    assert not AutosaveDraft.objects.exists()
    assert "Recover your unsaved changes" not in editor_client.get(change_url(seed_story)).content.decode()


def test_a_recovered_draft_cannot_hide_another_editors_save(editor_client, jane_client, seed_story):
    mine = opened(editor_client, change_url(seed_story))
    mine["headline"] = "My headline"
    editor_client.post(autosave_url(seed_story), mine)
    janes = opened(jane_client, change_url(seed_story))
    janes["headline"] = "Jane's headline"
    janes["_save"] = "Save"
    assert jane_client.post(change_url(seed_story), janes).status_code == 302
    seed_story.refresh_from_db()
    # The draft is older than Jane's save: it is still offered, with the conflict named.
    html = editor_client.get(change_url(seed_story)).content.decode()
    assert "Recover your unsaved changes" in html
    assert "Jane Editor saved this story at" in html
    assert "it will be refused" in html

    recovered = form_data(
        editor_client.get(change_url(seed_story) + "?recover-draft=1").content.decode(), "article_form"
    )
    recovered["_save"] = "Save"
    response = editor_client.post(change_url(seed_story), recovered)

    assert response.status_code == 200  # refused, the form comes back
    assert "your changes were not saved" in response.content.decode()
    seed_story.refresh_from_db()
    assert seed_story.headline == "Jane's headline"
    assert AutosaveDraft.objects.filter(article=seed_story).exists()  # still there to copy from


def test_discard_deletes_only_the_users_own_draft(editor_client, editor, seed_story):
    jane = factories.UserFactory(username="jane-d", is_staff=True, is_superuser=True)
    factories.AutosaveDraftFactory(user=jane, article=seed_story)
    factories.AutosaveDraftFactory(user=editor, article=seed_story)

    assert editor_client.get(discard_url(seed_story)).status_code == 405
    response = editor_client.post(discard_url(seed_story))

    assert response.status_code == 302
    assert response["Location"] == change_url(seed_story)
    assert list(AutosaveDraft.objects.values_list("user", flat=True)) == [jane.pk]


def test_another_users_draft_is_never_offered_or_recovered(editor_client, seed_story):
    jane = factories.UserFactory(username="jane-d", is_staff=True, is_superuser=True)
    factories.AutosaveDraftFactory(user=jane, article=seed_story, data=[["headline", "Jane's secret draft"]])

    assert "Recover your unsaved changes" not in editor_client.get(change_url(seed_story)).content.decode()
    html = editor_client.get(change_url(seed_story) + "?recover-draft=1", follow=True).content.decode()
    assert "Jane&#x27;s secret draft" not in html and "Jane's secret draft" not in html
    assert "There are no unsaved changes to recover." in html


def test_reporter_cannot_recover_or_discard_on_a_published_story(reporter_client, reporter):
    published = factories.ArticleFactory()
    factories.AutosaveDraftFactory(user=reporter, article=published)
    assert reporter_client.get(change_url(published) + "?recover-draft=1").status_code == 403
    assert reporter_client.post(discard_url(published)).status_code == 403
    assert AutosaveDraft.objects.count() == 1


def test_a_draft_saying_nothing_new_is_not_offered(editor_client, editor, seed_story):
    data = opened(editor_client, change_url(seed_story))
    editor_client.post(autosave_url(seed_story), data)
    assert AutosaveDraft.objects.exists()

    html = editor_client.get(change_url(seed_story)).content.decode()

    assert "Recover your unsaved changes" not in html
    assert not AutosaveDraft.objects.exists()


def test_a_new_story_is_autosaved_and_recovered_on_the_add_form(editor_client, editor):
    section = factories.SectionFactory(name="World", slug="world")
    add_url = reverse("admin:articles_article_add")
    data = opened(editor_client, add_url)
    data.update(headline="A story still being written", slug="a-story-still-being-written", section=str(section.pk))
    data["status"] = "draft"

    assert editor_client.post(autosave_url(), data).status_code == 200
    draft = AutosaveDraft.objects.get()
    assert draft.article is None and draft.version_token == ""
    assert not Article.objects.exists()

    html = editor_client.get(add_url).content.decode()
    assert "Recover your unsaved changes from" in html
    assert f'action="{discard_url()}"' in html
    recovered = form_data(editor_client.get(add_url + "?recover-draft=1").content.decode(), "article_form")
    assert recovered["headline"] == "A story still being written"

    recovered["_save"] = "Save"
    assert editor_client.post(add_url, recovered).status_code == 302
    assert Article.objects.get().headline == "A story still being written"
    assert not AutosaveDraft.objects.exists()


def test_a_save_deletes_the_savers_draft_only(editor_client, editor, seed_story):
    jane = factories.UserFactory(username="jane-d", is_staff=True, is_superuser=True)
    factories.AutosaveDraftFactory(user=jane, article=seed_story)
    data = opened(editor_client, change_url(seed_story))
    editor_client.post(autosave_url(seed_story), data | {"headline": "Typed"})
    data["_save"] = "Save"
    assert editor_client.post(change_url(seed_story), data).status_code == 302
    assert list(AutosaveDraft.objects.values_list("user", flat=True)) == [jane.pk]


def test_a_refused_save_keeps_the_draft(editor_client, editor, seed_story):
    data = opened(editor_client, change_url(seed_story))
    editor_client.post(autosave_url(seed_story), data | {"headline": "Typed"})
    Article.objects.filter(pk=seed_story.pk).update(updated_at=timezone.now())  # someone saved meanwhile
    data["_save"] = "Save"
    assert editor_client.post(change_url(seed_story), data).status_code == 200
    assert AutosaveDraft.objects.filter(user=editor).exists()


def test_old_drafts_expire(editor_client, editor, seed_story, settings):
    old = timezone.now() - datetime.timedelta(days=31)
    factories.AutosaveDraftFactory(user=editor, article=seed_story, saved_at=old)
    other = factories.AutosaveDraftFactory(saved_at=old)

    assert "Recover your unsaved changes" not in editor_client.get(change_url(seed_story)).content.decode()

    # Any autosave prunes every expired draft.
    fresh = factories.ArticleFactory(draft=True)
    editor_client.post(autosave_url(fresh), {"headline": "New"})
    assert list(AutosaveDraft.objects.values_list("article", flat=True)) == [fresh.pk]
    assert not AutosaveDraft.objects.filter(pk=other.pk).exists()

    # And so does the management command.
    settings.ARTICLES_AUTOSAVE_MAX_AGE = datetime.timedelta(seconds=0)
    call_command("prune_editing_sessions", verbosity=0)
    assert not AutosaveDraft.objects.exists()


def test_the_editing_session_is_on_the_change_form_but_not_on_the_revert_form(editor_client, seed_story):
    html = editor_client.get(change_url(seed_story)).content.decode()
    assert 'id="editing-session"' in html
    assert f'data-autosave-url="{autosave_url(seed_story)}"' in html
    assert "editing-session.js" in html
    data = opened(editor_client, change_url(seed_story))
    data["_save"] = "Save"
    assert editor_client.post(change_url(seed_story), data).status_code == 302  # records a revision
    version = Version.objects.get_for_object(seed_story).first()
    url = reverse("admin:articles_article_revision", args=[seed_story.pk, version.pk])
    response = editor_client.get(url)
    assert response.status_code == 200
    assert 'id="editing-session"' not in response.content.decode()


def test_a_block_added_in_the_draft_is_listed_and_comes_back(editor_client, seed_story):
    data = opened(editor_client, change_url(seed_story))
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS") and "pullquote" in k).removesuffix("-TOTAL_FORMS")
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data |= {
        f"{prefix}-{index}-quote": "We are prepared to work with Russia.",
        f"{prefix}-{index}-attribution": "Rex Tillerson",
        f"{prefix}-{index}-region": "main",
        f"{prefix}-{index}-ordering": "25",
    }
    editor_client.post(autosave_url(seed_story), data)

    html = editor_client.get(change_url(seed_story)).content.decode()
    assert escape("Pull quote “We are prepared to work with Russia.”: added") in html

    recovered = form_data(
        editor_client.get(change_url(seed_story) + "?recover-draft=1").content.decode(), "article_form"
    )
    assert recovered[f"{prefix}-{index}-quote"].strip() == "We are prepared to work with Russia."
    assert not seed_story.articles_pullquote_set.exists()


def test_a_reporter_only_viewing_a_published_story_gets_no_autosave(reporter_client, reporter):
    published = factories.ArticleFactory()
    response = reporter_client.get(change_url(published))
    assert response.status_code == 200
    assert 'id="editing-session"' not in response.content.decode()


def test_a_widget_placed_in_the_draft_is_named(editor_client, seed_story):
    timeline = factories.TimelineFactory(title="Iraq war timeline")
    data = opened(editor_client, change_url(seed_story))
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS") and "timelineblock" in k).removesuffix("-TOTAL_FORMS")
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data |= {f"{prefix}-{index}-widget": str(timeline.pk), f"{prefix}-{index}-region": "main"}
    data[f"{prefix}-{index}-ordering"] = "95"
    editor_client.post(autosave_url(seed_story), data)

    html = editor_client.get(change_url(seed_story)).content.decode()

    assert escape("“Iraq war timeline”: added") in html


def test_a_site_can_turn_the_editing_session_off(editor_client, seed_story, settings):
    # ARTICLES_EDITING_SESSION = False: no autosave or presence script, so no periodic requests.
    settings.ARTICLES_EDITING_SESSION = False
    html = editor_client.get(change_url(seed_story)).content.decode()
    assert 'id="editing-session"' not in html
    assert "editing-session.js" not in html
