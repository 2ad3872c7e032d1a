"""Links built from stored values, checked as they are rendered.

``{{ author.website|web_url }}`` is the address if it is http(s), else empty;
``{{ tag|tag_url }}`` is the tag's page, or empty when its slug cannot be an
address. A template shows the link only when the filter gives one.
"""

from django import template

from articles.models import tag_url as _tag_url
from articles.weblinks import web_url as _web_url

register = template.Library()


@register.filter
def web_url(value):
    return _web_url(value)


@register.filter
def tag_url(tag):
    return _tag_url(tag)
