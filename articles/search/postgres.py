"""PostgreSQL: a stored ``tsvector`` per story, a GIN index, ``websearch_to_tsquery``.

The column is written only here, by one UPDATE per call of
:func:`index_stories` that builds every document from the stored rows. Tags
are stripped from rich text in SQL (``regexp_replace``); the entities that
remain (``&amp;``, ``&lt;``) are their own token type, which no
configuration indexes, so ``x&lt;y`` is the words ``x`` and ``y``.
"""

import html

from django.db import connections
from django.db.models import BooleanField, FloatField, Lookup
from django.db.models.expressions import RawSQL

from articles.search import search_config

COLUMN = "search_document"
INDEX = "articles_article_search_document"

# Rich text without its markup: a tag becomes a space so words either side stay apart.
STRIP_TAGS = r"regexp_replace({}, '<[^>]*>', ' ', 'g')"

PICTURES_SQL = """,
        (SELECT string_agg(COALESCE(NULLIF(p.caption, ''), i.caption), ' ' ORDER BY p.ordering, p.id)
           FROM articles_imageblock p JOIN articles_image i ON i.id = p.image_id WHERE p.parent_id = x.id)"""


def body_sql(pictures=True):
    """The body's text; ``pictures=False`` before migration 0014 made the image blocks' table."""
    return f"""
    concat_ws(' ',
        (SELECT string_agg({STRIP_TAGS.format("r.text")}, ' ' ORDER BY r.ordering, r.id)
           FROM articles_richtext r WHERE r.parent_id = x.id),
        (SELECT string_agg(q.quote || ' ' || q.attribution, ' ' ORDER BY q.ordering, q.id)
           FROM articles_pullquote q WHERE q.parent_id = x.id){PICTURES_SQL if pictures else ""})
"""


# Tags and bylines (weight B, with the standfirst): a search for a writer's
# name or a topic finds their stories.
EXTRA_SQL = """
    concat_ws(' ',
        (SELECT string_agg(t.name, ' ') FROM articles_taggedarticle ta
           JOIN taggit_tag t ON t.id = ta.tag_id WHERE ta.content_object_id = x.id),
        (SELECT string_agg(au.name, ' ') FROM articles_byline b
           JOIN articles_author au ON au.id = b.author_id WHERE b.article_id = x.id))
"""


# A story's document from its row ``x`` and the rows that hang on it.
def document_sql(pictures=True):
    return f"""
       setweight(to_tsvector(%(config)s::regconfig, x.headline), 'A')
    || setweight(to_tsvector(%(config)s::regconfig, concat_ws(' ', x.standfirst, {EXTRA_SQL})), 'B')
    || setweight(to_tsvector(%(config)s::regconfig, {body_sql(pictures)}), 'C')
"""


DOCUMENT_SQL = document_sql()


def index_sql(pictures=True):
    return f"UPDATE articles_article AS x SET {COLUMN} = {document_sql(pictures)} WHERE x.id = ANY(%(pks)s::bigint[])"


def insert_indexed_sql(table, columns):
    """INSERT the story rows staged in ``table`` into articles_article, each with its search document.

    An import writes each story once this way: written first and indexed by
    an UPDATE, every row was written twice and every index on the table got a
    second entry for it (the UPDATE changes an indexed column, so it cannot
    be a heap-only update).
    """
    names = ", ".join(columns)
    selected = ", ".join(f"x.{name}" for name in columns)
    return f"INSERT INTO articles_article ({names}, {COLUMN}) SELECT {selected}, {DOCUMENT_SQL} FROM {table} AS x"


def create_schema(schema_editor):
    schema_editor.execute(f"ALTER TABLE articles_article ADD COLUMN {COLUMN} tsvector")


def create_index(schema_editor):
    # After the fill: building a GIN index once is far faster than updating it row by row.
    schema_editor.execute(f"CREATE INDEX {INDEX} ON articles_article USING gin ({COLUMN})")


def drop_schema(schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE articles_article DROP COLUMN IF EXISTS {COLUMN}")


def index_stories(pks, using, pictures=True):
    with connections[using].cursor() as cursor:
        cursor.execute(index_sql(pictures), {"config": search_config(), "pks": list(pks)})
        return cursor.rowcount


def _tsquery():
    # The query as a call, inside a subselect: worked out once per statement.
    return "websearch_to_tsquery(%s::text::regconfig, %s)"


# A filter's query. As a bare constant ``@@`` costs the planner as little as
# comparing a column, and PostgreSQL checked it first, reading the document
# of every story a walk of the date index passed: a common word with a
# section and a topic took 6.6 s at a million stories. As a call it is
# costed (100, as for parsing any text) and the cheap filters (section,
# status) go first: 0.9 s. But the call was worked out again for every story
# checked: 2.9 µs a story (the text parsed and stemmed), 6 of a phrase's 28
# ms at a million stories (2,150 candidates read newest first). So the query
# is a constant (the configuration a literal: the call is folded) behind a
# test PostgreSQL cannot fold but costs as it did the call: ``to_tsvector``
# (cost 100) of no text, 0.4 µs a story. The planner orders the filters and
# estimates the matches as before (estimating, it folds the test, and the
# CASE with it, to the query), the GIN index takes the query once per scan,
# and every search page's plan is unchanged (compared at 1k, 100k and 1M).
FILTER_QUERY = (
    "CASE WHEN to_tsvector(%s::text::regconfig, '') IS NOT NULL THEN websearch_to_tsquery(%s::regconfig, %s) END"
)


def match_condition(text, once=False):
    """``search_document`` matches ``text``.

    ``once``: the query is a subselect, worked out once per statement (an
    InitPlan). For a check in the SELECT list; as a filter, the planner
    cannot estimate a subselect's matches (it takes one story in 200) nor
    see its cost, so it is one only where that estimate is wanted
    (``TextSearch.newest_matches``). Otherwise :data:`FILTER_QUERY`.
    """
    # Unqualified column: only articles_article has it, and it stays right when
    # Django aliases the table inside a subquery (the rank window).
    config = search_config()
    if once:
        return RawSQL(f"{COLUMN} @@ (SELECT {_tsquery()})", [config, text], output_field=BooleanField())
    return RawSQL(f"{COLUMN} @@ {FILTER_QUERY}", [config, config, text], output_field=BooleanField())


def words_condition(text):
    """The query with its phrases loosened to "all these words", or None if it has no phrase to loosen.

    Checking a phrase needs each candidate's whole document (word positions),
    not just the index; the words alone are answered by the index.
    """
    if '"' not in text or "-" in text:
        return None  # no phrase; or an exclusion, which loosening would make stricter
    # The same text without its quotation marks: websearch_to_tsquery joins
    # the words with & where the phrase had <->, and "or" binds as before.
    # Loosened in SQL instead (the query as text, its <N> replaced, parsed
    # again), each story checked paid for that: 28 of a phrase's 46 ms at a
    # million stories, against 17.
    return match_condition(text.replace('"', " "))


def rank_expression(text):
    # ts_rank's default weights make a headline (A) match count five times a
    # body (C) match; normalisation 1 damps long stories that repeat a word.
    # The query is a subselect here: PostgreSQL works it out once (an
    # InitPlan), not once per ranked story, which was 1.7 of a common word's
    # 11.7 ms at a million stories. The filter keeps the plain call, for
    # the planner's estimate and the order it checks the filters in.
    return RawSQL(f"ts_rank({COLUMN}, (SELECT {_tsquery()}), 1)", [search_config(), text], output_field=FloatField())


# \x02 and \x03 mark the matches: control characters no story contains (they
# are removed from the text first), replaced by <mark> after escaping.
HEADLINE_OPTIONS = 'StartSel=\x02, StopSel=\x03, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'

# ts_headline parses all the text it is given (a 5,000-character body: 0.4 ms),
# so it is given the body's first LEAD_CHARS (whole words) first: a match
# there is the snippet. Only a story whose first match lies further in is
# parsed whole.
LEAD_CHARS = 2000

# A body that holds none of the words gets its opening: ts_headline takes
# the first MinWords words, whatever follows them. It is given the body's
# first OPENING_CHARS (whole words), not its first LEAD_CHARS: parsing 20
# leads was 9 of a reporter's name search's 14 ms of snippets. Fifteen words
# fit in 400 characters unless they are very long (addresses, or a run of
# dashes): then the snippet is a shorter opening, never another text, and
# the lead as before if no whole word ends in them.
OPENING_CHARS = 400

HIGHLIGHT_SQL = f"""
SELECT x.id, CASE WHEN strpos(h.lead, E'\\x02') > 0 OR length(h.body) <= {LEAD_CHARS} OR NOT h.in_body THEN h.lead
                  ELSE ts_headline(%(config)s::regconfig, h.body, h.query, %(options)s) END
  FROM unnest(%(pks)s::bigint[]) AS x(id),
  LATERAL (
    SELECT b.body, b.query, b.in_body,
           ts_headline(%(config)s::regconfig,
                       CASE WHEN length(b.body) <= {OPENING_CHARS} THEN b.body
                            -- whole words only: the cut word is left out
                            WHEN b.in_body IS FALSE AND left(b.body, {OPENING_CHARS}) ~ '\\S\\s'
                                 THEN regexp_replace(left(b.body, {OPENING_CHARS}), '\\S*$', '')
                            WHEN length(b.body) <= {LEAD_CHARS} THEN b.body
                            ELSE regexp_replace(left(b.body, {LEAD_CHARS}), '\\S*$', '') END,
                       b.query, %(options)s) AS lead
      FROM (SELECT translate({body_sql()}, E'\\x02\\x03', '') AS body,
                   websearch_to_tsquery(%(config)s::regconfig, %(any_word)s) AS query,
                   -- The body's words (weight C of the stored document) hold none of the
                   -- text's (excluded ones too: more words only mean a parse more): the
                   -- match is in the headline, standfirst or a byline (a reporter's
                   -- name), and parsing the whole body would find nothing.
                   (SELECT tsvector_to_array(ts_filter(a.{COLUMN}, '{{c}}'))
                           && tsvector_to_array(to_tsvector(%(config)s::regconfig, %(text)s))
                      FROM articles_article a WHERE a.id = x.id) AS in_body
            -- OFFSET 0: computed once, not inlined into each use of body below
            OFFSET 0) b
    OFFSET 0
  ) h
"""


def any_word(text):
    """``text`` as "any of its words": what a snippet marks.

    ts_headline picks its fragments where the whole query holds; a body
    holding only some of the words ("quokka" of "zeppelin quokka", the other
    in the headline) got its opening, unmarked. Excluded words are left out
    (no story found has them); a text of nothing else stays as it is.
    """
    words = [word.strip('"') for word in text.split() if not word.startswith("-") and word.lower() != "or"]
    return " or ".join(word for word in words if word) or text


def highlights(pks, text, using):
    """``{pk: text with \\x02…\\x03 around matches}`` for the stories ``pks`` (one page of results)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            HIGHLIGHT_SQL,
            {
                "config": search_config(),
                "text": text,
                "any_word": any_word(text),
                "options": HEADLINE_OPTIONS,
                "pks": list(pks),
            },
        )
        # The text still has the stored entities (&lt;): decode them, render_snippet escapes again.
        return {pk: html.unescape(text or "") for pk, text in cursor.fetchall()}


class AnyOf(Lookup):
    """``lhs = ANY(ids)``: a list of ids sent as one array, for a filter by a search's window of ids.

    As ``IN (%s, %s, …)``, Django prepared each of a thousand ids in turn and
    psycopg split the statement at each placeholder: 3 to 4 ms of CPU in a
    search for a reporter's name at a million stories. Used as an
    expression (``filter(AnyOf(F("pk"), ids))``), never registered on a field.
    """

    lookup_name = "any_of"

    def get_prep_lookup(self):
        return [int(pk) for pk in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*params, self.rhs)
