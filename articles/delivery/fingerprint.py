"""What stored renders, cached pages and ETags were made with, besides the content: the deploy and settings.

A deploy that changes a template (the app's, or the site's own ``base.html``),
a translation or a setting the pages show (the publication's name, its logo, how many
related stories) must not leave readers with pages made the old way, nor
answer 304 to an ``ETag`` from before it. Two values, each worked out once
per process:

- :func:`deploy_version`: ``ARTICLES_DEPLOY_VERSION`` when the site sets one
  (e.g. the git commit it deploys), else derived from what was deployed: the
  static files manifest's hash when the static storage keeps one
  (``ManifestStaticFilesStorage`` and its subclasses: a changed stylesheet is
  a changed page) and a hash of every template file the engines can load
  (its path inside its template folder and its bytes). Contents, not
  modification times: servers that were handed the same files agree on the
  version, so they share cached pages and answer each other's ETags, however
  and whenever the files were copied. Every reader ``ETag`` includes it
  (``articles.delivery.http.content_etag``).
- :func:`deployed_at`: when the deploy version was first served, as the
  processes sharing the page cache agree (the first one records it there).
  ``Last-Modified`` is never earlier, so a client revalidating with
  ``If-Modified-Since`` alone gets no 304 for a copy from before the deploy.
- :func:`fingerprint`: the deploy version and the settings the pages show;
  the page cache's keys include it, and stored story renders made under
  another fingerprint are rendered again on their next read.

None costs a query. ``manage.py refresh_pages`` remains for what no file
or setting shows (e.g. a template tag's Python code), unless the deploy
version is a commit id, which covers that too.
"""

import datetime
import functools
import hashlib
import logging
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.template.utils import get_app_template_dirs
from django.utils import timezone
from django.utils.autoreload import file_changed

from articles.conf import settings

logger = logging.getLogger(__name__)

# Django's settings that change what the pages say or link to.
_SEEN_DJANGO_SETTINGS = (
    "LANGUAGE_CODE",
    "USE_I18N",
    "LOCALE_PATHS",
    "TIME_ZONE",
    "USE_TZ",
    "STATIC_URL",
    "MEDIA_URL",
    "TEMPLATES",
)
# The app settings whose values reader pages show, in their bytes or their headers.
SHOWN_SETTINGS = (
    "PUBLICATION_NAME",
    "PUBLISHER_LOGO_URL",
    "PUBLICATION_LANGUAGE",
    "RELATED_COUNT",
    "PAGINATE_BY",
    "FEED_SIZE",
    "READER_MAX_AGE",
    "EDGE_MAX_AGE",
)
# Django's settings that decide where the derived deploy version reads from.
_DEPLOY_DJANGO_SETTINGS = ("TEMPLATES", "INSTALLED_APPS", "STORAGES", "STATIC_ROOT")


def _template_dirs():
    """Every folder a template engine loads from, in the order the engines search them."""
    dirs = {}  # ordered and without repeats
    for engine in engines.all():
        for directory in getattr(engine, "dirs", ()):
            dirs[Path(directory)] = None
        if getattr(engine, "app_dirs", False):
            for directory in get_app_template_dirs("templates"):
                dirs[Path(directory)] = None
    return list(dirs)


def template_files_hash():
    """A hash of every template file's name (inside its folder) and bytes.

    The folders' own locations are left out, so that two servers with the
    app installed in different places still agree; their order is kept, as
    it decides which of two same-named templates is used.
    """
    digest = hashlib.sha256()
    for directory in _template_dirs():
        digest.update(b"\0dir\n")
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            try:
                content = path.read_bytes()
            except OSError:
                # Unreadable here, so unusable by the engines too: it cannot be on a page.
                continue
            digest.update(f"{path.relative_to(directory).as_posix()}\0".encode())
            digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()[:16]


def static_manifest_hash():
    """The static files manifest's hash (``staticfiles.json``), or ``""`` when the storage keeps none."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    try:
        if not isinstance(staticfiles_storage, ManifestFilesMixin):
            return ""
        return staticfiles_storage.manifest_hash or ""
    except ImproperlyConfigured:
        # A manifest storage without STATIC_ROOT: Django's {% static %} fails
        # the same way, and says why; the version need not.
        return ""


@functools.cache
def deploy_version():
    """``ARTICLES_DEPLOY_VERSION``, or one derived from the static manifest and the template files."""
    if settings.DEPLOY_VERSION is not None:
        return str(settings.DEPLOY_VERSION)
    return f"{static_manifest_hash()[:12]}{template_files_hash()}{catalog_files_hash()}"


@functools.cache
def deployed_at():
    """When this deploy version was first served: by any process sharing the page cache, else by this one.

    Rounded up to the next second, as HTTP dates are whole seconds: a page
    changed in the second the deploy began is still older than it. A cache
    that fails or forgets the moment gives a later one, so ``Last-Modified``
    errs towards a 200, never towards a stale 304. One cache round trip per
    process and version; no query.
    """
    from articles.delivery.resilient_cache import ReaderCache

    now = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=1)
    if settings.PAGE_CACHE is None:
        return now
    cache = ReaderCache(settings.PAGE_CACHE)
    key = f"articles.deployed:{deploy_version()}"
    cache.add(key, now, None)  # the first process to serve this version sets it
    seen = cache.get(key)
    return seen if isinstance(seen, datetime.datetime) else now


def _catalog_dirs():
    """The folders of .mo files gettext may read, each with a name that is the same on every server."""
    dirs = [("django", Path(django.__file__).parent / "conf" / "locale")]
    dirs += [(f"LOCALE_PATHS[{n}]", Path(path)) for n, path in enumerate(django_settings.LOCALE_PATHS)]
    dirs += [(config.label, Path(config.path) / "locale") for config in apps.get_app_configs()]
    return dirs


def catalog_files_hash():
    """A hash of every compiled translation catalog's name and bytes (Django's, the apps', LOCALE_PATHS)."""
    digest = hashlib.sha256()
    for name, directory in _catalog_dirs():
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.mo")):
            try:
                content = path.read_bytes()
            except OSError:
                continue  # unreadable here, so by gettext too
            digest.update(f"{name}/{path.relative_to(directory).as_posix()}\0".encode())
            digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()[:16]


@functools.cache
def fingerprint():
    digest = hashlib.sha256()
    for name in SHOWN_SETTINGS:
        digest.update(f"{name}={getattr(settings, name)!r}\n".encode())
    for name in _SEEN_DJANGO_SETTINGS:
        digest.update(f"{name}={getattr(django_settings, name, None)!r}\n".encode())
    digest.update(f"deploy={deploy_version()}\n".encode())
    return digest.hexdigest()[:16]


def forget():
    """Work both out again on next use."""
    deploy_version.cache_clear()
    deployed_at.cache_clear()
    fingerprint.cache_clear()


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    """Settings changed (tests): work the values out again if they cover that setting."""
    if setting in _DEPLOY_DJANGO_SETTINGS or setting == "ARTICLES_DEPLOY_VERSION":
        forget()
    elif setting in ("ARTICLES_PAGE_CACHE", "CACHES"):
        # Only the moment, which is recorded in that cache: the version is the
        # same files' hash (some 100 ms of reading templates and catalogs).
        deployed_at.cache_clear()
    elif setting in _SEEN_DJANGO_SETTINGS or setting.removeprefix("ARTICLES_") in SHOWN_SETTINGS:
        fingerprint.cache_clear()


@receiver(file_changed)
def _template_edited(*, file_path, **kwargs):
    """``runserver``: a template edited while it runs is a new deploy (it reloads templates, not the process).

    Returns nothing, so the autoreloader still decides whether to restart.
    """
    if settings.DEPLOY_VERSION is None and file_path.suffix != ".py":
        edited = Path(file_path).resolve()
        if any(directory.resolve() in edited.parents for directory in _template_dirs()):
            forget()
