"""What a host site gets from the app itself: the fixture, the templates, robots.txt, any user model.

The full README setup, from the wheel in a fresh project, is tests/test_install.py.
"""

import io
from pathlib import Path

import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.management import call_command

from articles.admin import AuthorAdmin
from articles.models import Author
from tests.conftest import SEED_SLUG
from tests.quality import vnu_check

ROOT = Path(__file__).resolve().parent.parent
STORY = "/2017/07/05/us-russia-no-fly-zones-syria-tillerson/"


def test_the_fixture_ships_in_the_app_and_the_repository_path_is_the_same_file():
    shipped = ROOT / "articles" / "fixtures" / "syria-no-fly-zones.json"
    assert shipped.is_file()
    assert (ROOT / "fixtures" / "syria-no-fly-zones.json").resolve() == shipped.resolve()


@pytest.mark.django_db
def test_loaddata_finds_the_story_once():
    out = io.StringIO()
    call_command("loaddata", "syria-no-fly-zones", stdout=out)
    assert "from 1 fixture(s)" in out.getvalue()


def test_demo_story_reads_the_fixture_loaddata_uses():
    from newsroom.management.commands.demo_story import fixture_story_slugs

    assert fixture_story_slugs("syria-no-fly-zones") == [SEED_SLUG]


# Templates


def page_head(html):
    return html[html.index("<head>") : html.index("</head>")]


@pytest.mark.django_db
def test_with_the_default_site_base_a_story_page_is_complete_and_styled(client, settings, seed_story):
    settings.ARTICLES_BASE_TEMPLATE = "articles/site_base.html"
    html = client.get(STORY).content.decode()
    assert html.startswith('<!DOCTYPE html>\n<html lang="en-gb">')
    head = page_head(html)
    assert '<link rel="stylesheet" href="/static/articles/newsroom.css">' in head
    assert '<link rel="stylesheet" href="/static/articles/print.css" media="print">' in head
    assert 'type="application/rss+xml"' in head and 'type="application/atom+xml"' in head
    assert '<script type="application/ld+json">' in head
    assert f"<title>{seed_story.headline}".replace("'", "&#x27;") in head
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main" class="page">' in html
    assert seed_story.headline.replace("'", "&#x27;") in html


@pytest.mark.django_db
def test_pages_on_the_default_site_base_are_valid_html(client, settings, seed_story):
    settings.ARTICLES_BASE_TEMPLATE = "articles/site_base.html"
    pages = {"home": client.get("/").content.decode(), "story": client.get(STORY).content.decode()}
    errors = vnu_check(pages)
    assert errors == {"home": [], "story": []}


@pytest.mark.django_db
def test_the_site_base_is_the_setting(client, settings, seed_story):
    settings.ARTICLES_BASE_TEMPLATE = "articles/site_base.html"
    default = client.get("/").content.decode()
    settings.ARTICLES_BASE_TEMPLATE = "base.html"
    demo = client.get("/").content.decode()
    # The demo's base writes LANGUAGE_CODE with a fallback, the app's asks Django.
    assert default.replace('<html lang="en-gb">', "") == demo.replace('<html lang="en-gb">', "")
    # A different setting is a different page: the setting is what decides.
    settings.ARTICLES_BASE_TEMPLATE = "500.html"
    assert client.get("/section/world/").content.decode().startswith('<!DOCTYPE html>\n<html lang="en-gb">')


@pytest.mark.django_db
def test_without_the_context_processor_pages_still_have_a_site_base(client, settings, seed_story):
    options = settings.TEMPLATES[0]["OPTIONS"]
    processors = [p for p in options["context_processors"] if not p.startswith("articles.")]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {**options, "context_processors": processors}}]
    html = client.get(STORY).content.decode()
    assert '<link rel="stylesheet" href="/static/articles/newsroom.css">' in page_head(html)


# robots.txt at the root when the app is mounted under a prefix


@pytest.mark.urls("tests.urls_news")
def test_robots_txt_stays_at_the_root_under_a_prefix(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert "Disallow: /news/preview/" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/news/sitemap.xml" in lines
    assert "Sitemap: http://testserver/news/sitemap-news.xml" in lines
    assert client.get("/news/robots.txt").status_code == 404
    assert client.get("/news/sitemap.xml").status_code == 200


@pytest.mark.urls("tests.urls_news")
def test_pages_under_a_prefix_link_their_feeds_under_it(client, seed_story):
    html = client.get("/news" + STORY).content.decode()
    assert 'type="application/rss+xml" title="The Newsroom: latest stories (RSS)" href="/news/feeds/rss/"' in html
    assert '<link rel="stylesheet" href="/static/articles/newsroom.css">' in html


# The author form's user field, whatever the site's user admin


def author_admin(user_admin_class=None):
    site = AdminSite()
    if user_admin_class:
        site.register(get_user_model(), user_admin_class)
    return AuthorAdmin(Author, site)


def test_the_user_field_is_an_autocomplete_when_the_user_admin_can_search():
    model_admin = author_admin(UserAdmin)
    assert model_admin.autocomplete_fields == ["user"]
    assert model_admin.raw_id_fields == []
    assert model_admin.check() == []


@pytest.mark.parametrize("user_admin_class", [None, ModelAdmin], ids=["no user admin", "no search_fields"])
def test_the_user_field_is_a_raw_id_otherwise(user_admin_class):
    """An autocomplete would fail the admin's checks here (admin.E039, admin.E040)."""
    model_admin = author_admin(user_admin_class)
    assert model_admin.autocomplete_fields == []
    assert model_admin.raw_id_fields == ["user"]
    assert model_admin.check() == []


@pytest.mark.django_db
def test_the_real_author_form_has_its_user_autocomplete(editor_client):
    html = editor_client.get("/admin/articles/author/add/").content.decode()
    assert 'data-model-name="user"' in html or "admin-autocomplete" in html
