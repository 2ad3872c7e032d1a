"""Slugs that make addresses and links that cannot run script, held by the database.

Before the constraints go on, rows that would break them are repaired, so
``migrate`` never fails on a database that already holds such values:

- a slug that is not an ASCII slug (``bad slug!``, ``café``, empty) becomes
  its slugified form, or the slugified headline, name or title, made unique
  with ``-2``, ``-3``… (such a story could not be listed before: every page
  showing it answered 500);
- an old address (``SlugRedirect``) is slugified the same way, or dropped when
  nothing is left or the result is already another story's or redirect's;
- a website or canonical URL loses leading and trailing spaces and control
  characters; an address without a scheme (``www.example.com/x``) gets
  ``https://``, as the admin assumes; anything else that is not an http(s)
  address (``javascript:…``, ``data:…``, ``ftp://…``) is emptied.
"""

import re

from django.db import migrations, models
from django.utils.text import slugify

import articles.weblinks

SLUG_PATTERN = r"\A[-a-zA-Z0-9_]+\Z"
WEB_URL_PATTERN = r"\Ahttps?://\S+\Z"
WEB_URL = re.compile(WEB_URL_PATTERN, re.IGNORECASE)
BARE_HOST = re.compile(r"\A[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?\Z", re.IGNORECASE)
# What browsers ignore around an address: C0 controls, space and DEL.
AROUND_URL = "".join(map(chr, range(0x21))) + "\x7f"

# (model, slug field, the field a slug is made from when nothing of it is left)
SLUGGED = [
    ("article", "slug", "headline"),
    ("section", "slug", "name"),
    ("author", "slug", "name"),
    ("timeline", "slug", "title"),
    ("profile", "slug", "name"),
]
WEB_URLS = [("article", "canonical_url"), ("author", "website")]


def free_slug(base, taken, max_length):
    base = base[:max_length].strip("-") or "x"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
    taken.add(candidate)
    return candidate


def repair_slugs(apps, schema_editor):
    alias = schema_editor.connection.alias
    for model_name, field, source in SLUGGED:
        model = apps.get_model("articles", model_name)
        rows = model._base_manager.using(alias)
        bad = list(rows.exclude(**{f"{field}__regex": SLUG_PATTERN}).values_list("pk", field, source))
        if not bad:
            continue
        taken = set(rows.values_list(field, flat=True))
        max_length = model._meta.get_field(field).max_length
        for pk, slug, text in bad:
            base = slugify(slug) or slugify(text) or f"{model_name}-{pk}"
            rows.filter(pk=pk).update(**{field: free_slug(base, taken, max_length)})

    redirects = apps.get_model("articles", "SlugRedirect")._base_manager.using(alias)
    bad = list(redirects.exclude(old_slug__regex=SLUG_PATTERN).values_list("pk", "old_slug"))
    if bad:
        article = apps.get_model("articles", "Article")
        taken = set(redirects.values_list("old_slug", flat=True)) | set(
            article._base_manager.using(alias).values_list("slug", flat=True)
        )
        for pk, old_slug in bad:
            # An old address only forwards readers; one that would now name
            # another story (or nothing) is worth less than the story it shadows.
            repaired = slugify(old_slug)
            if not repaired or repaired in taken:
                redirects.filter(pk=pk).delete()
            else:
                taken.add(repaired)
                redirects.filter(pk=pk).update(old_slug=repaired)


def repaired_web_url(url):
    url = url.strip(AROUND_URL)
    if WEB_URL.match(url):
        return url
    if BARE_HOST.match(url):
        return f"https://{url}"
    return ""


def repair_web_urls(apps, schema_editor):
    alias = schema_editor.connection.alias
    for model_name, field in WEB_URLS:
        rows = apps.get_model("articles", model_name)._base_manager.using(alias)
        bad = rows.exclude(**{field: ""}).exclude(**{f"{field}__iregex": WEB_URL_PATTERN})
        for pk, url in list(bad.values_list("pk", field)):
            rows.filter(pk=pk).update(**{field: repaired_web_url(url)})


def repair(apps, schema_editor):
    repair_slugs(apps, schema_editor)
    repair_web_urls(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        # Run now the deferred foreign-key checks these writes queued:
        # PostgreSQL will not ALTER a table with pending trigger events, and
        # the constraints below are added in this same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def slug_check(name, field="slug"):
    return models.CheckConstraint(
        condition=models.Q((f"{field}__regex", SLUG_PATTERN)),
        name=name,
        violation_error_code="invalid_slug",
        violation_error_message=(
            "Enter a slug of unaccented letters, numbers, hyphens or underscores (no spaces or other characters)."
        ),
    )


def web_url_check(name, field, message):
    return models.CheckConstraint(
        condition=models.Q((field, ""), (f"{field}__iregex", WEB_URL_PATTERN), _connector="OR"),
        name=name,
        violation_error_code="invalid_web_url",
        violation_error_message=message,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_article_preview_key"),
    ]

    operations = [
        # Repairs cannot be undone; going back simply leaves them.
        migrations.RunPython(repair, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="article",
            name="canonical_url",
            field=articles.weblinks.WebURLField(
                blank=True,
                help_text="For syndicated copy: the address of the original story.",
                verbose_name="canonical URL",
            ),
        ),
        migrations.AlterField(
            model_name="author",
            name="website",
            field=articles.weblinks.WebURLField(blank=True, verbose_name="website"),
        ),
        migrations.AddConstraint(model_name="article", constraint=slug_check("articles_article_slug_valid")),
        migrations.AddConstraint(
            model_name="article",
            constraint=web_url_check(
                "articles_article_canonical_url_web",
                "canonical_url",
                "The canonical URL must be a web address that starts with http:// or https://.",
            ),
        ),
        migrations.AddConstraint(model_name="author", constraint=slug_check("articles_author_slug_valid")),
        migrations.AddConstraint(
            model_name="author",
            constraint=web_url_check(
                "articles_author_website_web",
                "website",
                "The website must be a web address that starts with http:// or https://.",
            ),
        ),
        migrations.AddConstraint(model_name="profile", constraint=slug_check("articles_profile_slug_valid")),
        migrations.AddConstraint(model_name="section", constraint=slug_check("articles_section_slug_valid")),
        migrations.AddConstraint(
            model_name="slugredirect",
            constraint=slug_check("articles_slugredirect_old_slug_valid", field="old_slug"),
        ),
        migrations.AddConstraint(model_name="timeline", constraint=slug_check("articles_timeline_slug_valid")),
    ]
