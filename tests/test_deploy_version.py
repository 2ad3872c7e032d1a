"""A deploy serves no page made before it (articles.delivery.fingerprint).

The page cache's keys and every reader ETag include the deploy version:
``ARTICLES_DEPLOY_VERSION``, or one derived from the static manifest and the
template files' contents.
"""

import datetime
import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils.autoreload import file_changed
from django.utils.http import parse_http_date

from articles.delivery import fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_templates(tmp_path, settings):
    """The project's template settings with one more folder, holding a site base template."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site_base.html").write_text("<title>{% block title %}{% endblock %}</title>\n")
    engine = dict(django_settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"], folder]
    settings.TEMPLATES = [engine]
    return folder


@pytest.mark.parametrize("page", ["home", "story"])
def test_a_new_deploy_version_serves_no_page_cached_before_it(client, seed_story, settings, page_cache_log, page):
    url = "/" if page == "home" else seed_story.get_absolute_url()
    settings.ARTICLES_DEPLOY_VERSION = "release-1"
    first, _ = page_cache_log(client, url)
    again, outcome = page_cache_log(client, url, if_none_match=first["ETag"])
    assert (again.status_code, outcome) == (304, "hit")

    settings.ARTICLES_DEPLOY_VERSION = "release-2"
    after, outcome = page_cache_log(client, url, if_none_match=first["ETag"])
    assert after.status_code == 200
    assert outcome == "miss"  # not the copy from before, neither the process's own nor the shared cache's
    assert after.content == first.content  # the same bytes: only the version tells the ETags apart
    assert after["ETag"] != first["ETag"]

    # The same version again: hits and 304s as before.
    again, outcome = page_cache_log(client, url, if_none_match=after["ETag"])
    assert (again.status_code, outcome) == (304, "hit")


def test_the_etag_of_an_uncached_page_carries_the_version_too(client, seed_story, settings):
    settings.ARTICLES_PAGE_CACHE = None
    settings.ARTICLES_DEPLOY_VERSION = "release-1"
    before = client.get("/")
    assert client.get("/", headers={"if-none-match": before["ETag"]}).status_code == 304
    settings.ARTICLES_DEPLOY_VERSION = "release-2"
    assert client.get("/", headers={"if-none-match": before["ETag"]}).status_code == 200


def test_the_version_costs_no_query(seed_story, django_assert_num_queries):
    fingerprint.forget()
    with django_assert_num_queries(0):
        assert fingerprint.deploy_version()
        assert fingerprint.fingerprint()


def test_a_set_deploy_version_is_used_as_it_is_without_reading_files(settings, monkeypatch):
    def no_reading():
        raise AssertionError("the template files were read")

    monkeypatch.setattr(fingerprint, "template_files_hash", no_reading)
    settings.ARTICLES_DEPLOY_VERSION = "3f2c9e1"
    assert fingerprint.deploy_version() == "3f2c9e1"


def test_the_derived_version_follows_a_template_files_content_not_its_modification_time(site_templates):
    base = site_templates / "site_base.html"
    before = fingerprint.deploy_version()
    stat = base.stat()

    # Same size, same modification time, other bytes: a new version.
    base.write_text(base.read_text().replace("title>", "TITLE>"))
    os.utime(base, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert base.stat().st_size == stat.st_size
    fingerprint.forget()
    edited = fingerprint.deploy_version()
    assert edited != before

    # Touched only (a copy at another time, on another server): the same version.
    os.utime(base, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**12))
    fingerprint.forget()
    assert fingerprint.deploy_version() == edited

    # A new template: a new version.
    (site_templates / "articles").mkdir()
    (site_templates / "articles" / "extra.html").write_text("x")
    fingerprint.forget()
    assert fingerprint.deploy_version() != edited


def test_servers_with_the_same_files_in_other_places_agree(tmp_path, site_templates, settings):
    elsewhere = tmp_path / "elsewhere" / "site"
    shutil.copytree(site_templates, elsewhere)
    here = fingerprint.deploy_version()
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"][:-1], elsewhere]
    settings.TEMPLATES = [engine]
    assert fingerprint.deploy_version() == here


def test_the_version_is_worked_out_once_per_process(site_templates):
    before = fingerprint.deploy_version()
    (site_templates / "site_base.html").write_text("{% block title %}{% endblock %}{% block head %}{% endblock %}")
    assert fingerprint.deploy_version() == before


def test_runserver_takes_an_edited_template_as_a_new_deploy(site_templates):
    """runserver reloads templates, not the process: its autoreloader's signal renews the version."""
    base = site_templates / "site_base.html"
    before = fingerprint.deploy_version()
    base.write_text("{% block title %}{% endblock %}{% block head %}{% endblock %}")
    file_changed.send(sender=None, file_path=Path(__file__))  # not a template: nothing changes
    assert fingerprint.deploy_version() == before
    results = file_changed.send(sender=None, file_path=base)
    assert fingerprint.deploy_version() != before
    # Django's own receiver still tells the autoreloader that no restart is needed.
    assert any(result for _, result in results)


def test_the_static_manifest_hash_is_part_of_the_version(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    manifest = tmp_path / "staticfiles.json"

    def deployed(manifest_hash):
        manifest.write_text(json.dumps({"version": "1.1", "paths": {}, "hash": manifest_hash}))
        settings.STATIC_URL = f"/static-{manifest_hash}/"  # a settings change: the storage reads its manifest again
        fingerprint.forget()
        return fingerprint.deploy_version()

    first = deployed("0123456789ab")
    assert first.startswith("0123456789ab")
    assert deployed("ba9876543210") != first


def test_if_modified_since_alone_gets_no_304_for_a_copy_from_before_a_deploy(
    client, seed_story, settings, monkeypatch, page_cache_log
):
    from django.utils import timezone

    settings.ARTICLES_DEPLOY_VERSION = "release-1"
    first = client.get("/")
    assert client.get("/", headers={"if-modified-since": first["Last-Modified"]}).status_code == 304

    later = timezone.now() + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    settings.ARTICLES_DEPLOY_VERSION = "release-2"
    after, outcome = page_cache_log(client, "/", if_modified_since=first["Last-Modified"])
    assert (after.status_code, outcome) == (200, "miss")
    assert parse_http_date(after["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert client.get("/", headers={"if-modified-since": after["Last-Modified"]}).status_code == 304


def test_processes_sharing_the_cache_agree_when_a_deploy_began(settings, monkeypatch):
    from django.utils import timezone

    settings.ARTICLES_DEPLOY_VERSION = "release-1"
    began = fingerprint.deployed_at()
    assert began > timezone.now()  # rounded up to a whole second
    later = timezone.now() + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    fingerprint.forget()  # another process, started later, on the same deploy
    assert fingerprint.deployed_at() == began
    settings.ARTICLES_DEPLOY_VERSION = "release-2"
    assert fingerprint.deployed_at() > later


def test_another_page_cache_asks_the_cache_for_the_moment_but_does_not_hash_the_files_again(settings, monkeypatch):
    """Switching the page cache (a setting change, as benchmarks and tests do) is no new deploy:
    reading every template and catalog again cost each switch some 100 ms."""
    version = fingerprint.deploy_version()
    monkeypatch.setattr(fingerprint, "template_files_hash", lambda: pytest.fail("hashed the templates again"))
    monkeypatch.setattr(fingerprint, "catalog_files_hash", lambda: pytest.fail("hashed the catalogs again"))
    began = fingerprint.deployed_at()
    settings.ARTICLES_PAGE_CACHE = None
    assert fingerprint.deploy_version() == version
    assert fingerprint.deployed_at() >= began  # worked out again: no cache to record it in
    settings.ARTICLES_PAGE_CACHE = "default"
    assert fingerprint.deploy_version() == version
