"""The printed byline: ``{% byline article %}``.

"By Jane Hack and Reuters. Additional reporting by Our Foreign Staff": each
role's group in first-appearance order, authors with a page linked. Written
in Python rather than drawn by template tags per author: every story card
carries one, and the template version (a loop, a role label, a translation
and a link per author) was a fifth of a list page's time, about 10 ms for
twenty cards. ``articles/includes/byline.html`` calls this tag, so a site
that wants other markup overrides that template.
"""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext

from articles.models import Byline

register = template.Library()


@functools.lru_cache(maxsize=64)
def _words(language):
    """Each role's label ("By", "Additional reporting by") and the "and" between names, in ``language``.

    ``get_role_display()`` translated all six role labels on every call (it
    hashes the choices), six translations a byline.
    """
    roles = {role.value: capfirst(str(role.label)) for role in Byline.Role}
    return roles, format_html(" {} ", gettext("and"))


@receiver(setting_changed)
def _forget_words(*, setting, **kwargs):
    if setting in ("LANGUAGE_CODE", "LANGUAGES", "USE_I18N", "LOCALE_PATHS", "INSTALLED_APPS"):
        _words.cache_clear()


def _author(byline):
    author = byline.author
    if author.slug:
        return format_html('<a class="byline__author" href="{}">{}</a>', author.get_absolute_url(), author.name)
    return format_html('<span class="byline__author">{}</span>', author.name)


def _names(group, joiner):
    """ "Jane Hack", "Jane Hack and Reuters", "Jane Hack, Reuters and AP"."""
    names = [_author(byline) for byline in group]
    if len(names) == 1:
        return names[0]
    return mark_safe(", ".join(names[:-1]) + joiner + names[-1])  # every part escaped by format_html


@register.simple_tag
def byline(article):
    """The story's bylines as one ``<p class="byline">``, from its prefetched bylines (no query)."""
    groups = article.byline_groups()
    if not groups:
        return mark_safe('<p class="byline"></p>')
    roles, joiner = _words(get_language())
    # Between role groups the ". " is text, so plain-text readers (feeds, extractors) read it too.
    return format_html(
        '<p class="byline">{}</p>',
        mark_safe(
            ". ".join(
                format_html(
                    '<span class="byline__group">{} {}</span>',
                    # A role no longer offered (an old row) reads as stored, as get_role_display() does.
                    roles.get(group[0].role) or capfirst(group[0].role),
                    _names(group, joiner),
                )
                for group in groups
            )
        ),
    )
