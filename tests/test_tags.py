"""Tags: deleting one never strips it from a story in print; unpublished tags have no page."""

import html

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import ProtectedError
from django.urls import reverse
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles.models import Article, TaggedArticle
from tests import factories

pytestmark = pytest.mark.django_db

# Stories an editor has let out: the tag is part of their record.
RELEASED = {
    "published": {},
    "scheduled": {"scheduled": True},
    "withdrawn": {"status": Article.Status.UNPUBLISHED},
}
# Stories never in print: their tag rows go with a deleted tag.
UNRELEASED = {
    "draft": {"draft": True},
    "review": {"status": Article.Status.REVIEW, "published_at": None},
}
# Stories readers cannot see now: a tag only these carry has no public page.
NOT_IN_PRINT = {**UNRELEASED, "scheduled": RELEASED["scheduled"], "withdrawn": RELEASED["withdrawn"]}


def tagged_story(tag, headline, **traits):
    article = factories.ArticleFactory(headline=headline, **traits)
    factories.TaggedArticleFactory(content_object=article, tag=tag)
    return article


def page_text(response):
    return html.unescape(response.content.decode())


# --- deleting a tag through the ORM ---------------------------------------


@pytest.mark.parametrize("traits", RELEASED.values(), ids=RELEASED)
def test_a_tag_on_a_released_story_cannot_be_deleted(traits):
    tag = factories.TagFactory(name="Ceasefire")
    article = tagged_story(tag, "Truce holds in the north", **traits)
    with pytest.raises(ProtectedError) as raised:
        tag.delete()
    assert "Truce holds in the north" in str(raised.value)
    assert [item.content_object for item in raised.value.protected_objects] == [article]
    assert list(article.tags.names()) == ["Ceasefire"]


def test_a_queryset_delete_is_refused_whole_when_any_tag_is_on_a_released_story():
    in_print = factories.TagFactory(name="Ceasefire")
    drafts_only = factories.TagFactory(name="Embargoed")
    published = tagged_story(in_print, "Truce holds in the north")
    draft = tagged_story(drafts_only, "Not yet", draft=True)
    with pytest.raises(ProtectedError):
        Tag.objects.filter(pk__in=[in_print.pk, drafts_only.pk]).delete()
    assert set(Tag.objects.values_list("name", flat=True)) == {"Ceasefire", "Embargoed"}
    assert list(published.tags.names()) == ["Ceasefire"]
    assert list(draft.tags.names()) == ["Embargoed"]


@pytest.mark.parametrize("traits", UNRELEASED.values(), ids=UNRELEASED)
def test_a_tag_only_unreleased_stories_carry_can_be_deleted(traits):
    tag = factories.TagFactory(name="Embargoed")
    article = tagged_story(tag, "Not yet", **traits)
    tag.delete()
    assert not Tag.objects.filter(name="Embargoed").exists()
    assert not TaggedArticle.objects.exists()
    assert Article.objects.filter(pk=article.pk).exists()


def test_an_unused_tag_can_be_deleted_with_a_queryset():
    factories.TagFactory(name="Unused")
    assert Tag.objects.filter(name="Unused").delete()[0] == 1


# --- deleting a tag in the admin --------------------------------------------


def test_the_demo_admin_is_taggits_own():
    # Its delete view and bulk action are the paths tested here.
    assert isinstance(admin.site.get_model_admin(Tag), TagAdmin)


def test_admin_refuses_to_delete_a_tag_on_the_seed_story(editor_client, seed_story):
    tag = Tag.objects.get(name="Syria")
    url = reverse("admin:taggit_tag_delete", args=[tag.pk])
    for response in (editor_client.get(url), editor_client.post(url, {"post": "yes"})):
        assert response.status_code == 200
        text = page_text(response)
        assert "Cannot delete tag" in text
        assert f"“{seed_story.headline}” (published), tagged “Syria”" in text
    assert "Syria" in seed_story.tags.names()


def test_admin_bulk_delete_lists_the_stories_and_deletes_nothing(editor_client):
    ceasefire = factories.TagFactory(name="Ceasefire")
    embargoed = factories.TagFactory(name="Embargoed")
    tagged_story(ceasefire, "Truce holds in the north")
    tagged_story(ceasefire, "Talks resume next week", scheduled=True)
    tagged_story(embargoed, "Not yet", draft=True)
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [ceasefire.pk, embargoed.pk]}
    changelist = reverse("admin:taggit_tag_changelist")
    for extra in ({}, {"post": "yes"}):
        response = editor_client.post(changelist, {**data, **extra})
        assert response.status_code == 200
        text = page_text(response)
        assert "Cannot delete tags" in text
        assert "“Truce holds in the north” (published), tagged “Ceasefire”" in text
        assert "“Talks resume next week” (scheduled), tagged “Ceasefire”" in text
        assert "Not yet" not in text
    assert Tag.objects.count() == 2
    assert TaggedArticle.objects.count() == 3


def test_admin_deletes_a_tag_only_drafts_carry(editor_client):
    tag = factories.TagFactory(name="Embargoed")
    draft = tagged_story(tag, "Not yet", draft=True)
    url = reverse("admin:taggit_tag_delete", args=[tag.pk])
    confirmation = page_text(editor_client.get(url))
    assert "Are you sure" in confirmation
    assert "“Not yet” (draft), tagged “Embargoed”" in confirmation
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert list(draft.tags.all()) == []


# --- public pages of a tag no published story carries -----------------------


def public_addresses(slug):
    return [f"/tag/{slug}/", f"/feeds/tag/{slug}/rss/", f"/feeds/tag/{slug}/atom/"]


@pytest.mark.parametrize("traits", NOT_IN_PRINT.values(), ids=NOT_IN_PRINT)
def test_a_tag_not_in_print_has_no_page_or_feed(client, traits):
    tag = factories.TagFactory(name="Embargoed merger", slug="embargoed-merger")
    tagged_story(tag, "Not for readers yet", **traits)
    for url in public_addresses("embargoed-merger"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Embargoed merger" not in page_text(response), url
        assert "Not for readers yet" not in page_text(response), url


def test_a_tag_without_stories_has_no_page_or_feed(client):
    factories.TagFactory(name="Unused", slug="unused")
    for url in public_addresses("unused"):
        assert client.get(url).status_code == 404, url


def test_a_tag_in_print_has_its_page_and_feeds(client):
    tag = factories.TagFactory(name="Ceasefire", slug="ceasefire")
    tagged_story(tag, "Truce holds in the north")
    tagged_story(tag, "Not for readers yet", draft=True)
    for url in public_addresses("ceasefire"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Ceasefire" in page_text(response), url
        assert "Truce holds in the north" in page_text(response), url
        assert "Not for readers yet" not in page_text(response), url


def test_merging_tags_in_the_admin_moves_the_stories_to_the_new_tag(editor_client, seed_story):
    """taggit's merge moves only its generic rows; the stories' own tags must move too."""
    other = factories.ArticleFactory()
    other.tags.add("US", "United States")
    seed_story.tags.add("US")
    us, united_states = Tag.objects.get(name="US"), Tag.objects.get(name="United States")
    changelist = reverse("admin:taggit_tag_changelist")
    response = editor_client.post(
        changelist, {"action": "render_tag_form", "_selected_action": [us.pk, united_states.pk]}
    )
    assert response.status_code == 302

    response = editor_client.post(reverse("admin:taggit_tag_merge_tags"), {"new_tag_name": "United States"})

    assert response.status_code == 302
    for story in (seed_story, other):
        names = set(Article.objects.get(pk=story.pk).tags.names())
        assert "United States" in names and "US" not in names
    assert not TaggedArticle.objects.filter(tag=us).exists()
    assert TaggedArticle.objects.filter(tag=united_states).count() == 2
