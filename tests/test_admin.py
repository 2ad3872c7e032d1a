import pytest
from django.contrib import admin
from django.urls import reverse

from articles.models import Article, RichText
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def test_every_articles_model_is_registered():
    from django.apps import apps

    registered = set(admin.site._registry)
    inline_only = {
        "byline",
        "taggedarticle",
        "timelineevent",
        "profilefact",
        "richtext",
        "pullquote",
        "embed",
        "timelineblock",
        "correction",
        "profileblock",
        "imageblock",
        "galleryitem",
        "galleryblock",
        # Not edited by anyone: what reader pages are cached and rendered by (articles.delivery).
        "deliverykey",
        "storyrender",
        "renderdependency",
        # The story sitemap's month summary, written after each change (articles.syndication.parts).
        "sitemappart",
        # An editor's autosaved form and "who has the story open" (articles.editing): the change form's own state.
        "autosavedraft",
        "editingpresence",
    }
    for model in apps.get_app_config("articles").get_models():
        if model._meta.model_name in inline_only:
            continue
        assert model in registered, model


@pytest.mark.parametrize("model_name", ["article", "author", "section", "timeline", "profile"])
def test_changelist_and_add_pages_load(editor_client, seed_story, model_name):
    for view in ("changelist", "add"):
        response = editor_client.get(reverse(f"admin:articles_{model_name}_{view}"))
        assert response.status_code == 200, (model_name, view)


def test_article_change_form_has_body_bylines_and_tags(editor_client, seed_story):
    response = editor_client.get(reverse("admin:articles_article_change", args=[seed_story.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "content-editor-context" in html  # the block editor is on the page
    assert "bylines-TOTAL_FORMS" in html
    assert 'name="tags"' in html
    assert "articles_timelineblock_set" in html and "articles_profileblock_set" in html


def test_editor_changes_a_paragraph_and_readers_see_it(editor_client, client, seed_story):
    url = reverse("admin:articles_article_change", args=[seed_story.pk])
    data = form_data(editor_client.get(url).content.decode(), "article_form")
    key = next(k for k, v in data.items() if k.endswith("-text") and "Mr Tillerson also said" in v)
    data[key] = data[key].replace("had an obligation", "had a clear obligation")
    data["_save"] = "Save"

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    html = client.get(seed_story.get_absolute_url()).content.decode()
    assert "Russia had a clear obligation to prevent" in html
    assert RichText.objects.filter(parent=seed_story).count() == 3
    seed_story.refresh_from_db()
    assert seed_story.updated_by.username == "chief"


def test_editor_creates_and_publishes_a_story(editor_client, client):
    section = factories.SectionFactory(name="Politics", slug="politics")
    author = factories.AuthorFactory(name="Jane Reporter")
    url = reverse("admin:articles_article_add")
    data = form_data(editor_client.get(url).content.decode(), "article_form")
    data.update(
        {
            "headline": "Parliament votes",
            "slug": "parliament-votes",
            "section": str(section.pk),
            "status": "published",
            "published_at_0": "2024-01-02",
            "published_at_1": "10:00:00",
            "tags": ["Politics", "Elections"],
            "bylines-TOTAL_FORMS": "1",
            "bylines-0-author": str(author.pk),
            "bylines-0-role": "by",
            "bylines-0-position": "1",
            "articles_richtext_set-TOTAL_FORMS": "1",
            "articles_richtext_set-0-region": "body",
            "articles_richtext_set-0-ordering": "10",
            "articles_richtext_set-0-text": "<p>The vote passed.</p><script>x()</script>",
            "_save": "Save",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="parliament-votes")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "The vote passed." in html
    assert "<script>x()" not in html
    assert "Jane Reporter" in html
    assert set(article.tags.names()) == {"Politics", "Elections"}
