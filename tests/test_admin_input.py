"""Bad admin input is a form error, a message or a 404, never a 500, and the editor's typing stays."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from articles.admin_input import SafeAutocompleteWidgetMixin
from articles.models import Article, Author, Byline, TimelineBlock
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db

NOT_A_NUMBER = "abc"
TOO_BIG = "99999999999999999999"  # beyond 64 bits: SQLite refuses it in a query
WITH_NUL = "1\x00"
BAD_KEYS = [NOT_A_NUMBER, TOO_BIG, WITH_NUL]

TYPED_HEADLINE = "Typed headline, not saved yet"
TYPED_PARAGRAPH = "A paragraph the editor typed and must not lose."


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def post_story_form(client, article, **changes):
    """The story's real change form, with a new headline and first paragraph typed, plus ``changes``."""
    url = change_url(article)
    data = form_data(client.get(url).content.decode(), "article_form")
    data["headline"] = TYPED_HEADLINE
    data["articles_richtext_set-0-text"] = f"<p>{TYPED_PARAGRAPH}</p>"
    data.update(changes)
    data["_save"] = "Save"
    return client.post(url, data)


def assert_typing_kept(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert TYPED_HEADLINE in html
    assert TYPED_PARAGRAPH in html


def formset_errors(response, prefix):
    [inline] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix]
    return [form.errors for form in inline.formset.forms], inline.formset.non_form_errors()


# --- autocomplete fields: section, byline author, widget placements, user ------


@pytest.mark.parametrize("value", BAD_KEYS)
def test_bad_section_is_a_form_error(editor_client, seed_story, value):
    response = post_story_form(editor_client, seed_story, section=value)
    assert_typing_kept(response)
    assert "section" in response.context["adminform"].form.errors
    seed_story.refresh_from_db()
    assert seed_story.headline != TYPED_HEADLINE


@pytest.mark.parametrize("value", BAD_KEYS)
def test_bad_byline_author_is_a_form_error(editor_client, seed_story, value):
    response = post_story_form(editor_client, seed_story, **{"bylines-0-author": value})
    assert_typing_kept(response)
    errors, _ = formset_errors(response, "bylines")
    assert "author" in errors[0]
    assert Byline.objects.get(article=seed_story).author.name == "Our Foreign Staff"


@pytest.mark.parametrize("block", ["timelineblock", "profileblock"])
@pytest.mark.parametrize("value", BAD_KEYS)
def test_bad_widget_choice_is_a_form_error(editor_client, seed_story, block, value):
    prefix = f"articles_{block}_set"
    response = post_story_form(editor_client, seed_story, **{f"{prefix}-0-widget": value})
    assert_typing_kept(response)
    errors, _ = formset_errors(response, prefix)
    assert "widget" in errors[0]
    assert TimelineBlock.objects.get(parent=seed_story).widget.slug == "syria-war-timeline"


def test_bad_widget_choice_in_a_new_placement_is_a_form_error(editor_client, seed_story):
    prefix = "articles_timelineblock_set"
    response = post_story_form(
        editor_client,
        seed_story,
        **{
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-1-widget": NOT_A_NUMBER,
            f"{prefix}-1-region": "body",
            f"{prefix}-1-ordering": "9999",
        },
    )
    assert_typing_kept(response)
    errors, _ = formset_errors(response, prefix)
    assert "widget" in errors[1]
    assert TimelineBlock.objects.filter(parent=seed_story).count() == 1


@pytest.mark.parametrize("value", BAD_KEYS)
def test_bad_user_on_an_author_is_a_form_error(editor_client, value):
    url = reverse("admin:articles_author_add")
    data = form_data(editor_client.get(url).content.decode(), "author_form")
    data.update({"name": "Roland Oliphant", "slug": "roland-oliphant", "bio": "Typed bio", "user": value})
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert "Typed bio" in response.content.decode()
    assert not Author.objects.exists()


def admins_of_the_app(request):
    """Every admin and inline editors use for the app's models and tags."""
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in {"articles", "taggit"}:
            yield model_admin
            yield from model_admin.get_inline_instances(request)


def test_every_autocomplete_field_of_the_app_survives_bad_input(editor):
    request = RequestFactory().get("/")
    request.user = editor
    checked = set()
    for model_admin in admins_of_the_app(request):
        form = model_admin.get_formset(request).form if hasattr(model_admin, "fk_name") else None
        form = form or model_admin.get_form(request)
        for name in model_admin.get_autocomplete_fields(request):
            assert isinstance(form.base_fields[name].widget.widget, SafeAutocompleteWidgetMixin), (model_admin, name)
            checked.add(f"{model_admin.model._meta.model_name}.{name}")
    expected = {"article.section", "byline.author", "timelineblock.widget", "profileblock.widget", "author.user"}
    assert expected <= checked


# --- other malformed input in the story form -----------------------------------


@pytest.mark.parametrize(
    ("changes", "prefix", "field"),
    [
        ({"articles_richtext_set-1-ordering": "abc"}, "articles_richtext_set", "ordering"),
        ({"articles_richtext_set-1-ordering": TOO_BIG}, "articles_richtext_set", "ordering"),
        ({"bylines-0-position": "first"}, "bylines", "position"),
        ({"bylines-0-role": "ghostwriter"}, "bylines", "role"),
        ({"bylines-0-id": NOT_A_NUMBER}, "bylines", "id"),
        (
            {
                "corrections-TOTAL_FORMS": "1",
                "corrections-0-kind": "correction",
                "corrections-0-text": "A correction typed.",
                "corrections-0-published_at_0": "2017-02-30",
                "corrections-0-published_at_1": "25:61",
            },
            "corrections",
            "published_at",
        ),
    ],
)
def test_malformed_block_and_inline_values_are_form_errors(editor_client, seed_story, changes, prefix, field):
    response = post_story_form(editor_client, seed_story, **changes)
    assert_typing_kept(response)
    errors, _ = formset_errors(response, prefix)
    assert any(field in form_errors for form_errors in errors)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"published_at_0": "2017-13-45", "published_at_1": "09:00:00"}, "published_at"),
        ({"published_at_0": "2017-07-05", "published_at_1": "half past nine"}, "published_at"),
        ({"status": "spiked"}, "status"),
        ({"tags": ["!!!"]}, "tags"),
        ({"tags": ["x" * 101]}, "tags"),
        ({"tags": ["Syria", "Rex\x00Tillerson"]}, "tags"),
    ],
)
def test_malformed_story_fields_are_form_errors(editor_client, seed_story, changes, field):
    response = post_story_form(editor_client, seed_story, **changes)
    assert_typing_kept(response)
    assert field in response.context["adminform"].form.errors
    assert Tag.objects.count() == 11


def test_bad_tag_names_get_a_clear_message_and_the_typed_tags_stay(editor_client, seed_story):
    response = post_story_form(editor_client, seed_story, tags=["Syria", "!!!", "Elections " + "x" * 100])
    assert_typing_kept(response)
    errors = response.context["adminform"].form.errors["tags"]
    assert "“!!!” cannot be a tag: it needs a letter or a digit." in errors
    assert any(error.startswith("“Elections xxx") and "too long for a tag" in error for error in errors)
    assert 'value="Syria" selected' in response.content.decode()


def test_an_existing_tag_with_a_long_name_does_not_block_saving(editor_client):
    # Made through the ORM before the form's limit: the story can still be saved.
    tag = factories.TagFactory(name="Imported " + "x" * 91)  # 100 characters: more than editors may type
    article = factories.ArticleFactory()
    factories.TaggedArticleFactory(content_object=article, tag=tag)
    factories.RichTextFactory(parent=article)
    response = post_story_form(editor_client, article)
    assert response.status_code == 302
    assert list(article.tags.names()) == [tag.name]


@pytest.mark.parametrize(
    "management",
    [
        {"bylines-TOTAL_FORMS": "abc"},
        {"bylines-TOTAL_FORMS": "100000000"},
        {"bylines-INITIAL_FORMS": "abc"},
        {"bylines-INITIAL_FORMS": "3", "bylines-TOTAL_FORMS": "3"},
        {"articles_richtext_set-TOTAL_FORMS": "5000"},
        {"articles_richtext_set-INITIAL_FORMS": "99", "articles_richtext_set-TOTAL_FORMS": "99"},
    ],
)
def test_bogus_inline_management_counts_are_form_errors(editor_client, seed_story, management):
    response = post_story_form(editor_client, seed_story, **management)
    assert_typing_kept(response)
    prefix = next(iter(management)).split("-")[0]
    errors, non_form_errors = formset_errors(response, prefix)
    assert non_form_errors or any(errors)


# --- addresses and the changelist ------------------------------------------------


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("object_id", [NOT_A_NUMBER, TOO_BIG, "1%00"])
def test_bad_id_in_the_change_url_is_a_message_not_a_500(editor_client, object_id):
    response = editor_client.get(f"/admin/articles/article/{object_id}/change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert any("doesn\N{RIGHT SINGLE QUOTATION MARK}t exist" in message for message in messages_of(response))


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/articles/article/{NOT_A_NUMBER}/share-preview/",
        f"/admin/articles/article/{TOO_BIG}/share-preview/",
        f"/admin/articles/article/{NOT_A_NUMBER}/history/1/",
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=section&term=x&page=abc",
    ],
)
def test_bad_ids_in_other_admin_addresses_are_404(editor_client, path):
    factories.ArticleFactory()
    assert editor_client.get(path).status_code == 404


CHANGELIST = "/admin/articles/article/"


@pytest.mark.parametrize(
    "query", ["p=abc", "p=-1", "p=99999", "o=abc", "o=99", "state=spiked", "q=%00", "section__id__exact=abc"]
)
def test_odd_changelist_parameters_still_show_the_list(editor_client, query):
    factories.ArticleFactory(headline="Budget passes")
    response = editor_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        # The "Published" filter's own parameters (there is no date hierarchy:
        # its year links would read every story's date to draw themselves).
        "published_at__gte=abc",
        "published_at__gte=2017-13-01",
        f"published_at__lt={TOO_BIG}",
        "published_at__gte=9999-12-31&published_at__lt=10000-01-01",
        # Typed by hand.
        "published_at__year=abc",
        f"published_at__year={TOO_BIG}",
    ],
)
def test_impossible_dates_in_the_changelist_go_back_to_the_list(editor_client, query):
    factories.ArticleFactory()
    response = editor_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?e=1"
    assert editor_client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        f"section__id__in={TOO_BIG}",
        f"section__id__in=1,{TOO_BIG}",
        f"tags__id__in={TOO_BIG}",
        f"bylines__author__id__in={TOO_BIG}",
    ],
)
def test_ids_beyond_64_bits_in_changelist_filters_match_nothing(editor_client, query):
    # PostgreSQL answers such a query (nothing matches); SQLite refuses it,
    # and the list comes back unfiltered with Django's "?e=1".
    factories.ArticleFactory(headline="Budget passes")
    response = editor_client.get(f"{CHANGELIST}?{query}", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain in ([], [(f"{CHANGELIST}?e=1", 302)])
    assert len(response.context["cl"].result_list) == (1 if response.redirect_chain else 0)


@pytest.mark.parametrize("filters", ["section__id__exact%3Dabc%26p%3Dzz", "%25%25%25", "%00"])
def test_bad_changelist_filters_on_the_change_form(editor_client, filters):
    article = factories.ArticleFactory()
    factories.RichTextFactory(parent=article)
    url = f"{change_url(article)}?_changelist_filters={filters}"
    assert editor_client.get(url).status_code == 200
    data = form_data(editor_client.get(url).content.decode(), "article_form")
    data["_save"] = "Save"
    response = editor_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(CHANGELIST)
    assert editor_client.get(response["Location"], follow=True).status_code == 200


@pytest.mark.parametrize("action", ["publish_selected", "unpublish_selected", "delete_selected"])
@pytest.mark.parametrize("value", BAD_KEYS)
def test_bulk_action_with_bad_ids_selects_nothing(editor_client, action, value):
    draft = factories.ArticleFactory(draft=True)
    response = editor_client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [value], "index": "0"})
    assert response.status_code == 302
    assert any("Items must be selected" in message for message in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_bulk_action_keeps_the_good_ids_among_bad_ones(editor_client):
    draft = factories.ArticleFactory(draft=True)
    response = editor_client.post(
        CHANGELIST, {"action": "publish_selected", ACTION_CHECKBOX_NAME: [NOT_A_NUMBER, str(draft.pk)], "index": "0"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED


@pytest.mark.parametrize("changes", [{"form-0-position": "abc"}, {"form-0-id": NOT_A_NUMBER}, {"form-0-id": TOO_BIG}])
def test_bad_values_in_the_sections_list_are_form_errors(editor_client, changes):
    section = factories.SectionFactory(name="World", position=3)
    url = reverse("admin:articles_section_changelist")
    data = form_data(editor_client.get(url).content.decode(), "changelist-form")
    data.update(changes)
    data["_save"] = "Save"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert any(form.errors for form in response.context["cl"].formset.forms)
    section.refresh_from_db()
    assert section.position == 3


# --- tags' own admin -------------------------------------------------------------


def test_the_tag_admin_is_taggits_with_the_guard():
    assert isinstance(admin.site.get_model_admin(Tag), TaggitTagAdmin)


@pytest.mark.parametrize("value", BAD_KEYS)
def test_tag_bulk_delete_with_bad_ids_selects_nothing(editor_client, value):
    factories.TagFactory(name="Ceasefire")
    changelist = reverse("admin:taggit_tag_changelist")
    response = editor_client.post(changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [value]})
    assert response.status_code == 302
    assert Tag.objects.count() == 1


def test_merging_tags_deleted_meanwhile_is_a_message(editor_client):
    gone = factories.TagFactory(name="Ceasefire")
    changelist = reverse("admin:taggit_tag_changelist")
    response = editor_client.post(changelist, {"action": "render_tag_form", ACTION_CHECKBOX_NAME: [str(gone.pk)]})
    assert response.status_code == 302
    gone.delete()
    response = editor_client.post(reverse("admin:taggit_tag_merge_tags"), {"new_tag_name": "Truce"})
    assert response.status_code == 302
    assert response["Location"] == changelist
    assert "Please select at least one tag." in messages_of(response)
    assert not Tag.objects.exists()


def test_tag_autocomplete_with_a_nul_finds_nothing_rather_than_failing(editor_client):
    factories.TagFactory(name="Syria")
    url = reverse("admin:articles_article_tag_autocomplete")
    assert editor_client.get(url, {"term": "Syr\x00"}).json() == {"results": [{"id": "Syria", "text": "Syria"}]}
