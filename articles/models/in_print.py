"""The story's publication time copied onto its tag and byline rows, and its section onto tag rows (issue 10).

A tag's or an author's page lists the stories in print, newest first. Read
from the stories' table, the database walks the publication-time index and
tests each story for the tag or the author: for page 50 of the most-used tag
of a million stories that was 56,000 probes (200 ms), and each page deeper
costs more. With the time on the link rows, one index per kind,
``(tag, story_published_at DESC, story DESC)`` holding only stories in print,
hands out any page in order by reading its own entries: page 50 reads 1,000.

``story_published_at`` is the story's ``published_at`` while its status is
published (live or scheduled), NULL otherwise. Tag rows also carry
``story_section_id`` (migration 0019): a search with a topic and a section
tests the section in the topic's index instead of reading each story
(:data:`COPIES` says which table copies what). It is derived data, so it is
kept by the database, not by ``save()``: triggers copy it whenever a story's
status, time or section changes and whenever a tag or byline row is written, so
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

STORIES = "articles_article"

# What each link table copies from its story: column -> the story's value,
# in SQL over the story's row ``{a}``. The time while the story is published
# (else NULL); on tag rows the section too (migration 0019), so a search with
# a topic and a section tests the section in the topic's index.
IN_PRINT = "CASE WHEN {a}.status = 'published' THEN {a}.published_at END"
COPIES = {
    "articles_taggedarticle": {"story_published_at": IN_PRINT, "story_section_id": "{a}.section_id"},
    "articles_byline": {"story_published_at": IN_PRINT},
}
# A story's columns whose change is copied.
STORY_COLUMNS = ("status", "published_at", "section_id")

# The same copies in Python, from a story's field values by attname, for a
# writer that fills them in itself: the bulk importer writes a story's link
# rows before the story, which on PostgreSQL the story's trigger would
# otherwise rewrite, five rows a story. The triggers still decide: a value
# that differs from the SQL above is set right when the story is written.
PY_COPIES = {
    "story_published_at": lambda story: story.get("published_at") if story.get("status") == "published" else None,
    "story_section_id": lambda story: story.get("section_id"),
}


def link_copies(table, story):
    """``{column: value}`` a link row of ``table`` carries for ``story`` (field values by attname)."""
    return {column: PY_COPIES[column](story) for column in COPIES[table]}


def _copies(connection):
    """The copies this database's tables hold: a migration adds them one at a time (0018, 0019)."""
    with connection.cursor() as cursor:
        present = {}
        for table, copies in COPIES.items():
            columns = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            present[table] = {column: value for column, value in copies.items() if column in columns}
    return {table: copies for table, copies in present.items() if copies}


def _differs(vendor, copies, row, story_alias):
    """SQL: is any copy on the link row (``row.``, or unqualified if empty) not its story's value?"""
    differs = " IS DISTINCT FROM " if vendor == "postgresql" else " IS NOT "
    prefix = f"{row}." if row else ""
    return " OR ".join(f"{prefix}{column}{differs}{value.format(a=story_alias)}" for column, value in copies.items())


def _postgres_functions(copies_by_table):
    for table, copies in copies_by_table.items():
        story = LINKS[table]
        values = ", ".join(f"{value.format(a='a')} AS {column}" for column, value in copies.items())
        sets = " ".join(f"NEW.{column} := story.{column};" for column in copies)
        # A story not written yet (a fixture's or an import's rows before their
        # story) leaves the row as it was given: the story's own trigger sets
        # every copy that differs when the story is written, and the foreign
        # key (checked at commit) refuses a row whose story never comes. An
        # import that writes the right copies is then not written twice.
        yield f"""
        CREATE OR REPLACE FUNCTION {table}_in_print() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE story record;
        BEGIN
            SELECT {values} INTO story FROM articles_article a WHERE a.id = NEW.{story};
            IF FOUND THEN
                {sets}
            END IF;
            RETURN NEW;
        END $$
        """
    unchanged = " AND ".join(f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in STORY_COLUMNS)
    updates = "\n".join(
        f"UPDATE {table} SET "
        + ", ".join(f"{column} = {value.format(a='NEW')}" for column, value in copies.items())
        + f" WHERE {LINKS[table]} = NEW.id AND ({_differs('postgresql', copies, '', 'NEW')});"
        for table, copies in copies_by_table.items()
    )
    yield f"""
    CREATE OR REPLACE FUNCTION articles_article_in_print() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND {unchanged} THEN
            RETURN NULL;
        END IF;
        {updates}
        RETURN NULL;
    END $$
    """


# Each trigger as (name, table, SQL that creates it).
def _postgres_triggers(copies_by_table):
    for table in copies_by_table:
        # BEFORE on the link rows: the row is written once, with its copies.
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
        f"CREATE OR REPLACE TRIGGER articles_article_in_print AFTER INSERT OR UPDATE OF {', '.join(STORY_COLUMNS)} "
        "ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_article_in_print()",
    )


def _sqlite_value(value, story):
    """The story's value for one link row, in SQLite: a subquery on the story ``story`` names."""
    return f"(SELECT {value.format(a='a')} FROM articles_article a WHERE a.id = {story})"


def _sqlite_copies(copies, story):
    return {column: _sqlite_value(value, story) for column, value in copies.items()}


def _sqlite_triggers(copies_by_table):
    for table, copies in copies_by_table.items():
        values = _sqlite_copies(copies, f"NEW.{LINKS[table]}")
        differs = " OR ".join(f"NEW.{column} IS NOT {value}" for column, value in values.items())
        sets = ", ".join(f"{column} = {value}" for column, value in values.items())
        for event in ("INSERT", "UPDATE"):
            name = f"{table}_in_print_{event.lower()}"
            # The WHEN ends the chain even where recursive triggers are on.
            yield (
                name,
                table,
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} "
                f"WHEN {differs} BEGIN UPDATE {table} SET {sets} WHERE id = NEW.id; END",
            )
    updates = " ".join(
        f"UPDATE {table} SET "
        + ", ".join(f"{column} = {value.format(a='NEW')}" for column, value in copies.items())
        + f" WHERE {LINKS[table]} = NEW.id AND ({_differs('sqlite', copies, '', 'NEW')});"
        for table, copies in copies_by_table.items()
    )
    yield (
        "articles_article_in_print_insert",
        STORIES,
        f"CREATE TRIGGER IF NOT EXISTS articles_article_in_print_insert AFTER INSERT ON articles_article "
        f"BEGIN {updates} END",
    )
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in STORY_COLUMNS)
    yield (
        "articles_article_in_print_update",
        STORIES,
        "CREATE TRIGGER IF NOT EXISTS articles_article_in_print_update "
        f"AFTER UPDATE OF {', '.join(STORY_COLUMNS)} ON articles_article "
        f"WHEN {changed} BEGIN {updates} END",
    )


def _fill_sql(vendor, copies_by_table):
    """One UPDATE per link table setting every copy from its story."""
    for table, copies in copies_by_table.items():
        story = LINKS[table]
        if vendor == "postgresql":
            sets = ", ".join(f"{column} = {value.format(a='a')}" for column, value in copies.items())
            yield (
                f"UPDATE {table} AS link SET {sets} FROM articles_article AS a WHERE a.id = link.{story} "
                f"AND ({_differs('postgresql', copies, 'link', 'a')})"
            )
        else:
            values = _sqlite_copies(copies, f"{table}.{story}")
            sets = ", ".join(f"{column} = {value}" for column, value in values.items())
            differs = " OR ".join(f"{column} IS NOT {value}" for column, value in values.items())
            yield f"UPDATE {table} SET {sets} WHERE {differs}"


# Where the copies are kept by triggers; elsewhere lists read the stories' own table.
VENDORS = {"postgresql", "sqlite"}


def kept(using):
    """Whether the database ``using`` keeps the copies (its vendor has the triggers)."""
    return connections[using].vendor in VENDORS


def _triggers(vendor, copies_by_table=COPIES):
    if vendor == "postgresql":
        return list(_postgres_triggers(copies_by_table))
    if vendor == "sqlite":
        return list(_sqlite_triggers(copies_by_table))
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
    """Create the triggers for the copies the tables hold (idempotent) and, with ``fill``, set every copy."""
    vendor = connection.vendor
    if vendor not in VENDORS:
        # Other databases: the copies are not kept, and the lists do not use
        # them (articles.listings reads the stories' own table there).
        return
    copies_by_table = _copies(connection)
    if not copies_by_table:
        return
    triggers = _triggers(vendor, copies_by_table)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for sql in _postgres_functions(copies_by_table):
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
            for sql in _fill_sql(vendor, copies_by_table):
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


def migration_install(apps, schema_editor):
    """``RunPython`` of migrations 0018 and 0019: the triggers for the copies the tables hold, and the fill."""
    install(schema_editor.connection, fill=True)


def migration_functions(apps, schema_editor):
    """``RunPython`` of migration 0020: the PostgreSQL functions as this module writes them now; no fill."""
    install(schema_editor.connection, fill=False)


def migration_uninstall(apps, schema_editor):
    """``RunPython`` of migrations 0018 and 0019, the other way: every trigger and function dropped."""
    uninstall(schema_editor.connection)


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
    if not _copies(connection):
        return  # before migration 0018
    lacking = missing(using)
    if lacking:
        logger.warning("Putting back the publication-copy triggers %s and filling the copies again.", lacking)
        install(connection, fill=True)
