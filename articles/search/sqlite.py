"""SQLite: an FTS5 table ranked with ``bm25``, or a plain-text table where FTS5 is missing.

``articles_search`` holds each story's plain text (rowid = the story's id):
``headline``, ``standfirst``, ``body`` (rich text without markup, entities
decoded; pull quotes) and ``extra`` (tags and bylines' names). It is built
in Python here (SQLite has no ``regexp_replace``), a few statements per 500
stories.

Readers' input never reaches FTS5's query syntax: :func:`parse` reads the
same forms ``websearch_to_tsquery`` does on PostgreSQL (``"a phrase"``,
``-word``, ``or``) and every term goes in double quotes, so no input can
raise an FTS5 syntax error.

Fallback (an SQLite built without FTS5, which the migration checks): the
same table as an ordinary one with a ``folded`` column (the words of all four
columns, case-folded, space-separated) searched with ``instr`` for each term
at the start of a word. Correct, not clever: no stemming (a word also finds
longer words it begins), a headline match ranks first, and it scans the
table, which is fine at the sizes SQLite is used for.
"""

import functools
import html
import re
import sqlite3

from django.db import connections
from django.db.models import FloatField, Q
from django.db.models.expressions import RawSQL

from articles.search import search_config

TABLE = "articles_search"
# Terms (words or phrases) looked at per search: more add work, not precision.
MAX_TERMS = 10
CHUNK = 500

TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"\w+")
# A quoted phrase (closing quote optional), possibly negated, or a bare token.
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
MARKERS = str.maketrans("", "", "\x02\x03")


@functools.cache
def fts5_available():
    """Whether this process's SQLite library has FTS5 (the migration made the table with it if so)."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def tokenizer():
    # Porter stems English only; other languages get unstemmed, accent-folded words.
    stem = "porter " if search_config() == "english" else ""
    return f"{stem}unicode61 remove_diacritics 2"


def create_schema(schema_editor):
    if fts5_available():
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(headline, standfirst, body, extra, tokenize='{tokenizer()}')"
        )
    else:
        create_fallback_table(schema_editor.execute)


def create_index(schema_editor):
    pass  # the table is its own index


def create_fallback_table(execute):
    execute(
        f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, headline TEXT, standfirst TEXT, body TEXT, extra TEXT,"
        " folded TEXT, folded_headline TEXT)"
    )


def drop_schema(schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def plain_text(markup):
    """Rich text as a reader reads it: tags gone (each a space), entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", markup or "")).translate(MARKERS).split())


def fold(text):
    """The fallback's searchable form: words only, case-folded, each preceded by a space."""
    return " " + " ".join(WORD.findall(text.casefold())) + " "


def index_stories(pks, using, pictures=True):
    from articles.models import Article, Byline, ImageBlock, PullQuote, RichText, TaggedArticle

    indexed = 0
    fts5 = fts5_available()
    with connections[using].cursor() as cursor:
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start : start + CHUNK]
            docs = {
                pk: (headline, standfirst, [], [])
                for pk, headline, standfirst in Article.objects.using(using)
                .filter(pk__in=chunk)
                .values_list("pk", "headline", "standfirst")
            }
            blocks = RichText.objects.using(using).filter(parent__in=chunk).order_by("parent", "ordering", "pk")
            for pk, text in blocks.values_list("parent", "text"):
                if pk in docs:
                    docs[pk][2].append(plain_text(text))
            quotes = PullQuote.objects.using(using).filter(parent__in=chunk).order_by("parent", "ordering", "pk")
            for pk, quote, attribution in quotes.values_list("parent", "quote", "attribution"):
                if pk in docs:
                    docs[pk][2].append(f"{quote} {attribution}")
            # A picture's caption is body text: this story's words, or the library's.
            # (Not before migration 0014, which makes the image blocks' table.)
            blocks = ImageBlock.objects.using(using).filter(parent__in=chunk).order_by("parent", "ordering", "pk")
            for pk, caption, default in blocks.values_list("parent", "caption", "image__caption") if pictures else ():
                if pk in docs:
                    docs[pk][2].append(caption or default)
            tagged = TaggedArticle.objects.using(using).filter(content_object__in=chunk)
            bylines = Byline.objects.using(using).filter(article__in=chunk)
            for pk, name in [
                *tagged.values_list("content_object", "tag__name"),
                *bylines.values_list("article", "author__name"),
            ]:
                if pk in docs:
                    docs[pk][3].append(name)
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({placeholders})", chunk)
            rows = []
            for pk, (headline, standfirst, body, extra) in docs.items():
                row = [pk, plain_text(headline), plain_text(standfirst), " ".join(body), " ".join(extra)]
                if not fts5:
                    row += [fold(" ".join(row[1:])), fold(row[1])]
                rows.append(row)
            if rows:
                columns = "rowid, headline, standfirst, body, extra" + ("" if fts5 else ", folded, folded_headline")
                values = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"INSERT INTO {TABLE} ({columns}) VALUES ({values})", rows)
            indexed += len(rows)
    return indexed


# -- the query ---------------------------------------------------------------------------


def parse(text):
    """Groups of terms joined by OR; each term is ``(negated, words)``, a word or a phrase.

    ``ceasefire "aleppo talks" -russia or truce`` →
    ``[[(False, ("ceasefire",)), (False, ("aleppo", "talks")), (True, ("russia",))], [(False, ("truce",))]]``.
    Tokens without a letter or digit are dropped; a token joining words with
    punctuation (``AT&T``) is a phrase of its words, as on PostgreSQL.
    """
    groups = [[]]
    terms = 0
    for match in TOKEN.finditer(text or ""):
        negated, phrase, bare = match.groups()
        if bare is not None:
            if bare.lower() == "or":
                if groups[-1]:
                    groups.append([])
                continue
            negated = bare.startswith("-")
            words = WORD.findall(bare)
        else:
            negated = bool(negated)
            words = WORD.findall(phrase)
        if words and terms < MAX_TERMS:
            groups[-1].append((negated, tuple(words)))
            terms += 1
    return [group for group in groups if group]


def _quoted(words):
    # Words are \w+, so they hold no double quote; quoting makes every one a
    # plain string to FTS5 (never an operator, column filter or syntax error).
    return '"' + " ".join(words) + '"'


def _group_match(group):
    included = " AND ".join(_quoted(words) for negated, words in group if not negated)
    return "(" + included + "".join(f" NOT {_quoted(words)}" for negated, words in group if negated) + ")"


class Query:
    """A parsed search on SQLite: its condition, rank and snippets."""

    def __init__(self, text):
        self.groups = parse(text)
        self.fts5 = fts5_available()
        self.positive = [words for group in self.groups for negated, words in group if not negated]
        # FTS5's NOT needs something on its left: a group of exclusions only
        # is kept only when it is the whole search (then: every story without them).
        self.match = " OR ".join(_group_match(group) for group in self.groups if any(not n for n, _ in group))
        self.only_excluded = not self.match and bool(self.groups)

    @property
    def empty(self):
        return not self.groups

    def condition(self):
        if self.fts5:
            if self.only_excluded:
                excluded = " OR ".join(_quoted(w) for group in self.groups for _, w in group)
                return ~Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [excluded]))
            return Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [self.match]))
        sql, params = self._fallback_where()
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {sql}", params))

    def _fallback_where(self):
        groups, params = [], []
        for group in self.groups:
            terms = []
            for negated, words in group:
                terms.append(f"instr(folded, %s) {'=' if negated else '>'} 0")
                # At the start of a word: " cease" finds "ceasefire", not "increase".
                params.append(" " + " ".join(words).casefold())
            groups.append("(" + " AND ".join(terms) + ")")
        return " OR ".join(groups), params

    def rank(self):
        """Higher is better, for the story in the outer query's ``articles_article``."""
        if self.fts5:
            if self.only_excluded:
                return RawSQL("0", [], output_field=FloatField())
            # bm25 is lower for better matches; weights: headline, standfirst, body, extra.
            return RawSQL(
                f"(SELECT -bm25({TABLE}, 10.0, 4.0, 1.0, 4.0) FROM {TABLE}"
                f" WHERE {TABLE} MATCH %s AND rowid = articles_article.id)",
                [self.match],
                output_field=FloatField(),
            )
        terms = [" " + " ".join(words).casefold() for words in self.positive] or [" "]
        in_headline = " + ".join(["(instr(s.folded_headline, %s) > 0)"] * len(terms))
        return RawSQL(
            f"(SELECT {in_headline} FROM {TABLE} s WHERE s.rowid = articles_article.id)",
            terms,
            output_field=FloatField(),
        )

    def highlights(self, pks, using):
        """``{pk: body text around the first match, matches between \\x02 and \\x03}``."""
        if not pks or not self.positive:
            return {}
        placeholders = ", ".join(["%s"] * len(pks))
        with connections[using].cursor() as cursor:
            if self.fts5:
                cursor.execute(
                    f"SELECT rowid, snippet({TABLE}, 2, char(2), char(3), '…', 30) FROM {TABLE}"
                    f" WHERE {TABLE} MATCH %s AND rowid IN ({placeholders})",
                    [self.match, *pks],
                )
                return dict(cursor.fetchall())
            cursor.execute(f"SELECT rowid, body FROM {TABLE} WHERE rowid IN ({placeholders})", list(pks))
            from articles.search.query import mark_words

            return {pk: mark_words(body, self.positive) for pk, body in cursor.fetchall()}
