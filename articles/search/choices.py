"""The search form's option lists, read and written once per change instead of once per search.

Every search page offers every section, every topic in print and every
author: at a million stories about 420 options, three queries and their
escaping, a fifth of a search page's time, and the same for every reader
until one of those lists changes. Search pages are never kept in the page
cache (each query is its own page), so each list's ``<option>`` markup is
kept here, per process, and used while the versions of the keys that name
the lists (``articles.delivery.keys``: ``sections``, ``tags``, ``authors``,
``stories`` for which topics are in print, and ``site``) are the ones it was
made under: one query per search reads them. The topics list also ends when
the next story scheduled with a topic comes due.

Names are not translated, so one list serves every language; the empty
choice ("All sections") is written per request.
"""

import dataclasses
import datetime
import functools
import threading

from django.db.models import Min
from django.utils import timezone
from django.utils.html import conditional_escape

from articles.delivery import keys
from articles.delivery.page_cache import read_versions

KEYS = (keys.SITE, keys.STORIES, keys.SECTIONS, keys.TAGS, keys.AUTHORS)


class Versions:
    """The lists' key versions for one request: read when the first list is written, once."""

    def __init__(self, alias):
        self.alias = alias

    @functools.cached_property
    def token(self):
        versions = read_versions(KEYS)
        return tuple(versions.get(key) for key in KEYS)


@dataclasses.dataclass(frozen=True)
class Options:
    """One list's options: ``<option>`` markup with nothing selected, the values it holds, and until when it holds."""

    token: tuple
    until: datetime.datetime | None
    html: str
    values: frozenset

    def select(self, chosen):
        """The markup with ``chosen`` (values as strings) selected."""
        html = self.html
        for value in chosen:
            if value in self.values:
                opening = f'<option value="{conditional_escape(value)}">'
                html = html.replace(opening, f"{opening[:-1]} selected>", 1)
        return html


_kept = {}
_lock = threading.Lock()


def _until(name, queryset):
    """When the topics list changes by itself: the next story scheduled with a topic comes due."""
    if name != "tag":
        return None
    from articles.models import TaggedArticle, in_print

    if not in_print.kept(queryset.db):
        return timezone.now() + datetime.timedelta(minutes=1)  # no copies to ask: look again soon
    rows = TaggedArticle.objects.using(queryset.db).filter(story_published_at__gt=timezone.now())
    return rows.aggregate(due=Min("story_published_at"))["due"]


def options(name, queryset, to_field, versions):
    """The kept :class:`Options` of list ``name`` (``queryset``'s ``to_field`` and names), made again if stale."""
    token = versions.token
    key = (name, versions.alias)
    kept = _kept.get(key)
    if kept is not None and kept.token == token and (kept.until is None or timezone.now() < kept.until):
        return kept
    until = _until(name, queryset)
    rows = list(queryset.values_list(to_field, "name"))
    html = "\n".join(
        f'<option value="{conditional_escape(value)}">{conditional_escape(label)}</option>' for value, label in rows
    )
    made = Options(token=token, until=until, html=html, values=frozenset(str(value) for value, _label in rows))
    with _lock:
        _kept[key] = made
    return made


def forget():
    """Drop every kept list (tests; a process that changed what the lists show by other means)."""
    with _lock:
        _kept.clear()
