import pytest
from django.urls import reverse
from reversion.models import Version

from articles.models import Byline, ProfileBlock, RichText, TaggedArticle, TimelineBlock
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def save_form(client, url, change=None):
    data = form_data(client.get(url).content.decode(), "article_form")
    if change:
        change(data)
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def story_state(article):
    """Everything a revision must bring back, in comparable form."""
    return {
        "headline": type(article).objects.get(pk=article.pk).headline,
        "bylines": list(Byline.objects.filter(article=article).values_list("author__name", "role", "position")),
        "paragraphs": [b.text for b in RichText.objects.filter(parent=article).order_by("ordering")],
        "widgets": sorted(
            [("timeline", b.widget_id, b.ordering) for b in TimelineBlock.objects.filter(parent=article)]
            + [("profile", b.widget_id, b.ordering) for b in ProfileBlock.objects.filter(parent=article)]
        ),
        "tags": sorted(article.tags.names()),
    }


def test_every_admin_save_records_a_revision_with_bylines_blocks_and_tags(editor_client, seed_story, editor):
    save_form(editor_client, change_url(seed_story))

    versions = Version.objects.get_for_object(seed_story)
    assert versions.count() == 1
    revision = versions[0].revision
    assert revision.user == editor
    assert revision.date_created is not None
    saved_models = {v.content_type.model for v in revision.version_set.all()}
    assert saved_models == {"article", "byline", "richtext", "timelineblock", "profileblock", "taggedarticle"}
    paragraphs = seed_story.articles_richtext_set.count()
    assert revision.version_set.filter(content_type__model="richtext").count() == paragraphs
    assert revision.version_set.filter(content_type__model="taggedarticle").count() == 11


def test_restoring_a_revision_brings_back_the_whole_story_as_a_new_revision(editor_client, client, seed_story):
    url = change_url(seed_story)
    save_form(editor_client, url)  # revision 1: the story as loaded
    before = story_state(seed_story)
    new_author = factories.AuthorFactory(name="Moscow Correspondent")

    def edit(data):
        data["headline"] = "A rewritten headline"
        key = next(k for k, v in data.items() if k.endswith("-text") and "Mr Tillerson also said" in v)
        data[key] = data[key].replace("had an obligation", "had a clear obligation")
        # A second byline, a changed role on the first.
        data["bylines-0-role"] = "edited"
        data.update({"bylines-TOTAL_FORMS": "2", "bylines-1-author": str(new_author.pk)})
        data.update({"bylines-1-role": "additional-reporting", "bylines-1-position": "2"})
        # Drop the profile placement; add a paragraph at the end.
        data["articles_profileblock_set-0-DELETE"] = "on"
        n = int(data["articles_richtext_set-TOTAL_FORMS"])
        data["articles_richtext_set-TOTAL_FORMS"] = str(n + 1)
        data.update(
            {
                f"articles_richtext_set-{n}-region": "body",
                f"articles_richtext_set-{n}-ordering": "9999",
                f"articles_richtext_set-{n}-text": "<p>A paragraph added later.</p>",
            }
        )
        data["tags"] = ["Syria", "Moscow"]

    save_form(editor_client, url, edit)  # revision 2
    edited = story_state(seed_story)
    assert edited["headline"] == "A rewritten headline"
    assert len(edited["bylines"]) == 2
    assert edited["paragraphs"][-1] == "<p>A paragraph added later.</p>"
    assert [w[0] for w in edited["widgets"]] == ["timeline"]
    assert edited["tags"] == ["Moscow", "Syria"]

    versions = Version.objects.get_for_object(seed_story)
    assert versions.count() == 2
    oldest = versions.order_by("pk").first()

    # The history lists both revisions, each linking to its revert form.
    history = editor_client.get(reverse("admin:articles_article_history", args=[seed_story.pk])).content.decode()
    for version in versions:
        assert reverse("admin:articles_article_revision", args=[seed_story.pk, version.pk]) in history

    # The revert form shows the old story in the block editor; saving it restores.
    revision_url = reverse("admin:articles_article_revision", args=[seed_story.pk, oldest.pk])
    response = editor_client.get(revision_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "content-editor-context" in html
    assert "Press the save button below to revert" in html
    data = form_data(html, "article_form")
    assert data["headline"] == before["headline"]
    # Looking at an old revision changes nothing.
    assert story_state(seed_story) == edited

    data["_save"] = "Save"
    response = editor_client.post(revision_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert story_state(seed_story) == before
    assert not TaggedArticle.objects.filter(tag__name="Moscow").exists()
    assert Version.objects.get_for_object(seed_story).count() == 3
    latest = Version.objects.get_for_object(seed_story).order_by("-pk").first().revision
    assert "Reverted to previous version" in latest.get_comment()
    assert latest.version_set.filter(content_type__model="profileblock").count() == 1

    # Readers see the restored story.
    page = client.get(seed_story.get_absolute_url()).content.decode()
    assert "Russia had an obligation to prevent" in page
    assert "A paragraph added later." not in page
    assert "Bashar al-Assad" in page


def test_changelist_and_recover_list_load(editor_client, seed_story):
    assert editor_client.get(reverse("admin:articles_article_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:articles_article_recoverlist")).status_code == 200
