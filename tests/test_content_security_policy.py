"""Content-Security-Policy headers, area by area (articles.content_security, django-csp).

The browser side (nothing on the pages is blocked) is
tests/browser/test_content_security_policy.py.
"""

import re
from html.parser import HTMLParser

import pytest
from csp.decorators import csp, csp_exempt, csp_update
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory
from django.urls import resolve, reverse

from articles import content_security, embeds
from articles.content_security import AreaPolicyMiddleware, admin_policy, reader_policy
from articles.preview import shared_preview_url
from tests import factories
from tests.html import is_embed_script
from tests.quality import generated_story, reader_url

HEADER = "Content-Security-Policy"

READER = {
    "default-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(response):
    """The enforced policy as {directive: [sources]}; fails if there is none or only a report-only one."""
    assert "Content-Security-Policy-Report-Only" not in response
    assert HEADER in response, f"no {HEADER} on {response.status_code} {response.get('Content-Type')}"
    return {part.split()[0]: part.split()[1:] for part in response[HEADER].split(";") if part.strip()}


@pytest.fixture
def pages(seed_story):
    story = generated_story()
    return {
        "home": reader_url("home"),
        "story": seed_story.get_absolute_url(),
        "story-generated": story.get_absolute_url(),
        "section": reader_url("section", slug="world"),
        "tag": reader_url("tag", slug="syria"),
        "author": reader_url("author", slug="our-foreign-staff"),
        "search": reader_url("search") + "?q=Syria",
        "feed": reader_url("feed_rss"),
        "sitemap": reader_url("sitemap_index"),
        "robots": reverse("articles_root:robots_txt"),
    }


@pytest.mark.django_db
def test_every_reader_page_is_sent_the_strict_policy(client, pages):
    # The generated story shows an embed: its page alone may load the embed
    # script (that one file) and frame the providers' players (articles.embeds).
    with_embed = {
        **READER,
        "script-src": [f"http://testserver{static('articles/embeds.js')}"],
        "frame-src": embeds.frame_origins(),
    }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        assert directives(response) == (with_embed if name == "story-generated" else READER), name


@pytest.mark.django_db
def test_not_found_pages_are_sent_the_strict_policy(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert directives(response) == READER


@pytest.mark.django_db
def test_a_story_from_the_page_cache_is_sent_the_same_policy(client, seed_story, django_assert_num_queries):
    first = client.get(seed_story.get_absolute_url())
    with django_assert_num_queries(1):  # a page-cache hit: only its validity is read
        second = client.get(seed_story.get_absolute_url())
    assert directives(first) == directives(second) == READER


@pytest.mark.django_db
def test_previews_are_sent_the_reader_policy(client, editor_client):
    draft = factories.ArticleFactory(draft=True)
    response = editor_client.get(reader_url("preview", draft.pk))
    assert response.status_code == 200
    assert directives(response) == READER
    client.logout()
    response = client.get(shared_preview_url(draft))
    assert response.status_code == 200
    assert directives(response) == READER


@pytest.mark.django_db
def test_the_admin_is_sent_its_own_policy(client, editor):
    response = client.get("/admin/login/")
    admin = directives(response)
    assert admin["script-src"] == ["'self'"]  # no nonce asked for: none is sent
    assert admin["default-src"] == ["'self'"]
    assert admin["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" in admin["style-src"]
    client.force_login(editor)
    for path in ("/admin/", "/admin/articles/article/", "/admin/articles/author/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response) == admin, path


@pytest.mark.django_db
def test_the_story_forms_import_map_carries_the_policys_nonce(editor_client, seed_story):
    for path in ("/admin/articles/article/add/", f"/admin/articles/article/{seed_story.pk}/change/"):
        response = editor_client.get(path)
        script_src = directives(response)["script-src"]
        assert script_src[0] == "'self'"
        nonce = re.fullmatch(r"'nonce-([A-Za-z0-9+/=]+)'", script_src[1]).group(1)
        html = response.content.decode()
        assert f'<script type="importmap" nonce="{nonce}">' in html, path
    # A fresh nonce on every response.
    assert directives(editor_client.get(path))["script-src"][1] != script_src[1]


@pytest.mark.django_db
def test_upgrade_insecure_requests_only_over_https(client, settings, seed_story):
    path = seed_story.get_absolute_url()
    assert "upgrade-insecure-requests" not in directives(client.get(path))
    assert directives(client.get(path, secure=True))["upgrade-insecure-requests"] == []
    assert directives(client.get("/admin/login/", secure=True))["upgrade-insecure-requests"] == []
    # Behind a proxy that says the request came in over HTTPS.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert "upgrade-insecure-requests" in directives(client.get(path, HTTP_X_FORWARDED_PROTO="https"))
    # A policy can opt out.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": reader_policy(upgrade_insecure_requests=False)}
    assert "upgrade-insecure-requests" not in directives(client.get(path, secure=True))


@pytest.mark.django_db
def test_without_a_configured_policy_reader_pages_get_none(client, settings, seed_story):
    settings.CONTENT_SECURITY_POLICY = None
    assert HEADER not in client.get(seed_story.get_absolute_url())
    assert HEADER in client.get("/admin/login/")  # the admin's area policy still applies


@pytest.mark.django_db
def test_areas_are_matched_by_namespace_or_view_name_longest_first(client, editor_client, settings, seed_story):
    settings.ARTICLES_CSP_AREAS = {
        "articles": {"default-src": ["'self'"]},
        "articles:preview": {"default-src": ["'none'"], "img-src": ["https://images.example.com"]},
    }
    assert directives(client.get(seed_story.get_absolute_url())) == {"default-src": ["'self'"]}
    preview = directives(editor_client.get(reader_url("preview", seed_story.pk)))
    assert preview == {"default-src": ["'none'"], "img-src": ["https://images.example.com"]}
    # The admin is no longer named, so it falls back to the site's policy.
    assert directives(editor_client.get("/admin/")) == READER


def _through_middleware(path, view):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    middleware = AreaPolicyMiddleware(view)
    middleware.process_request(request)
    return middleware.process_response(request, view(request))


def test_django_csp_decorators_still_work_in_each_area():
    @csp({"default-src": ["'self'"], "img-src": ["https://maps.example.com"]})
    def own_policy(request):
        return HttpResponse()

    @csp_update({"img-src": ["https://maps.example.com"]})
    def updated(request):
        return HttpResponse()

    @csp_exempt()
    def exempt(request):
        return HttpResponse()

    for path in ("/", "/admin/"):
        assert directives(_through_middleware(path, own_policy)) == {
            "default-src": ["'self'"],
            "img-src": ["https://maps.example.com"],
        }
        assert HEADER not in _through_middleware(path, exempt)
    assert directives(_through_middleware("/", updated))["img-src"] == ["'self'", "https://maps.example.com"]
    admin_img = directives(_through_middleware("/admin/", updated))["img-src"]
    assert admin_img == ["'self'", "https://maps.example.com"]


def test_policy_helpers_allow_a_cdn_where_its_files_are_used():
    assert reader_policy(static_url="static/", media_url="/media/") == content_security.READER
    policy = reader_policy(static_url="https://cdn.example.com/static/", media_url="//media.example.com/m/")
    assert policy["style-src"] == ["'self'", "https://cdn.example.com"]
    assert policy["img-src"] == ["'self'", "https://cdn.example.com", "media.example.com"]
    assert "script-src" not in policy  # reader pages still run no script, wherever files live
    admin = admin_policy(static_url="https://cdn.example.com/static/")
    assert "https://cdn.example.com" in admin["script-src"] and "https://cdn.example.com" in admin["font-src"]
    embeds = reader_policy(frame_src=["https://www.youtube-nocookie.com"])
    assert embeds["frame-src"] == ["https://www.youtube-nocookie.com"]
    # The module's own dicts are never changed by a helper.
    assert "frame-src" not in content_security.READER
    assert content_security.READER["img-src"] == ["'self'"]


class _InlineCode(HTMLParser):
    """Everything in a page that a strict policy would refuse or have to allow by name."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") != "application/ld+json" and not is_embed_script(tag, attrs):
            self.found.append(f"<script {attrs}>")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


@pytest.mark.django_db
def test_reader_pages_have_no_inline_script_or_style(client, pages, editor_client):
    """What keeps the strict reader policy possible: only JSON-LD data blocks, nothing inline to run or style."""
    html = {name: client.get(path).content.decode() for name, path in pages.items() if name not in {"feed", "robots"}}
    draft = factories.ArticleFactory(draft=True)
    html["preview"] = editor_client.get(reader_url("preview", draft.pk)).content.decode()
    for name, page in html.items():
        parser = _InlineCode()
        parser.feed(page)
        assert parser.found == [], name
    assert '<script type="application/ld+json">' in html["story"]


@pytest.mark.django_db
def test_a_directive_django_csp_does_not_know_is_left_out(client, settings, seed_story):
    # Only the directives a policy sets reach django-csp (a compact config it
    # copies on every response); one it does not know still never reaches a header.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**READER, "script-scr": ["'self'"]}}
    assert directives(client.get(seed_story.get_absolute_url())) == READER
