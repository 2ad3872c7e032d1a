"""``{{ article.published_at|dateline }}``: a publication time as readers read it (articles.dates).

The ``datetime=`` attribute next to it stays ISO 8601 (``|date:'c'``-style);
only the visible text follows the language.
"""

from django import template

from articles import dates

register = template.Library()


@register.filter(expects_localtime=True)
def dateline(value):
    if not value:
        return ""
    return dates.dateline(value)
