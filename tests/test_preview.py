import time

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.urls import reverse

from articles.models import Article
from articles.preview import make_preview_token, shared_preview_url
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    article = factories.ArticleFactory(draft=True, headline="Secret draft about the ceasefire")
    factories.RichTextFactory(parent=article, text="<p>Not yet for readers.</p>")
    factories.BylineFactory(article=article, author__name="Jane Reporter")
    return article


def assert_private(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert response["X-Robots-Tag"] == "noindex"


def test_readers_cannot_see_a_draft(client, draft):
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_staff_preview_renders_the_reader_template(editor_client, draft):
    response = editor_client.get(reverse("articles:preview", args=[draft.pk]))
    assert response.status_code == 200
    assert response.templates[0].name == "articles/article_detail.html"
    html = response.content.decode()
    assert "Secret draft about the ceasefire" in html
    assert "Not yet for readers." in html
    assert "Jane Reporter" in html
    assert_private(response)


def test_staff_preview_is_a_404_for_anonymous_users(client, draft):
    response = client.get(reverse("articles:preview", args=[draft.pk]))
    assert response.status_code == 404


def test_staff_preview_needs_change_permission(client, draft):
    user = factories.UserFactory(is_staff=True)
    client.force_login(user)
    url = reverse("articles:preview", args=[draft.pk])
    assert client.get(url).status_code == 404
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    assert client.get(url).status_code == 200


def test_staff_preview_of_unknown_story_is_a_404(editor_client):
    assert editor_client.get(reverse("articles:preview", args=[999999])).status_code == 404


def test_shared_link_opens_without_an_account(client, draft):
    response = client.get(shared_preview_url(draft))
    assert response.status_code == 200
    assert "Not yet for readers." in response.content.decode()
    assert_private(response)


def test_tampered_link_is_a_404(client, draft):
    other = factories.ArticleFactory(draft=True)
    token = make_preview_token(draft)
    _pk, timestamp, signature = token.split(":")
    forged = f"{other.pk}:{timestamp}:{signature}"
    assert client.get(reverse("articles:shared_preview", args=[forged])).status_code == 404
    assert client.get(reverse("articles:shared_preview", args=[token[:-1] + "x"])).status_code == 404
    assert client.get(reverse("articles:shared_preview", args=["garbage"])).status_code == 404


def test_a_token_signed_for_something_else_is_a_404(client, draft):
    # Same key, different salt: e.g. a value signed elsewhere in the project.
    token = signing.TimestampSigner(salt="something.else").sign(str(draft.pk))
    assert client.get(reverse("articles:shared_preview", args=[token])).status_code == 404


def _signed_hours_ago(monkeypatch, article, hours):
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - hours * 3600)
    url = shared_preview_url(article)
    monkeypatch.setattr(signing.time, "time", real_time)
    return url


def test_link_expires_after_48_hours_by_default(client, monkeypatch, draft):
    assert client.get(_signed_hours_ago(monkeypatch, draft, 47)).status_code == 200
    assert client.get(_signed_hours_ago(monkeypatch, draft, 49)).status_code == 404


def test_link_lifetime_is_a_setting(client, monkeypatch, settings, draft):
    settings.ARTICLES_PREVIEW_MAX_AGE = 3600
    assert client.get(_signed_hours_ago(monkeypatch, draft, 0.5)).status_code == 200
    assert client.get(_signed_hours_ago(monkeypatch, draft, 2)).status_code == 404


def test_link_to_a_deleted_story_is_a_404(client, draft):
    url = shared_preview_url(draft)
    Article.objects.filter(pk=draft.pk).delete()
    assert client.get(url).status_code == 404


def test_preview_and_reader_page_share_one_rendering(editor_client, client, seed_story):
    reader = client.get(seed_story.get_absolute_url()).content.decode()
    preview = editor_client.get(reverse("articles:preview", args=[seed_story.pk])).content.decode()

    def story(html):
        return html[html.index('<article class="story">') : html.index("</article>")]

    assert story(preview) == story(reader)


def test_change_form_offers_preview_and_share_preview(editor_client, draft):
    url = reverse("admin:articles_article_change", args=[draft.pk])
    html = editor_client.get(url).content.decode()
    assert reverse("articles:preview", args=[draft.pk]) in html
    share_url = reverse("admin:articles_article_share_preview", args=[draft.pk])
    assert share_url in html

    response = editor_client.get(share_url, follow=True)
    assert response.redirect_chain[-1][0] == url
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "48 hours" in messages[0]
    link = messages[0].split('href="')[1].split('"')[0]
    assert f'<a href="{link}" class="shared-preview-link">' in response.content.decode()  # a link, not escaped text
    assert link.startswith("http://testserver/preview/shared/")

    editor_client.logout()
    assert editor_client.get(link).status_code == 200


def test_share_preview_needs_change_permission(client, draft):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    response = client.get(reverse("admin:articles_article_share_preview", args=[draft.pk]))
    assert response.status_code == 403
