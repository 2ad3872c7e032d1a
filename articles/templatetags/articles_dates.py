"""``{{ article.published_at|dateline }}``: a publication time as readers read it (articles.dates).

The ``datetime=`` attribute next to it stays ISO 8601
(``{{ article.published_at|machine_datetime }}``); only the visible text
follows the language.
"""

from django import template

from articles import dates

register = template.Library()


@register.filter(expects_localtime=True)
def dateline(value):
    if not value:
        return ""
    return dates.dateline(value)


@register.filter(expects_localtime=True)
def machine_datetime(value):
    """The same as ``|date:'Y-m-d\\TH:i:sO'`` (a ``datetime`` attribute), formatted once per moment."""
    if not value:
        return ""
    return dates.machine(value)
