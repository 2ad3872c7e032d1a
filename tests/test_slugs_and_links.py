"""Slugs that make addresses and links that cannot run script, on every write path.

The admin validates; code, ``QuerySet.update()`` and ``loaddata`` do not. The
database refuses an invalid slug or a non-web URL (check constraints), the
models' validation says why in a form, and pages check stored links again
when they render them.
"""

import contextlib
import json

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db import models as dj_models
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Embed, Gallery, Profile, Section, SlugRedirect, Timeline
from articles.signals import mark_content_changed
from articles.weblinks import WebURLField, web_url
from tests import factories
from tests.html import runnable_markup, sitemap_problems

SLUG_FIELDS = [
    (Article, "slug"),
    (Section, "slug"),
    (Author, "slug"),
    (Timeline, "slug"),
    (Profile, "slug"),
    (Gallery, "slug"),
    (SlugRedirect, "old_slug"),
]
WEB_URL_FIELDS = [(Article, "canonical_url"), (Author, "website")]
WRITE_PATHS = ["save", "update", "loaddata"]

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


def field_params(fields):
    return [pytest.param(model, name, id=f"{model.__name__}.{name}") for model, name in fields]


def a_row(model):
    """A saved row of ``model`` with valid values."""
    factory = {
        Article: factories.ArticleFactory,
        Section: factories.SectionFactory,
        Author: factories.AuthorFactory,
        Timeline: factories.TimelineFactory,
        Profile: factories.ProfileFactory,
        Gallery: factories.GalleryFactory,
        SlugRedirect: factories.SlugRedirectFactory,
    }[model]
    return factory()


def write(path, obj, name, value, tmp_path):
    """Store ``value`` in ``obj.<name>`` through one write path."""
    if path == "save":
        setattr(obj, name, value)
        obj.save()
    elif path == "update":
        type(obj).objects.filter(pk=obj.pk).update(**{name: value})
    else:
        row = json.loads(serializers.serialize("json", [obj]))
        row[0]["fields"][name] = value
        fixture = tmp_path / "row.json"
        fixture.write_text(json.dumps(row))
        call_command("loaddata", str(fixture), verbosity=0)


def assert_refused(path, obj, name, value, tmp_path):
    constraints = [c.name for c in type(obj)._meta.constraints if isinstance(c, dj_models.CheckConstraint)]
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        write(path, obj, name, value, tmp_path)
    assert any(constraint in str(info.value) for constraint in constraints), str(info.value)
    obj.refresh_from_db()
    assert getattr(obj, name) != value


# Slugs
# -----


def fields_of_type(field_class):
    return {
        (model, field.name)
        for model in apps.get_app_config("articles").get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, field_class)
    }


def checked_by_the_database(model, name):
    """True if one of ``model``'s check constraints reads field ``name``."""

    def lookups(q):
        for child in q.children:
            yield from lookups(child) if isinstance(child, dj_models.Q) else [child[0]]

    return any(
        name in {lookup.split("__")[0] for lookup in lookups(constraint.condition)}
        for constraint in model._meta.constraints
        if isinstance(constraint, dj_models.CheckConstraint)
    )


def test_every_slug_field_is_checked_by_the_database():
    assert fields_of_type(dj_models.SlugField) == set(SLUG_FIELDS)
    assert all(checked_by_the_database(model, name) for model, name in SLUG_FIELDS)


@pytest.mark.django_db
@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize(("model", "name"), field_params(SLUG_FIELDS))
def test_invalid_slug_is_refused_on_every_write_path(tmp_path, model, name, path):
    obj = a_row(model)
    for value in ["bad slug!", "café", "", "story\n", "a/b"]:
        assert_refused(path, obj, name, value, tmp_path)


@pytest.mark.django_db
def test_slug_check_message_is_clear():
    section = Section(name="World", slug="bad slug!")
    with pytest.raises(ValidationError) as info:
        section.validate_constraints()
    assert info.value.messages == [
        "Enter a slug of unaccented letters, numbers, hyphens or underscores (no spaces or other characters)."
    ]


@pytest.mark.django_db
def test_database_takes_exactly_the_slugs_addresses_carry():
    """Every character the database takes in a slug reverses, and no other is taken.

    Checked one character at a time over ASCII and a few others, on each
    slugged model; the reader URL patterns are what ``reverse`` tries.
    """
    article = factories.ArticleFactory(slug="probe")
    section, author = article.section, factories.AuthorFactory(slug="probe")
    accepted = set()
    for char in [*map(chr, range(1, 128)), "é", "ß", "İ", "٣", "\u00a0", "\u2028"]:
        slug = f"a{char}b"
        taken = []
        for obj in (article, section, author):
            try:
                with transaction.atomic():
                    type(obj).objects.filter(pk=obj.pk).update(slug=slug)
                    obj.refresh_from_db()
                    taken.append(obj.get_absolute_url())
            except IntegrityError:
                pass
        assert len(taken) in (0, 3), (char, taken)
        if taken:
            accepted.add(char)
    assert accepted == set("-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


LISTINGS = ["/", "/section/{section}/", "/author/{author}/", "/search/", "/feeds/rss/", "/feeds/atom/"]
# "{stories}": the story sitemap part of the story's month.
SITEMAPS = ["/sitemap.xml", "{stories}", "/sitemap-sections.xml", "/sitemap-authors.xml"]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["-", "_", "0", "A", "a" * 255, "-_-", "UPPER_lower-09"])
def test_every_listing_survives_any_slug_the_database_takes(client, slug):
    """The pages that answered 500 for "bad slug!" list a story whatever valid slug it has."""
    article = factories.ArticleFactory(slug=slug, section=factories.SectionFactory(slug=slug[:100]))
    factories.BylineFactory(article=article, author=factories.AuthorFactory(slug=slug[:200]))
    urls = [url.format(section=slug[:100], author=slug[:200]) for url in LISTINGS]
    urls += [f"/feeds/section/{slug[:100]}/rss/", f"/feeds/author/{slug[:200]}/atom/", "/sitemap-news.xml"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert article.get_absolute_url() in response.content.decode(), url
    for url in SITEMAPS:
        url = url.format(stories=f"/sitemap-stories-{timezone.localtime(article.published_at):%Y-%m}.xml")
        response = client.get(url)
        assert response.status_code == 200, url
        assert sitemap_problems(response.content.decode()) == []
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["", "a/b", "</script><script>alert(1)</script>"])
def test_tag_slug_no_address_can_carry_leaves_the_tag_unlinked(client, slug):
    """Taggit's table has no check: such a tag is shown without a link, never a 500."""
    article = factories.ArticleFactory()
    tag = factories.TagFactory(name="Syria", slug="syria")
    factories.TaggedArticleFactory(content_object=article, tag=tag)
    Tag.objects.filter(pk=tag.pk).update(slug=slug)
    mark_content_changed(f"tag-{tag.pk}")  # update() sends no signal: announced the documented way

    story = client.get(article.get_absolute_url())
    assert story.status_code == 200
    html = story.content.decode()
    assert "<li>Syria</li>" in html
    assert runnable_markup(html) == []
    sitemap = client.get("/sitemap-tags.xml")
    assert sitemap.status_code == 200
    assert "/tag/" not in sitemap.content.decode()
    for url in ["/", "/search/", "/feeds/rss/", "/feeds/atom/", "/sitemap.xml"]:
        assert client.get(url).status_code == 200, url


# Web URLs
# --------


# Stricter still: only addresses an allow-listed provider recognises, refused before
# the database on every write path (tests/test_embeds.py); the database checks the scheme.
ALLOW_LISTED_URL_FIELDS = [(Embed, "url")]


def test_every_url_field_is_checked_by_the_database():
    assert fields_of_type(dj_models.URLField) == set(WEB_URL_FIELDS + ALLOW_LISTED_URL_FIELDS)
    for model, name in WEB_URL_FIELDS + ALLOW_LISTED_URL_FIELDS:
        assert isinstance(model._meta.get_field(name), WebURLField)
        assert checked_by_the_database(model, name)


@pytest.mark.django_db
@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize(("model", "name"), field_params(WEB_URL_FIELDS))
def test_script_url_is_refused_on_every_write_path(tmp_path, model, name, path):
    obj = a_row(model)
    for value in [*SCRIPT_URLS, "ftp://example.com/file", "//evil.example/"]:
        assert_refused(path, obj, name, value, tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), field_params(WEB_URL_FIELDS))
def test_web_urls_are_stored_as_written(model, name):
    obj = a_row(model)
    for value in ["https://example.com/", "HTTP://EXAMPLE.COM/Story?id=1", ""]:
        type(obj).objects.filter(pk=obj.pk).update(**{name: value})
        obj.refresh_from_db()
        assert getattr(obj, name) == value


@pytest.mark.django_db
def test_script_url_is_a_form_error_in_the_admin(editor_client):
    url = reverse("admin:articles_author_add")
    base = {"name": "Jane Reporter", "slug": "jane-reporter", "kind": "person"}
    for website in ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "ftp://example.com/"]:
        response = editor_client.post(url, {**base, "website": website})
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors == {"website": ["Enter a web address that starts with http:// or https://."]}, website
        assert response.context["adminform"].form["website"].value() == website  # the typing is kept
        assert not Author.objects.exists()
    response = editor_client.post(url, {**base, "website": "https://example.com/jane"})
    assert response.status_code == 302
    assert Author.objects.get().website == "https://example.com/jane"


@pytest.mark.django_db
def test_web_url_messages_are_clear():
    author = factories.AuthorFactory.build(website="javascript:alert(1)")
    with pytest.raises(ValidationError) as info:
        author.full_clean()
    assert info.value.message_dict == {"website": ["Enter a web address that starts with http:// or https://."]}
    with pytest.raises(ValidationError) as info:
        author.validate_constraints()
    assert info.value.messages == ["The website must be a web address that starts with http:// or https://."]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("HTTP://example.com", "HTTP://example.com"),
        ("", ""),
        (None, ""),
        *((url, "") for url in SCRIPT_URLS),
        ("ftp://example.com/", ""),
        ("//evil.example/", ""),
        ("/relative", ""),
        ("https://exa mple.com", ""),
    ],
)
def test_web_url_keeps_only_web_addresses(value, expected):
    assert web_url(value) == expected


@contextlib.contextmanager
def check_constraints_off(*models):
    """Let rows past the models' check constraints, as a database restored from before them would.

    PostgreSQL drops them inside the test's transaction, which puts them back
    when it rolls back (call this before writing anything: PostgreSQL will
    not alter a table with pending trigger events); SQLite has a switch.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
            return
        quote = connection.ops.quote_name
        for model in models:
            for constraint in model._meta.constraints:
                if isinstance(constraint, dj_models.CheckConstraint):
                    table, name = quote(model._meta.db_table), quote(constraint.name)
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        yield


@pytest.mark.django_db
def test_script_url_that_got_past_the_database_is_not_linked(client):
    """Rendering checks stored links again: one from before the constraints is dropped, not linked."""
    with check_constraints_off(Author, Article):
        article = factories.ArticleFactory(headline="Syndicated", canonical_url="javascript:alert(1)")
        author = factories.AuthorFactory(slug="jane", website="javascript:alert(1)")
        factories.BylineFactory(article=article, author=author)
    article.refresh_from_db()
    assert article.canonical_url == "javascript:alert(1)"

    author_page = client.get(author.get_absolute_url()).content.decode()
    assert runnable_markup(author_page) == []
    assert 'rel="me"' not in author_page

    story = client.get(article.get_absolute_url()).content.decode()
    assert runnable_markup(story) == []
    own_address = f"http://testserver{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{own_address}">' in story
    assert f'<meta property="og:url" content="{own_address}">' in story


# The migration
# -------------


def migration_keys():
    """``(before, after)``: this repair's migration and the one it follows."""
    executor = MigrationExecutor(connection)
    (key,) = [
        key
        for key in executor.loader.disk_migrations
        if key[0] == "articles" and key[1].endswith("_valid_slugs_and_web_urls")
    ]
    (before,) = executor.loader.disk_migrations[key].dependencies
    return before, key


@pytest.mark.django_db(transaction=True)
def test_migration_repairs_rows_that_would_break_the_constraints():
    before, after = migration_keys()
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        section = old.get_model("articles", "Section").objects.create(name="World", slug="bad slug!")
        old.get_model("articles", "Section").objects.create(name="Taken", slug="bad-slug")
        old.get_model("articles", "Section").objects.create(name="Middle East", slug="")
        nameless = old.get_model("articles", "Section").objects.create(name="!!!", slug="???")
        authors = old.get_model("articles", "Author").objects
        authors.create(name="Zoë", slug="zoë", website="javascript:alert(1)")
        authors.create(name="Desk", slug="desk", website=" https://example.com/desk\n")
        authors.create(name="Agency", slug="agency", website="www.example.com/agency")
        authors.create(name="Wire", slug="wire", website="ftp://example.com/")
        article = old.get_model("articles", "Article").objects.create(
            headline="Bad", slug="bad slug!", section=section, canonical_url="JavaScript:alert(1)"
        )
        redirects = old.get_model("articles", "SlugRedirect").objects
        redirects.create(article=article, old_slug="old slug")
        redirects.create(article=article, old_slug="bad slug?")  # would become the story's own slug
        old.get_model("articles", "Timeline").objects.create(title="Syria war timeline", slug="a/b")
        old.get_model("articles", "Profile").objects.create(name="Bashar al-Assad", slug="")

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps

        def slugs(model):
            return dict(new.get_model("articles", model).objects.values_list("pk", "slug"))

        assert sorted(slugs("Section").values()) == ["bad-slug", "bad-slug-2", "middle-east", f"section-{nameless.pk}"]
        assert sorted(slugs("Author").values()) == ["agency", "desk", "wire", "zoe"]
        websites = dict(new.get_model("articles", "Author").objects.values_list("slug", "website"))
        assert websites == {
            "zoe": "",
            "desk": "https://example.com/desk",
            "agency": "https://www.example.com/agency",
            "wire": "",
        }
        assert list(new.get_model("articles", "Article").objects.values_list("slug", "canonical_url")) == [
            ("bad-slug", "")
        ]
        assert list(new.get_model("articles", "SlugRedirect").objects.values_list("old_slug", flat=True)) == [
            "old-slug"
        ]
        assert list(slugs("Timeline").values()) == ["ab"]
        assert list(slugs("Profile").values()) == ["bashar-al-assad"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
