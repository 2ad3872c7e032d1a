"""Every reader page type is valid HTML by the Nu Html Checker; feeds and sitemaps are well-formed XML.

The pages are rendered once for the module and checked in a single run of
the checker (starting its JVM costs seconds); each page type then passes or
fails on its own, listing the checker's errors with their line numbers.
"""

from xml.etree import ElementTree

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import Client
from django.utils.html import escape

from articles.models import Article
from articles.search import index_stories
from tests import factories
from tests.conftest import SEED_SLUG
from tests.quality import generated_story, reader_url, search_params, vnu_check

PAGE_TYPES = [
    "home",
    "article-seed",
    "article-generated",
    "article-pictures",
    "section",
    "tag",
    "author",
    "search-empty",
    "search-results",
    "search-form-error",
    "not-found",
]


def _form_errors(response):
    """Errors of any bound form (or filterset's form) the page was rendered with."""
    errors = []
    for context in response.context or []:
        for value in context.flatten().values():
            form = value if isinstance(value, BaseForm) else getattr(value, "form", None)
            if isinstance(form, BaseForm) and form.is_bound:
                errors.extend(form.errors)
    return errors


def pictured_story():
    """A story with an image block (one with its own caption, one decorative) and a gallery."""
    story = factories.ArticleFactory(headline="Hamburg in pictures", slug="hamburg-in-pictures")
    factories.RichTextFactory(parent=story, text="<p>The summit opened on Friday.</p>")
    factories.ImageBlockFactory(parent=story, image=factories.ImageFactory(caption="Delegates", credit="AFP"))
    factories.ImageBlockFactory(parent=story, image=factories.ImageFactory(alt="", decorative=True))
    gallery = factories.GalleryFactory(title="The summit", intro="Day one.")
    for n in range(2):
        factories.GalleryItemFactory(gallery=gallery, image=factories.ImageFactory(caption=f"Picture {n}"))
    factories.GalleryBlockFactory(parent=story, widget=gallery)
    return story


def _render_pages():
    """{page type: HTML, or None when its route is not built yet}."""
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    seed = Article.objects.get(slug=SEED_SLUG)
    story = generated_story()
    # This module fixture's transaction never commits, so the after-commit
    # receiver that keeps search documents current does not run: index here.
    index_stories(Article.objects.values_list("pk", flat=True))
    client = Client()
    pages = {}

    def get(name, url, params=None, status=200):
        response = client.get(url, params or {})
        assert response.status_code == status, f"{name}: {url} {params or ''} gave {response.status_code}"
        pages[name] = response.content.decode()
        return response

    get("home", reader_url("home"))
    get("article-seed", seed.get_absolute_url())
    get("article-generated", story.get_absolute_url())
    get("article-pictures", pictured_story().get_absolute_url())
    get("section", reader_url("section", slug=seed.section.slug))
    get("tag", reader_url("tag", slug="syria"))
    get("author", reader_url("author", slug="our-foreign-staff"))
    get("search-empty", reader_url("search"))
    form = pages["search-empty"]
    results = get("search-results", reader_url("search"), search_params(form, text="Syria"))
    assert escape(seed.headline) in results.content.decode(), "searching for Syria does not find the seed story"
    junk = get("search-form-error", reader_url("search"), search_params(form, junk=True))
    assert _form_errors(junk), "malformed dates and ordering were not reported as form errors"
    get("not-found", "/no-such-page/", status=404)
    return pages


@pytest.fixture(scope="module")
def checked_pages(django_db_setup, django_db_blocker):
    """{page type: list of Nu checker errors}, from one checker run."""
    with django_db_blocker.unblock(), transaction.atomic():
        pages = _render_pages()
        transaction.set_rollback(True)
    # Opened outside any test, this connection is not the one pytest-django closes before dropping the test
    # database, and PostgreSQL then refuses to drop it ("being accessed by other users").
    connection.close()
    # Pages rendered from the rolled-back stories must not be served to later tests.
    for cache in caches.all(initialized_only=True):
        cache.clear()
    return vnu_check(pages)


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_is_valid_html(checked_pages, page_type):
    errors = checked_pages[page_type]
    assert not errors, f"the Nu Html Checker found {len(errors)} error(s) on {page_type}:\n" + "\n".join(errors)


def test_checker_reports_invalid_html():
    """The check can fail: a page with a known error is reported, with its line."""
    errors = vnu_check(
        {
            "valid": '<!DOCTYPE html><html lang="en"><title>t</title><p>fine</p></html>',
            "broken": '<!DOCTYPE html><html lang="en"><title>t</title>\n<p><div>block in p</div></p></html>',
        }
    )
    assert errors["valid"] == []
    assert any("line 2" in error and "“p”" in error for error in errors["broken"]), errors["broken"]


XML_ROUTES = [
    pytest.param(route, kwargs, id="-".join([route, *kwargs.values()]))
    for route, kwargs in [
        ("feed_rss", {}),
        ("feed_atom", {}),
        ("section_feed_rss", {"slug": "world"}),
        ("section_feed_atom", {"slug": "world"}),
        ("tag_feed_rss", {"slug": "syria"}),
        ("tag_feed_atom", {"slug": "syria"}),
        ("author_feed_rss", {"slug": "our-foreign-staff"}),
        ("author_feed_atom", {"slug": "our-foreign-staff"}),
        ("sitemap_index", {}),
        ("story_sitemap", {"year": "2017", "month": "07"}),  # the seed story's month
        ("sitemap", {"section": "sections"}),
        ("sitemap", {"section": "tags"}),
        ("sitemap", {"section": "authors"}),
        ("news_sitemap", {}),
    ]
]


@pytest.mark.parametrize(("route", "kwargs"), XML_ROUTES)
def test_feeds_and_sitemaps_are_well_formed_xml(client, seed_story, route, kwargs):
    url = reader_url(route, **kwargs)
    generated_story()
    response = client.get(url)
    assert response.status_code == 200
    ElementTree.fromstring(response.content)  # raises ParseError on malformed XML
