"""System checks for a host site's configuration (articles/checks.py): one id per thing a site can forget.

Each check is shown to fire on a broken configuration and to stay silent
on the project's own, and none raises, whatever it is given.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.management import call_command
from django.db import connection

from articles import checks as articles_checks
from articles.models import Article

README = Path(__file__).resolve().parent.parent / "README.md"


def articles_messages():
    return [message for message in checks.run_checks() if message.id and message.id.startswith("articles.")]


def ids():
    return {message.id for message in checks.run_checks(tags=["articles"])}


def test_the_project_passes_every_check():
    assert articles_messages() == []
    call_command("check", "--fail-level", "WARNING")


@pytest.mark.django_db
def test_the_models_pass_the_database_checks_too():
    # What migrate runs: the indexes' checks against this database (SQLite has no INCLUDE columns).
    call_command("check", "--database", "default", "--fail-level", "WARNING")


@pytest.mark.parametrize(
    ("app", "check_id"),
    [(app, check_id) for app, check_id, _ in articles_checks.REQUIRED_APPS + articles_checks.ADVISED_APPS],
)
def test_an_app_missing_from_installed_apps(settings, app, check_id):
    settings.INSTALLED_APPS = [name for name in django_settings.INSTALLED_APPS if name != app]
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == check_id]
    assert len(messages) == 1
    assert app in messages[0].msg and f"Add {app!r} to INSTALLED_APPS" in messages[0].hint
    expected = checks.Error if check_id.startswith("articles.E") else checks.Warning
    assert type(messages[0]) is expected


def _engine(**options):
    engine = dict(django_settings.TEMPLATES[0])
    engine["OPTIONS"] = {**engine["OPTIONS"], **options}
    return engine


def test_the_context_processor_missing_from_every_engine(settings):
    complete = _engine()
    without = [name for name in complete["OPTIONS"]["context_processors"] if name != articles_checks.CONTEXT_PROCESSOR]
    settings.TEMPLATES = [_engine(context_processors=without)]
    assert "articles.E010" in ids()
    # In a second engine is enough: that is the one the app's pages can use.
    settings.TEMPLATES = [_engine(context_processors=without), {**complete, "NAME": "second"}]
    assert "articles.E010" not in ids()


def test_a_page_cache_alias_not_in_caches(settings):
    settings.ARTICLES_PAGE_CACHE = "pages"
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == "articles.E011"]
    assert len(messages) == 1 and "'pages'" in messages[0].msg and "CACHES" in messages[0].hint
    settings.ARTICLES_PAGE_CACHE = None  # the page cache turned off
    assert "articles.E011" not in ids()


@pytest.fixture
def site_templates(tmp_path, settings):
    """A template folder searched before the project's, and a way to name a base template in it."""
    engine = dict(django_settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    settings.TEMPLATES = [engine]

    def base(name, source):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source)
        settings.ARTICLES_BASE_TEMPLATE = name

    return base


@pytest.mark.parametrize(
    "source",
    [
        None,  # no such template
        "{% block title %}<title>",  # a syntax error
        "{% load no_such_library %}",
        '{% extends "site/no-such-parent.html" %}',
        b"<title>\xff\xfe{% block title %}{% endblock %}",  # not UTF-8
    ],
    ids=["missing", "unclosed-block", "unknown-library", "missing-parent", "not-utf8"],
)
def test_a_base_template_that_cannot_be_loaded(site_templates, settings, source):
    if source is None:
        settings.ARTICLES_BASE_TEMPLATE = "site/no-such-base.html"
    else:
        site_templates("site/base.html", source)
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == "articles.E012"]
    assert len(messages) == 1
    assert "ARTICLES_BASE_TEMPLATE" in messages[0].msg and "ARTICLES_BASE_TEMPLATE" in messages[0].hint


def test_a_base_template_without_the_blocks_the_pages_fill(site_templates):
    site_templates("site/base.html", "<title>{% block title %}{% endblock %}</title>{% block main %}{% endblock %}")
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == "articles.E013"]
    assert len(messages) == 1
    assert "head, content" in messages[0].msg
    assert "{% block head %}{% endblock %} {% block content %}{% endblock %}" in messages[0].hint


def test_a_complete_base_template_passes(site_templates):
    site_templates(
        "site/base.html",
        "<title>{% block title %}{% endblock %}</title>{% block head %}{% endblock %}"
        "<main>{% block content %}{% endblock %}</main>",
    )
    assert not ids() & {"articles.E012", "articles.E013"}


def test_blocks_come_through_the_extends_chain_as_django_renders_them(site_templates):
    site_templates("site/root.html", "{% block title %}{% endblock %}{% block body %}{% endblock %}")
    # A block only the child defines, outside its parent's blocks, is never rendered…
    site_templates(
        "site/base.html",
        '{% extends "site/root.html" %}{% block head %}{% endblock %}{% block content %}{% endblock %}',
    )
    assert "articles.E013" in ids()
    # …while blocks nested in one the child overrides are.
    site_templates(
        "site/nested.html",
        '{% extends "site/root.html" %}{% block body %}{% if x %}{% block head %}{% endblock %}{% endif %}'
        "<main>{% block content %}{% endblock %}</main>{% endblock %}",
    )
    assert not ids() & {"articles.E012", "articles.E013"}


def test_a_base_extending_a_name_known_only_at_render_time_is_not_judged(site_templates):
    site_templates("site/base.html", "{% extends layout %}")
    assert not ids() & {"articles.E012", "articles.E013"}


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("PAGINATE_BY", "20"),
        ("FEED_SIZE", 0),
        ("READER_MAX_AGE", True),
        ("PREVIEW_MAX_AGE", "2 days"),
        ("PAGE_CACHE", 5),
        ("PAGE_CACHE_SECONDS", -1),
        ("DEPLOY_VERSION", 123),
        ("SITEMAP_PART_SIZE", 60000),
        ("PUBLICATION_NAME", ""),
        ("RICHTEXT_EXTENSIONS", ["Bold"]),
        ("PURGERS", 5),
        ("CACHE_BACKOFF_SECONDS", "5"),
        ("CARD_PREFETCH", "tags"),
        ("CARD_PREFETCH", ["tagz"]),
        ("CARD_PREFETCH", ["headline"]),
        ("CARD_PREFETCH", ["bylines__author__nickname"]),
        ("KEPT_CARDS", -1),
        ("KEPT_CARDS", "2000"),
    ],
)
def test_a_setting_of_the_wrong_kind(settings, setting, value):
    setattr(settings, f"ARTICLES_{setting}", value)
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == "articles.E014"]
    assert [message.msg.split(" is ")[0] for message in messages] == [f"ARTICLES_{setting}"]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("PREVIEW_MAX_AGE", 3600),
        ("PAGE_CACHE", None),
        ("DEPLOY_VERSION", "3f2c9e1"),
        ("CACHE_BACKOFF_SECONDS", 0.5),
        ("CARD_PREFETCH", ["tags", "bylines__author__photo"]),
        ("KEPT_CARDS", 0),
    ],
)
def test_a_setting_of_a_right_kind(settings, setting, value):
    setattr(settings, f"ARTICLES_{setting}", value)
    assert "articles.E014" not in ids()


def test_a_misspelt_setting(settings):
    settings.ARTICLES_PAGINATE = 10
    messages = [message for message in checks.run_checks(tags=["articles"]) if message.id == "articles.W003"]
    assert [message.msg.split(" ")[0] for message in messages] == ["ARTICLES_PAGINATE"]


def test_the_readme_lists_every_check_id():
    source = Path(articles_checks.__file__).read_text()
    in_code = set(re.findall(r'"(articles\.[EW]\d{3})"', source))
    table = README.read_text().split("| Id |", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`(articles\.[EW]\d{3})`", table)) == in_code


@pytest.mark.django_db
def test_a_search_configuration_the_database_does_not_have(settings):
    settings.ARTICLES_SEARCH_CONFIG = "no_such_configuration"
    errors = articles_checks.check_search_config(None, databases=["default"])
    if connection.vendor != "postgresql":
        assert errors == []  # SQLite's FTS5 has no configurations to name
        return
    assert [error.id for error in errors] == ["articles.E021"]
    assert "'no_such_configuration'" in errors[0].msg
    # The failed statement did not break the connection's transaction.
    assert Article.objects.count() >= 0


@pytest.mark.django_db
def test_the_search_configuration_of_the_publications_language_passes(settings):
    settings.ARTICLES_SEARCH_CONFIG = None
    settings.ARTICLES_PUBLICATION_LANGUAGE = "de"
    assert articles_checks.check_search_config(None, databases=["default"]) == []
    assert articles_checks.check_search_config(None) == []  # plain check: no database asked
