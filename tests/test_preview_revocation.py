"""Shared preview links can be revoked: by an editor, by withdrawing or deleting the story."""

import pytest
from django.contrib.auth.models import Permission
from django.core import serializers, signing
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import workflow
from articles.models import Article, DeliveryKey
from articles.preview import make_preview_token, shared_preview_url
from tests import factories
from tests.conftest import SEED_SLUG
from tests.forms import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def revoke_url(article):
    return reverse("admin:articles_article_revoke_preview_links", args=[article.pk])


def fresh(article):
    return Article.objects.get(pk=article.pk)


def opens(url):
    """Does the link open the story for someone without an account?"""
    status = Client().get(url).status_code
    assert status in (200, 404)
    return status == 200


@pytest.fixture
def story():
    article = factories.ArticleFactory(draft=True, headline="Ceasefire talks: the draft")
    factories.RichTextFactory(parent=article, text="<p>Not yet for readers.</p>")
    return article


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# --- the change form's button ------------------------------------------------


def test_revoke_button_kills_every_link_made_so_far_and_a_new_one_works(editor_client, story):
    links = [shared_preview_url(story), shared_preview_url(fresh(story))]
    assert all(opens(link) for link in links)
    updated_at = story.updated_at
    versions = set(DeliveryKey.objects.values_list("key", "version"))

    html = editor_client.get(change_url(story)).content.decode()
    assert f'action="{revoke_url(story)}"' in html
    assert "Revoke preview links" in html

    response = editor_client.post(revoke_url(story), follow=True)
    assert response.redirect_chain[-1][0] == change_url(story)
    (message,) = messages_of(response)
    assert "no longer open this story" in message

    assert not any(opens(link) for link in links)
    assert opens(shared_preview_url(fresh(story)))
    # Not an edit of the story: nobody's open change form goes stale, and
    # readers' pages are not invalidated.
    assert fresh(story).updated_at == updated_at
    assert set(DeliveryKey.objects.values_list("key", "version")) == versions


def test_revoking_is_a_post_with_a_csrf_token(editor, story):
    link = shared_preview_url(story)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(revoke_url(story)).status_code == 405
    assert client.post(revoke_url(story)).status_code == 403  # no CSRF token
    assert opens(link)

    html = client.get(change_url(story)).content.decode()
    token = html.split('class="revoke-preview-links"><input type="hidden" name="csrfmiddlewaretoken" value="')[1]
    response = client.post(revoke_url(story), {"csrfmiddlewaretoken": token.split('"')[0]})
    assert response.status_code == 302
    assert not opens(link)


def test_revoking_needs_permission_to_change_the_story(reporter_client, story):
    link = shared_preview_url(story)
    viewer = factories.UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(viewer)
    assert "Revoke preview links" not in client.get(change_url(story)).content.decode()
    assert client.post(revoke_url(story)).status_code == 403
    assert opens(link)

    # A reporter may change a draft, not a story that has gone out.
    published = factories.ArticleFactory()
    published_link = shared_preview_url(published)
    assert "Revoke preview links" not in reporter_client.get(change_url(published)).content.decode()
    assert reporter_client.post(revoke_url(published)).status_code == 403
    assert opens(published_link)
    assert reporter_client.post(revoke_url(story)).status_code == 302
    assert not opens(link)


def test_revoking_an_unknown_story_is_a_404(editor_client):
    assert editor_client.post(reverse("admin:articles_article_revoke_preview_links", args=[999999])).status_code == 404


# --- the bulk action ----------------------------------------------------------


def test_bulk_action_revokes_the_links_of_the_selected_stories(editor_client):
    chosen = factories.ArticleFactory.create_batch(2)
    other = factories.ArticleFactory()
    links = {article.pk: shared_preview_url(article) for article in [*chosen, other]}
    keys = {article.pk: article.preview_key for article in [*chosen, other]}

    response = editor_client.post(
        CHANGELIST,
        {"action": "revoke_preview_links_selected", "_selected_action": [a.pk for a in chosen]},
        follow=True,
    )
    assert messages_of(response) == [
        "Preview links of 2 stories revoked: the links shared so far no longer open them."
    ]
    assert not opens(links[chosen[0].pk]) and not opens(links[chosen[1].pk])
    assert opens(links[other.pk])
    assert all(opens(shared_preview_url(fresh(article))) for article in chosen)
    new_keys = [fresh(article).preview_key for article in chosen]
    assert len(set(new_keys)) == 2 and not set(new_keys) & set(keys.values())
    assert fresh(other).preview_key == keys[other.pk]


def test_bulk_action_leaves_stories_the_user_may_not_change(reporter_client, story):
    published = factories.ArticleFactory()
    links = [shared_preview_url(story), shared_preview_url(published)]
    assert "revoke_preview_links_selected" in reporter_client.get(CHANGELIST).content.decode()
    response = reporter_client.post(
        CHANGELIST,
        {"action": "revoke_preview_links_selected", "_selected_action": [story.pk, published.pk]},
        follow=True,
    )
    assert messages_of(response) == [
        "Preview links of 1 story revoked: the links shared so far no longer open it.",
        "1 story was left unchanged: you may not change it.",
    ]
    assert not opens(links[0])
    assert opens(links[1])


def test_bulk_action_needs_change_permission(client, story):
    link = shared_preview_url(story)
    viewer = factories.UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)
    assert "revoke_preview_links_selected" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "revoke_preview_links_selected", "_selected_action": [story.pk]})
    assert opens(link)


# --- withdrawing and deleting -------------------------------------------------


def _withdraw_in_the_change_form(article, editor_client, tmp_path):
    data = form_data(editor_client.get(change_url(article)).content.decode(), "article_form")
    data.update(status="unpublished", _save="Save")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def _withdraw_in_bulk(article, editor_client, tmp_path):
    editor_client.post(CHANGELIST, {"action": "unpublish_selected", "_selected_action": [article.pk]})


def _withdraw_through_the_workflow(article, editor_client, tmp_path):
    article = fresh(article)
    workflow.unpublish(article, user=factories.UserFactory(is_superuser=True))
    article.save()


def _withdraw_with_save(article, editor_client, tmp_path):
    article = fresh(article)
    article.status = Article.Status.UNPUBLISHED
    article.save(update_fields=["status"])


def _withdraw_with_update(article, editor_client, tmp_path):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.UNPUBLISHED)


def _withdraw_with_a_fixture(article, editor_client, tmp_path):
    article = fresh(article)
    article.status = Article.Status.UNPUBLISHED
    # The file even carries the old key: a load must not keep it for a withdrawn story.
    fixture = tmp_path / "withdrawn.json"
    fixture.write_text(serializers.serialize("json", [article], use_natural_primary_keys=True))
    call_command("loaddata", fixture, verbosity=0)


@pytest.mark.parametrize(
    "withdraw",
    [
        _withdraw_in_the_change_form,
        _withdraw_in_bulk,
        _withdraw_through_the_workflow,
        _withdraw_with_save,
        _withdraw_with_update,
        _withdraw_with_a_fixture,
    ],
)
def test_withdrawing_a_story_kills_its_links_for_good(withdraw, editor_client, tmp_path):
    article = factories.ArticleFactory()
    factories.RichTextFactory(parent=article)
    link = shared_preview_url(article)
    assert opens(link)

    withdraw(article, editor_client, tmp_path)
    assert fresh(article).status == Article.Status.UNPUBLISHED
    assert not opens(link)
    assert not opens(shared_preview_url(fresh(article)))  # a link made while withdrawn

    # Published again, the story's old links stay dead: withdrawing replaced the key.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    assert not opens(link)
    assert opens(shared_preview_url(fresh(article)))


def test_a_withdrawn_story_opens_from_no_link_even_with_its_old_key(story):
    link = shared_preview_url(story)
    # A write that keeps the key (as raw SQL would): the view refuses anyway.
    Article.objects.filter(pk=story.pk).update(status=Article.Status.UNPUBLISHED, preview_key=story.preview_key)
    assert fresh(story).preview_key == story.preview_key
    assert not opens(link)


def test_share_preview_of_a_withdrawn_story_says_so_instead_of_giving_a_dead_link(editor_client):
    article = factories.ArticleFactory(status=Article.Status.UNPUBLISHED)
    response = editor_client.get(reverse("admin:articles_article_share_preview", args=[article.pk]), follow=True)
    assert response.redirect_chain[-1][0] == change_url(article)
    assert messages_of(response) == ["This story has been withdrawn; a shared preview link would not open it."]
    assert "/preview/shared/" not in response.content.decode()


def test_other_statuses_keep_their_links(editor_client, story):
    link = shared_preview_url(story)
    for status in ["review", "published", "draft"]:
        article = fresh(story)
        article.status = status
        article.save()
        assert opens(link), status


def test_deleting_a_story_in_the_admin_kills_its_links(editor_client, story):
    link = shared_preview_url(story)
    response = editor_client.post(reverse("admin:articles_article_delete", args=[story.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=story.pk).exists()
    assert not opens(link)


# --- nothing brings a revoked key back ----------------------------------------


def test_a_copy_loaded_before_a_revocation_does_not_bring_the_old_key_back(story):
    stale = fresh(story)
    link = shared_preview_url(stale)
    fresh(story).revoke_preview_links()
    stale.headline = "Ceasefire talks: the second draft"
    stale.save()
    assert fresh(story).headline == "Ceasefire talks: the second draft"
    assert not opens(link)


def test_an_open_change_form_still_saves_after_a_revocation(editor_client, story):
    data = form_data(editor_client.get(change_url(story)).content.decode(), "article_form")
    link = shared_preview_url(story)
    Client().post(revoke_url(story))  # not signed in: changes nothing
    assert opens(link)
    other_editor = Client()
    other_editor.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert other_editor.post(revoke_url(story)).status_code == 302

    data.update(headline="Ceasefire talks: edited", _save="Save")
    response = editor_client.post(change_url(story), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert fresh(story).headline == "Ceasefire talks: edited"
    assert not opens(link)
    assert opens(shared_preview_url(fresh(story)))


def test_restoring_a_revision_does_not_revive_revoked_links(editor_client, seed_story):
    url = change_url(seed_story)
    data = form_data(editor_client.get(url).content.decode(), "article_form")
    assert editor_client.post(url, {**data, "_save": "Save"}).status_code == 302
    version = Version.objects.get_for_object(seed_story).get()
    key = fresh(seed_story).preview_key
    # The key is not history: a revision never holds it.
    assert str(key) not in version.serialized_data and key.hex not in version.serialized_data

    revoked = shared_preview_url(fresh(seed_story))
    seed_story.revoke_preview_links()
    current = shared_preview_url(fresh(seed_story))

    revision_url = reverse("admin:articles_article_revision", args=[seed_story.pk, version.pk])
    data = form_data(editor_client.get(revision_url).content.decode(), "article_form")
    response = editor_client.post(revision_url, {**data, "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Version.objects.get_for_object(seed_story).count() == 2

    assert not opens(revoked)
    # Nor does a restore revoke anything by surprise: the key stays as it was.
    assert opens(current)


def test_reloading_the_fixture_keeps_the_links_of_its_story(seed_story):
    link = shared_preview_url(seed_story)
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    assert opens(link)
    assert fresh(seed_story).preview_key == seed_story.preview_key


def test_reloading_the_fixture_does_not_revive_a_revoked_link(seed_story):
    link = shared_preview_url(seed_story)
    seed_story.revoke_preview_links()
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    assert not opens(link)


# --- the key itself -----------------------------------------------------------


def test_every_story_gets_a_key_of_its_own():
    keys = {factories.ArticleFactory().preview_key for _ in range(3)}
    assert len(keys) == 3 and None not in keys


def test_tokens_stay_short_and_never_carry_the_key(story):
    token = make_preview_token(story)
    # As long as an unkeyed "id:timestamp:signature": the key is in the salt, not the token.
    assert len(token) == len(signing.TimestampSigner(salt="articles.preview").sign(str(story.pk)))
    assert str(story.preview_key) not in token and story.preview_key.hex not in token
    assert token.replace(":", "").replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize("token", ["9" * 40 + ":a:b", "²:a:b", ":a:b", "-1:a:b", "1"])
def test_a_token_with_a_bad_id_is_a_404(client, token):
    factories.ArticleFactory(draft=True)
    assert client.get(reverse("articles:shared_preview", args=[token])).status_code == 404


def test_the_key_never_reaches_readers(client, seed_story):
    key = fresh(seed_story).preview_key
    section, tag, author = seed_story.section, seed_story.tags.first(), seed_story.bylines.first().author
    urls = [
        seed_story.get_absolute_url(),
        "/",
        reverse("articles:section", args=[section.slug]),
        reverse("articles:tag", args=[tag.slug]),
        reverse("articles:author", args=[author.slug]),
        reverse("articles:search") + "?q=Syria",
        "/feeds/rss/",
        "/feeds/atom/",
        reverse("articles:section_feed_rss", args=[section.slug]),
        reverse("articles:tag_feed_atom", args=[tag.slug]),
        reverse("articles:author_feed_rss", args=[author.slug]),
        "/sitemap.xml",
        "/sitemap-news.xml",
        f"/sitemap-stories-{timezone.localtime(seed_story.published_at):%Y-%m}.xml",
        "/robots.txt",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode().lower()
        assert str(key) not in body and key.hex not in body, url
    assert "application/ld+json" in client.get(seed_story.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_existing_story_a_key_of_its_own():
    executor = MigrationExecutor(connection)
    loader = executor.loader
    # Found by what it does, not its number, so renumbering at merge time keeps this test.
    (adds_key,) = [key for key in loader.disk_migrations if key[0] == "articles" and key[1].endswith("_preview_key")]
    (before,) = [dep for dep in loader.get_migration(*adds_key).dependencies if dep[0] == "articles"]
    leaves = loader.graph.leaf_nodes()
    try:
        executor.migrate([before])
        old = MigrationExecutor(connection).loader.project_state([before]).apps
        section = old.get_model("articles", "Section").objects.create(name="World", slug="world")
        OldArticle = old.get_model("articles", "Article")
        for n in range(3):
            OldArticle.objects.create(headline=f"Story {n}", slug=f"story-{n}", section=section)

        executor = MigrationExecutor(connection)
        executor.migrate([adds_key])
        new = executor.loader.project_state([adds_key]).apps.get_model("articles", "Article")
        keys = list(new.objects.values_list("preview_key", flat=True))
        assert len(keys) == 3 and None not in keys and len(set(keys)) == 3
        assert not new._meta.get_field("preview_key").null
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert Article.objects.filter(slug__startswith="story-").count() == 3
    assert not Article.objects.filter(slug=SEED_SLUG).exists()
