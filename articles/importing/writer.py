"""Writing prepared stories in bulk, a constant number of statements per batch.

On PostgreSQL with psycopg 3 the rows go in with ``COPY … FROM STDIN``:
story ids are reserved from the table's sequence first (one ``nextval``
over ``generate_series``), so bylines, tag rows and body blocks can name
their story without reading anything back. Elsewhere (SQLite) it is
``bulk_create``, which returns the new ids.

Columns come from each model's ``_meta`` (concrete, not generated), never
from a list written here, so a column another migration adds (a search
document, say) is written with its model default. COPY skips the ORM's
``get_db_prep_save``; it is called here for every field whose class is not
a plain one known to need no conversion (rich text is sanitised that way,
as every other write path does).

With ``index=True`` each story gets its search document as it is written:
on PostgreSQL the story rows are copied into a temporary table and moved
into ``articles_article`` by one ``INSERT … SELECT`` that builds the
documents (``articles.search.postgres.insert_indexed_sql``), after the
blocks, tags and bylines the documents are built from (the foreign keys are
checked at commit); elsewhere ``articles.search.index_stories`` runs after
the writes.

No signals are sent (bulk writes send none): callers announce the stories'
keys (``articles.delivery.changes``).
"""

import dataclasses
import uuid

from django.db import connections, models

from articles import widgets
from articles.models import Article, Byline, Embed, ImageBlock, PullQuote, RichText, TaggedArticle, in_print

# Field classes whose Python values PostgreSQL takes as they are in COPY.
_PLAIN = {
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateTimeField,
    models.ForeignKey,
    models.ImageField,
    models.IntegerField,
    models.PositiveBigIntegerField,
    models.PositiveIntegerField,
    models.SlugField,
    models.TextField,
    models.UUIDField,
}


@dataclasses.dataclass
class PreparedStory:
    """A story ready to write: field values by attname, and the rows that hang on it."""

    article: dict
    bylines: list = dataclasses.field(default_factory=list)  # [(author_id, role)]
    tag_ids: list = dataclasses.field(default_factory=list)
    blocks: list = dataclasses.field(default_factory=list)  # [(block model, {attname: value})], in body order


def paragraphs_html(texts):
    """Paragraphs of plain text as one rich-text block's HTML, word for word."""
    from html import escape

    return "".join(f"<p>{escape(text, quote=False)}</p>" for text in texts)


class _Table:
    """How to write one model's rows: its columns and, for each, a default and a conversion."""

    def __init__(self, model, connection, with_pk):
        self.model = model
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not getattr(field, "generated", False) and (with_pk or not field.primary_key)
        ]
        self.columns = [connection.ops.quote_name(field.column) for field in self.fields]
        self.connection = connection
        self.defaults = []
        for field in self.fields:
            if field.primary_key:
                self.defaults.append((False, None))
            elif field.has_default() and callable(field.default):
                self.defaults.append((True, field.default))
            else:
                self.defaults.append((False, field.get_default()))
        self.prepare = [
            None if type(field) in _PLAIN else (lambda value, field=field: field.get_db_prep_save(value, connection))
            for field in self.fields
        ]

    def row(self, values):
        out = []
        for field, (call, default), prepare in zip(self.fields, self.defaults, self.prepare, strict=True):
            value = values.get(field.attname, _MISSING)
            if value is _MISSING:
                value = default() if call else default
            out.append(value if prepare is None else prepare(value))
        return out

    def copy(self, cursor, rows, table=None):
        table = table or self.connection.ops.quote_name(self.model._meta.db_table)
        sql = f"COPY {table} ({', '.join(self.columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for values in rows:
                copy.write_row(self.row(values))


_MISSING = object()


def block_models():
    """Every body block model: text, pull quotes, embeds, pictures and each widget kind's placement."""
    return [RichText, PullQuote, Embed, ImageBlock, *(kind.block for kind in widgets.kinds())]


class StoryWriter:
    """Writes batches of :class:`PreparedStory` on one database; call inside the caller's transaction."""

    def __init__(self, using="default"):
        self.using = using
        self.connection = connections[using]
        self.copying = self.connection.vendor == "postgresql" and self._psycopg3()
        if self.copying:
            self.tables = {
                model: _Table(model, self.connection, with_pk=model is Article)
                for model in (Article, Byline, TaggedArticle, *block_models())
            }

    def _psycopg3(self):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return False
        return self.connection.Database.__name__ == "psycopg"

    def write(self, stories, index=False):
        """Write ``stories`` (with their search documents if ``index``); return their new ids, in order."""
        from articles import search

        if not stories:
            return []
        if self.copying:
            return self._copy(stories, index)
        pks = self._bulk_create(stories)
        if index:
            search.index_stories(pks, using=self.using)
        return pks

    # -- PostgreSQL ------------------------------------------------------------------

    def _reserve_ids(self, cursor, count):
        table = Article._meta.db_table
        column = Article._meta.pk.column
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]

    # Where a batch's story rows wait for their search documents: the table's
    # columns and defaults, no index, private to the connection.
    STAGE = "articles_import_stories"

    def _copy(self, stories, index):
        from articles.search import postgres, search_config

        self.connection.ensure_connection()
        # The driver's own cursor: Django's wrapper has no copy().
        with self.connection.connection.cursor() as cursor:
            pks = self._reserve_ids(cursor, len(stories))
            articles, bylines, tagged, blocks = [], [], [], {}
            for pk, story in zip(pks, stories, strict=True):
                articles.append({**story.article, "id": pk})
                # The copies the story's trigger would give them, so it need not rewrite them.
                byline_copies = in_print.link_copies(Byline._meta.db_table, story.article)
                tag_copies = in_print.link_copies(TaggedArticle._meta.db_table, story.article)
                bylines += [
                    {"article_id": pk, "author_id": author, "role": role, "position": n, **byline_copies}
                    for n, (author, role) in enumerate(story.bylines)
                ]
                tagged += [{"content_object_id": pk, "tag_id": tag, **tag_copies} for tag in story.tag_ids]
                for model, values in story.blocks:
                    blocks.setdefault(model, []).append({**values, "parent_id": pk, "region": "body"})
            for model, rows in ((Byline, bylines), (TaggedArticle, tagged), *blocks.items()):
                if rows:
                    self.tables[model].copy(cursor, rows)
            story_table = self.tables[Article]
            if not index:
                story_table.copy(cursor, articles)
                return pks
            # Created in the batch's transaction (a rolled-back batch drops it),
            # emptied after use (the caller may hold one transaction over many batches).
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.STAGE} (LIKE articles_article INCLUDING DEFAULTS)"
            )
            story_table.copy(cursor, articles, table=self.STAGE)
            cursor.execute(
                postgres.insert_indexed_sql(self.STAGE, story_table.columns),
                {"config": search_config()},
            )
            cursor.execute(f"TRUNCATE {self.STAGE}")
        return pks

    # -- Anything else ---------------------------------------------------------------

    def _bulk_create(self, stories):
        db = self.using
        created = Article.objects.using(db).bulk_create([Article(**story.article) for story in stories])
        pks = [article.pk for article in created]
        bylines, tagged, blocks = [], [], {}
        for pk, story in zip(pks, stories, strict=True):
            # With the copies their triggers would give them, so the triggers need not rewrite each row.
            byline_copies = in_print.link_copies(Byline._meta.db_table, story.article)
            tag_copies = in_print.link_copies(TaggedArticle._meta.db_table, story.article)
            bylines += [
                Byline(article_id=pk, author_id=author, role=role, position=n, **byline_copies)
                for n, (author, role) in enumerate(story.bylines)
            ]
            tagged += [TaggedArticle(content_object_id=pk, tag_id=tag, **tag_copies) for tag in story.tag_ids]
            for model, values in story.blocks:
                blocks.setdefault(model, []).append(model(**values, parent_id=pk, region="body", uid=uuid.uuid4()))
        for model, rows in ((Byline, bylines), (TaggedArticle, tagged), *blocks.items()):
            if rows:
                # SQLite's limit on variables per statement: Django splits the INSERT as needed.
                model.objects.using(db).bulk_create(rows)
        return pks
