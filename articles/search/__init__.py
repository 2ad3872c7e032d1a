"""Full-text search: the search document, its index and the query (issue 10).

One search document per story, built from what is stored: the headline
(weighted highest), the standfirst, the tags and the bylines' names, and the
body's text (rich-text blocks with their markup stripped, pull quotes, the
captions of image blocks).
Markup is never in a document, so a search for ``href`` or ``strong`` never
matches a link or bold text.

- PostgreSQL: a ``tsvector`` column ``articles_article.search_document``
  with a GIN index (migration ``0009_story_search``; not a model field, so
  forms, fixtures and ``save()`` never read or write it). Queries use
  ``websearch_to_tsquery`` in the configuration of the publication's
  language (:func:`search_config`).
- SQLite: an FTS5 table ``articles_search`` (rowid = story id) ranked with
  ``bm25``; where SQLite lacks FTS5, a plain table of the same plain text
  searched with ``LIKE`` (:mod:`articles.search.sqlite`).

Documents are rebuilt by :func:`index_stories` (bulk: imports call it per
batch) and kept current by :func:`reindex_changed`, which
``articles.delivery.changes.apply`` calls after a committed change, before
the change's keys get new versions (so no search page can be cached from
the old documents once they have): it reindexes the stories named by ``article-<pk>`` keys and the stories of changed
authors (``author-<pk>``) and tags (``tag-<pk>``). A rolled-back change is
never announced, so never indexed.
"""

import logging

from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from articles.conf import settings

logger = logging.getLogger(__name__)

# PostgreSQL's built-in text-search configurations, by ISO 639-1 language code.
CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}


def search_config():
    """ARTICLES_SEARCH_CONFIG, or the configuration of the publication's language ("simple" if none)."""
    if settings.SEARCH_CONFIG:
        return settings.SEARCH_CONFIG
    language = (settings.PUBLICATION_LANGUAGE or django_settings.LANGUAGE_CODE).lower().split("-")[0]
    return CONFIGS.get(language, "simple")


def _backend(using):
    vendor = connections[using].vendor
    if vendor == "postgresql":
        from articles.search import postgres

        return postgres
    if vendor == "sqlite":
        from articles.search import sqlite

        return sqlite
    return None


def index_stories(pks, using=None):
    """Rebuild the search documents of the stories ``pks``; returns how many stories were indexed.

    A few statements per call whatever the number of stories, inside the
    caller's transaction. Stories that no longer exist lose their document.
    """
    using = using or DEFAULT_DB_ALIAS
    pks = sorted({int(pk) for pk in pks})
    backend = _backend(using)
    if not pks or backend is None:
        return 0
    return backend.index_stories(pks, using)


def all_story_pks(using=None):
    from articles.models import Article

    return Article.objects.using(using or DEFAULT_DB_ALIAS).order_by("pk").values_list("pk", flat=True)


def stories_for_keys(changed, using):
    """The stories whose documents the keys ``changed`` touch: named stories, and those of named authors and tags."""
    from articles.models import Byline, TaggedArticle

    stories, authors, tags = set(), set(), set()
    for key in changed:
        kind, _, pk = key.rpartition("-")
        if not pk.isdigit():
            continue
        if kind == "article":
            stories.add(int(pk))
        elif kind == "author":
            authors.add(int(pk))
        elif kind == "tag":
            tags.add(int(pk))
    if authors:
        stories.update(Byline.objects.using(using).filter(author__in=authors).values_list("article_id", flat=True))
    if tags:
        stories.update(
            TaggedArticle.objects.using(using).filter(tag__in=tags).values_list("content_object_id", flat=True)
        )
    return stories


# Stories reindexed per statement when an author or tag with many stories changes.
RECEIVER_BATCH = 2000


def reindex_changed(sender=None, keys=frozenset(), using=DEFAULT_DB_ALIAS, **kwargs):
    """Reindex what a committed change touched (``articles.delivery.changes.apply``, before its keys move).

    Errors are logged, never raised: the editor's change is committed, and a
    stale search document is fixed by the next save or by
    ``manage.py rebuild_search_index``.
    """
    try:
        pks = sorted(stories_for_keys(keys, using))
        for start in range(0, len(pks), RECEIVER_BATCH):
            with transaction.atomic(using=using):
                index_stories(pks[start : start + RECEIVER_BATCH], using=using)
    except Exception:
        logger.exception("Could not update the search index for %s; run manage.py rebuild_search_index.", keys)


def text_search(text, using=None):
    """The query object for ``text`` on ``using``'s database (see :class:`articles.search.query.TextSearch`)."""
    from articles.search.query import TextSearch

    return TextSearch(text, using or DEFAULT_DB_ALIAS)
