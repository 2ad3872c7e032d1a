"""Feed autodiscovery: ``<link rel="alternate">`` for the feeds a page belongs to."""

from django import template
from django.utils.html import format_html_join
from django.utils.translation import gettext

from articles.feeds import feed_kind, feed_title, feed_urls

register = template.Library()

FEED_TYPES = {"rss": ("application/rss+xml", "RSS"), "atom": ("application/atom+xml", "Atom")}


@register.simple_tag(takes_context=True)
def feed_links(context):
    """The latest stories' RSS and Atom links, and the listed ``feed_object``'s.

    ``feed_object`` (a Section, taggit Tag or Author) is already loaded by the
    listing view, so this costs no query.
    """
    objects = [None]
    feed_object = context.get("feed_object")
    if feed_kind(feed_object) is not None:
        objects.append(feed_object)
    rows = []
    for obj in objects:
        title = feed_title(obj)
        for flavour, href in feed_urls(obj).items():
            mimetype, format_name = FEED_TYPES[flavour]
            label = gettext("%(feed)s (%(format)s)") % {"feed": title, "format": format_name}
            rows.append((mimetype, label, href))
    return format_html_join("\n", '<link rel="alternate" type="{}" title="{}" href="{}">', rows)
