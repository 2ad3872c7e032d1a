"""What stored renders and cached pages were made with, besides the content: templates and settings.

A deploy that changes a template, a translation or a setting the pages
show (the publication's name, its logo, how many related stories) must not
leave readers with pages made the old way until each story is next edited.
:func:`fingerprint` hashes the template files every engine can load and the
compiled translation catalogs (their paths, sizes and modification times)
and those settings, once per process;
stored renders made under another fingerprint are rendered again on their
next read, and the page cache's keys include it. ``manage.py refresh_pages``
remains for what no file or setting shows (e.g. a template tag's code).
"""

import functools
import hashlib
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.template.utils import get_app_template_dirs

from articles.conf import settings

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


def _template_dirs():
    dirs = set()
    for engine in engines.all():
        dirs.update(Path(directory) for directory in getattr(engine, "dirs", ()))
        if getattr(engine, "app_dirs", False):
            dirs.update(Path(directory) for directory in get_app_template_dirs("templates"))
    return sorted(dirs)


def _catalog_files():
    """The .mo files gettext may read: Django's, every installed app's ``locale`` and LOCALE_PATHS."""
    dirs = [Path(django.__file__).parent / "conf" / "locale"]
    dirs += [Path(path) for path in django_settings.LOCALE_PATHS]
    dirs += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    return sorted({path for directory in dirs if directory.is_dir() for path in directory.rglob("*.mo")})


@functools.cache
def fingerprint():
    digest = hashlib.sha256()
    for name in SHOWN_SETTINGS:
        digest.update(f"{name}={getattr(settings, name)!r}\n".encode())
    for name in _SEEN_DJANGO_SETTINGS:
        digest.update(f"{name}={getattr(django_settings, name, None)!r}\n".encode())
    for directory in _template_dirs():
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for path in _catalog_files():
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    """Settings changed (tests): work the fingerprint out again if it covers that setting."""
    if setting in _SEEN_DJANGO_SETTINGS or setting.removeprefix("ARTICLES_") in SHOWN_SETTINGS:
        fingerprint.cache_clear()
