"""A reader's or an editor's search text, on whichever database: match, rank, snippets.

Ranking ("Best match") looks only at the newest ``ARTICLES_SEARCH_RANK_WINDOW``
matches of the filtered search: the window is read newest first (the
publication-time index, or the text index and a top-N sort) and only its rows
are ranked, so a common word costs the same in a ten-year archive as in a
one-month one. Recency breaks ties.
"""

import re

from django.db import connections
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.conf import settings


def render_snippet(marked):
    """Escaped text with ``<mark>`` where the database put \\x02…\\x03: never the story's markup."""
    if not marked:
        return ""
    text = escape(marked).replace("\x02", "<mark>").replace("\x03", "</mark>")
    # A fragment cut inside a match leaves a marker unclosed: close it.
    if text.count("<mark>") > text.count("</mark>"):
        text += "</mark>"
    return mark_safe(text)  # escaped above; only our own <mark> added


def mark_words(text, terms, size=35):
    """Python snippet (SQLite without FTS5): about ``size`` words around the first term, terms marked."""
    text = text or ""
    pattern = re.compile(
        r"\b(" + "|".join(r"\W+".join(re.escape(w) for w in words) for words in terms) + r")", re.IGNORECASE
    )
    found = pattern.search(text)
    words = text.split()
    if found is None:
        return " ".join(words[:size])
    before = len(text[: found.start()].split())
    first = max(0, before - size // 3)
    excerpt = " ".join(words[first : first + size])
    excerpt = pattern.sub(lambda m: f"\x02{m.group(0)}\x03", excerpt)
    return ("… " if first else "") + excerpt + (" …" if first + size < len(words) else "")


class TextSearch:
    def __init__(self, text, using):
        self.text = text
        self.using = using
        self.vendor = connections[using].vendor
        if self.vendor == "sqlite":
            from articles.search import sqlite

            self.sqlite = sqlite.Query(text)
        elif self.vendor != "postgresql":
            raise NotImplementedError(f"Full-text search is not built for {self.vendor}.")

    def condition(self):
        """A filter() argument: the stories whose document matches, or None if the text has nothing to search."""
        if self.vendor == "postgresql":
            from articles.search import postgres

            # websearch_to_tsquery never raises; text of stop words or
            # punctuation only is an empty query, which matches nothing.
            return Q(postgres.match_condition(self.text))
        if self.sqlite.empty:
            return None
        return self.sqlite.condition()

    def filter(self, queryset):
        condition = self.condition()
        if condition is None:
            return queryset.none()
        if self.vendor == "postgresql":
            from articles.search import postgres

            words = postgres.words_condition(self.text)
            if words is not None:
                # A phrase of common words ("city council") is checked on every
                # story holding both words, document by document: 7.5 s at a
                # million stories. It is checked on the newest stories holding
                # all its words instead, ARTICLES_SEARCH_PHRASE_CANDIDATES of them.
                candidates = queryset.filter(words).order_by("-published_at", "-pk").values("pk")
                queryset = queryset.filter(pk__in=candidates[: settings.SEARCH_PHRASE_CANDIDATES])
        return queryset.filter(condition)

    def narrow_to_topics(self, queryset, tags):
        """``queryset`` narrowed to the stories of the smallest of ``tags`` first, if one is small; and the tags left.

        A common word with a topic: PostgreSQL walks the publication-time
        index, testing each story's topic and document, until the rank window
        is full. For a topic on 3% of a million stories and a word in nearly
        all of them (with a section too) that walk read 300,000 stories:
        0.6 to 0.9 s per query. Read from a topic of at most
        ``ARTICLES_SEARCH_TOPIC_SHORTLIST`` stories instead, the same window
        takes 0.16 s (benchmarks/archive_pages.py). A bigger topic keeps the
        walk, which a big topic ends soon.
        """
        if self.vendor != "postgresql" or not tags:
            return queryset, tags
        from articles.models import TaggedArticle
        from articles.search import postgres

        limit = settings.SEARCH_TOPIC_SHORTLIST
        for tag in tags:
            # At most limit + 1 index entries read: a count that stays flat for a big topic.
            if TaggedArticle.objects.using(self.using).filter(tag=tag)[: limit + 1].count() <= limit:
                queryset = queryset.filter(postgres.among_stories_of(tag.pk))
                return queryset, [other for other in tags if other != tag]
        return queryset, tags

    def rank_expression(self):
        if self.vendor == "postgresql":
            from articles.search import postgres

            return postgres.rank_expression(self.text)
        return self.sqlite.rank()

    def best_match(self, queryset):
        """``queryset`` (already filtered) ranked by relevance within its newest matches, newest first on ties."""
        from articles.models import Article

        # Read once: the page and its count would each run the window's query again.
        window = list(
            queryset.order_by("-published_at", "-pk").values_list("pk", flat=True)[: settings.SEARCH_RANK_WINDOW]
        )
        return (
            Article.objects.using(queryset.db)
            .with_page_relations()
            .filter(pk__in=window)
            .annotate(search_rank=self.rank_expression())
            .order_by("-search_rank", "-published_at", "-pk")
        )

    def shortlist(self, queryset):
        """``queryset`` (already filtered) listed by the ids of its matches when they are few.

        "Newest first" with words: PostgreSQL walks the publication-time
        index and tests each story's document until a page is full. For a
        common word that is a few rows; for a rare one it reads (and
        decompresses) every document in the archive: 40 s at a million
        stories for a word in one story. So the matches are first read
        through the text index, unordered, up to ``ARTICLES_SEARCH_SHORTLIST``
        of them: if that is all of them, the page is sorted from those ids
        alone. Past that many the word is common enough that the walk finds
        a page within a few thousand rows.
        """
        if self.vendor != "postgresql":
            return queryset  # SQLite reads FTS5 matches first on its own.
        limit = settings.SEARCH_SHORTLIST
        pks = list(queryset.order_by().values_list("pk", flat=True)[: limit + 1])
        if len(pks) <= limit:
            return queryset.filter(pk__in=pks)
        if queryset.query.order_by and queryset.query.order_by[0].lstrip("-") == "published_at":
            return queryset
        # By headline, a common word would sort every match (5 s for a third of
        # a million stories): like "Best match", only the newest window is sorted.
        window = queryset.order_by("-published_at", "-pk").values("pk")[: settings.SEARCH_RANK_WINDOW]
        return queryset.filter(pk__in=window)

    def highlight(self, articles):
        """Give each story of one page a ``search_snippet``: its body around the matches, marked. One query."""
        articles = list(articles)
        if not articles:
            return
        pks = [article.pk for article in articles]
        if self.vendor == "postgresql":
            from articles.search import postgres

            marked = postgres.highlights(pks, self.text, self.using)
        else:
            marked = self.sqlite.highlights(pks, self.using)
        for article in articles:
            article.search_snippet = render_snippet(marked.get(article.pk))
