"""The story's publication time copied onto its tag and byline rows (issue 10).

A tag's or an author's page lists the stories in print, newest first. Read
from the stories' table, the database walks the publication-time index and
tests each story for the tag or the author: for page 50 of the most-used tag
of a million stories that was 56,000 probes (200 ms), and each page deeper
costs more. With the time on the link rows, one index per kind,
``(tag, story_published_at DESC, story DESC)`` holding only stories in print,
hands out any page in order by reading its own entries: page 50 reads 1,000.

``story_published_at`` is the story's ``published_at`` while its status is
published (live or scheduled), NULL otherwise. It is derived data, so it is
kept by the database, not by ``save()``: triggers copy it whenever a story's
status or time changes and whenever a tag or byline row is written, so
``QuerySet.update()``, fixtures, imports and raw SQL cannot leave it behind.
It is never serialized (fixtures do not carry it) and no form edits it.

SQLite drops a table's triggers when a migration rebuilds the table, so
:func:`ensure` runs after every ``migrate`` (``post_migrate``) and puts back
what is missing, filling the copies again if any trigger was missing.
"""

import logging

from django.db import connections

logger = logging.getLogger(__name__)

# The link tables and the column naming their story.
LINKS = {
    "articles_taggedarticle": "content_object_id",
    "articles_byline": "article_id",
}

_POSTGRES_FUNCTIONS = [
    # The copy for one story: its time while published, else NULL.
    """
    CREATE OR REPLACE FUNCTION articles_story_in_print(story bigint) RETURNS timestamptz
    LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN status = 'published' THEN published_at END FROM articles_article WHERE id = story
    $$
    """,
    *(
        f"""
        CREATE OR REPLACE FUNCTION {table}_in_print() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.story_published_at := articles_story_in_print(NEW.{story});
            RETURN NEW;
        END $$
        """
        for table, story in LINKS.items()
    ),
    """
    CREATE OR REPLACE FUNCTION articles_article_in_print() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        in_print timestamptz := CASE WHEN NEW.status = 'published' THEN NEW.published_at END;
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
                AND NEW.published_at IS NOT DISTINCT FROM OLD.published_at THEN
            RETURN NULL;
        END IF;
        UPDATE articles_taggedarticle SET story_published_at = in_print
         WHERE content_object_id = NEW.id AND story_published_at IS DISTINCT FROM in_print;
        UPDATE articles_byline SET story_published_at = in_print
         WHERE article_id = NEW.id AND story_published_at IS DISTINCT FROM in_print;
        RETURN NULL;
    END $$
    """,
]


STORIES = "articles_article"


# Each trigger as (name, table, SQL that creates it).
def _postgres_triggers():
    # BEFORE on the link rows: the row is written once, with its copy.
    for table in LINKS:
        yield (
            f"{table}_in_print",
            table,
            f"CREATE OR REPLACE TRIGGER {table}_in_print BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_in_print()",
        )
    # INSERT too: a fixture may write a story's rows before the story (PostgreSQL
    # checks foreign keys at commit in Django).
    yield (
        "articles_article_in_print",
        STORIES,
        "CREATE OR REPLACE TRIGGER articles_article_in_print AFTER INSERT OR UPDATE OF status, published_at "
        "ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_article_in_print()",
    )


def _sqlite_copy(story):
    return (
        "(SELECT CASE WHEN a.status = 'published' THEN a.published_at END "
        f"FROM articles_article a WHERE a.id = {story})"
    )


def _sqlite_triggers():
    for table, story in LINKS.items():
        copy = _sqlite_copy(f"NEW.{story}")
        for event in ("INSERT", "UPDATE"):
            name = f"{table}_in_print_{event.lower()}"
            # The WHEN ends the chain even where recursive triggers are on.
            yield (
                name,
                table,
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} "
                f"WHEN NEW.story_published_at IS NOT {copy} "
                f"BEGIN UPDATE {table} SET story_published_at = {copy} WHERE id = NEW.id; END",
            )
    in_print = "CASE WHEN NEW.status = 'published' THEN NEW.published_at END"
    updates = " ".join(
        f"UPDATE {table} SET story_published_at = {in_print} "
        f"WHERE {story} = NEW.id AND story_published_at IS NOT {in_print};"
        for table, story in LINKS.items()
    )
    yield (
        "articles_article_in_print_insert",
        STORIES,
        f"CREATE TRIGGER IF NOT EXISTS articles_article_in_print_insert AFTER INSERT ON articles_article "
        f"BEGIN {updates} END",
    )
    yield (
        "articles_article_in_print_update",
        STORIES,
        "CREATE TRIGGER IF NOT EXISTS articles_article_in_print_update "
        "AFTER UPDATE OF status, published_at ON articles_article "
        "WHEN NEW.status IS NOT OLD.status OR NEW.published_at IS NOT OLD.published_at "
        f"BEGIN {updates} END",
    )


def _fill_sql(vendor):
    """One UPDATE per link table setting every copy from its story."""
    for table, story in LINKS.items():
        if vendor == "postgresql":
            yield (
                f"UPDATE {table} AS link SET story_published_at = "
                f"CASE WHEN a.status = 'published' THEN a.published_at END "
                f"FROM articles_article AS a WHERE a.id = link.{story} "
                f"AND link.story_published_at IS DISTINCT FROM "
                f"(CASE WHEN a.status = 'published' THEN a.published_at END)"
            )
        else:
            copy = _sqlite_copy(f"{table}.{story}")
            yield f"UPDATE {table} SET story_published_at = {copy} WHERE story_published_at IS NOT {copy}"


# Where the copies are kept by triggers; elsewhere lists read the stories' own table.
VENDORS = {"postgresql", "sqlite"}


def kept(using):
    """Whether the database ``using`` keeps the copies (its vendor has the triggers)."""
    return connections[using].vendor in VENDORS


def _triggers(vendor):
    if vendor == "postgresql":
        return list(_postgres_triggers())
    if vendor == "sqlite":
        return list(_sqlite_triggers())
    return []


def trigger_names(vendor):
    return [name for name, _table, _sql in _triggers(vendor)]


def _present(cursor, vendor):
    if vendor == "postgresql":
        cursor.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
        )
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {name for (name,) in cursor.fetchall()}


def install(connection, fill=True):
    """Create the triggers (idempotent) and, with ``fill``, set every copy from its story."""
    vendor = connection.vendor
    triggers = _triggers(vendor)
    if not triggers:
        # Other databases: the copies are not kept, and the lists do not use
        # them (articles.listings reads the stories' own table there).
        return
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for sql in _POSTGRES_FUNCTIONS:
                cursor.execute(sql)
        # The stories' triggers first: a story published while the copies are
        # filled is copied by them (on PostgreSQL creating them also locks out
        # writes to stories until the migration commits). The link rows'
        # triggers last, so the fill does not run them on every row (at a
        # million stories that doubled the migration's time: 277 s, not 139 s).
        for _name, table, sql in triggers:
            if table == STORIES:
                cursor.execute(sql)
        if fill:
            for sql in _fill_sql(vendor):
                cursor.execute(sql)
        for _name, table, sql in triggers:
            if table != STORIES:
                cursor.execute(sql)


def uninstall(connection):
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for name, table, _sql in _triggers(vendor):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if vendor == "postgresql" else ""))
        if vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS articles_article_in_print()")
            for table in LINKS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {table}_in_print()")
            cursor.execute("DROP FUNCTION IF EXISTS articles_story_in_print(bigint)")


def missing(using):
    """The names of the triggers this database should have and lacks."""
    connection = connections[using]
    with connection.cursor() as cursor:
        present = _present(cursor, connection.vendor)
    return [name for name in trigger_names(connection.vendor) if name not in present]


def ensure(sender=None, using="default", plan=None, **kwargs):
    """``post_migrate``: put back triggers a table rebuild dropped, and fill the copies again then."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    tables = set(connection.introspection.table_names())
    if not {"articles_article", *LINKS} <= tables:
        return  # migrated backwards past 0018's tables
    with connection.cursor() as cursor:
        for table in LINKS:
            described = connection.introspection.get_table_description(cursor, table)
            if "story_published_at" not in {column.name for column in described}:
                return  # before migration 0018
    lacking = missing(using)
    if lacking:
        logger.warning("Putting back the publication-copy triggers %s and filling the copies again.", lacking)
        install(connection, fill=True)
