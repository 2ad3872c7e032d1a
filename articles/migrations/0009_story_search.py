"""Full-text search documents (issue 10): see ``articles.search``.

PostgreSQL: a ``tsvector`` column ``articles_article.search_document`` and
its GIN index. SQLite: the table ``articles_search`` (FTS5 where SQLite has
it). Neither is a model field or model: raw SQL, no state operations, so the
ORM, forms and fixtures never touch them. Existing stories are indexed in
batches here; ``manage.py rebuild_search_index`` does the same at any time.
"""

from django.db import migrations

FILL_BATCH = 2000


def _backend(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from articles.search import postgres

        return postgres
    if vendor == "sqlite":
        from articles.search import sqlite

        return sqlite
    return None


def create(apps, schema_editor):
    backend = _backend(schema_editor)
    if backend is None:
        return
    backend.create_schema(schema_editor)
    using = schema_editor.connection.alias
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM articles_article ORDER BY id")
        pks = [pk for (pk,) in cursor.fetchall()]
    for start in range(0, len(pks), FILL_BATCH):
        # The image blocks' captions are left out: their table comes with 0014
        # (no story has one before), and the live indexer would read it.
        backend.index_stories(pks[start : start + FILL_BATCH], using, pictures=False)
    backend.create_index(schema_editor)


def drop(apps, schema_editor):
    backend = _backend(schema_editor)
    if backend is not None:
        backend.drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_delivery_keys_and_story_renders"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
