"""Feed autodiscovery: ``<link rel="alternate">`` for the feeds a page belongs to."""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html_join
from django.utils.translation import get_language, gettext

from articles.feeds import feed_kind, feed_title, feed_urls

register = template.Library()

FEED_TYPES = {"rss": ("application/rss+xml", "RSS"), "atom": ("application/atom+xml", "Atom")}


def _rows(obj):
    title = feed_title(obj)
    for flavour, href in feed_urls(obj).items():
        mimetype, format_name = FEED_TYPES[flavour]
        label = gettext("%(feed)s (%(format)s)") % {"feed": title, "format": format_name}
        yield mimetype, label, href


def _links(objects):
    return format_html_join(
        "\n", '<link rel="alternate" type="{}" title="{}" href="{}">', (row for obj in objects for row in _rows(obj))
    )


@functools.lru_cache(maxsize=128)
def _latest_links(language, script_prefix, urlconf):
    """The latest stories' links: the same on every page in one language and mount.

    Every reader page carries them, and working them out (two reverses and a
    translation) was a tenth of an uncached story page.
    """
    return _links([None])


@receiver(setting_changed)
def _forget_latest_links(*, setting, **kwargs):
    # The publication's name is in the titles; tests change URL confs through settings too.
    if setting in ("ARTICLES_PUBLICATION_NAME", "ROOT_URLCONF", "LANGUAGE_CODE", "USE_I18N", "LOCALE_PATHS"):
        _latest_links.cache_clear()


@register.simple_tag(takes_context=True)
def feed_links(context):
    """The latest stories' RSS and Atom links, and the listed ``feed_object``'s.

    ``feed_object`` (a Section, taggit Tag or Author) is already loaded by the
    listing view, so this costs no query.
    """
    latest = _latest_links(get_language(), get_script_prefix(), get_urlconf())
    feed_object = context.get("feed_object")
    if feed_kind(feed_object) is None:
        return latest
    return format_html_join("\n", "{}", [(latest,), (_links([feed_object]),)])
