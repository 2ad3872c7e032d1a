"""A reader's or an editor's search text, on whichever database: match, rank, snippets.

Ranking ("Best match") looks only at the newest ``ARTICLES_SEARCH_RANK_WINDOW``
matches of the filtered search: the window is read newest first (the
publication-time index, or the text index and a top-N sort) and only its rows
are ranked, so a common word costs the same in a ten-year archive as in a
one-month one. Recency breaks ties.
"""

import datetime
import re

from django.db import connections
from django.db.models import BigIntegerField, Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Extract
from django.utils import timezone
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


def fetch_rows(queryset):
    """The rows of a ``values_list()`` queryset as the driver gives them, without Django's converters.

    An annotation's converter (``float()`` of a rank, ``int()`` of a time)
    runs once per row: about 1.3 µs, 4 of a reporter's name search's 40 ms
    of Python at a million stories, where the window's ranges are thousands
    of rows. For columns the driver already gives as Python numbers
    (PostgreSQL's ids, ranks and bigints), with no ``flat``.
    """
    from django.core.exceptions import EmptyResultSet

    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
        self.unmatched = queryset
        if self.vendor == "postgresql":
            from articles.search import postgres

            words = postgres.words_condition(self.text)
            if words is not None:
                # A phrase of common words ("city council") is checked on every
                # story holding both words, document by document: 7.5 s at a
                # million stories. It is checked on the newest stories holding
                # all its words instead, ARTICLES_SEARCH_PHRASE_CANDIDATES of them,
                # as they are read: each candidate gives its id if the phrase is
                # in it, else NULL (never IN a list), so no document is read twice.
                candidates = (
                    queryset.filter(words)
                    # In the walked rows' order (a topic's rows): read by the
                    # stories' date instead, a topic's phrase walked every story
                    # newest first and probed it for the topic (68,000 stories
                    # to find 2,000 candidates: 0.8 s at a million).
                    .order_by(*self.newest_first())
                    # The phrase's query worked out once, not once per candidate.
                    .annotate(
                        phrase_found=Case(
                            When(postgres.match_condition(self.text, once=True), then=F("pk")), default=None
                        )
                    )
                    .values("phrase_found")
                )
                return queryset.filter(pk__in=candidates[: settings.SEARCH_PHRASE_CANDIDATES])
        return queryset.filter(condition)

    def narrow_to_topics(self, queryset, tags, section=None):
        """``queryset`` narrowed to the first of ``tags`` through its rows, read newest first; and the tags left.

        A common word with a topic (and a section): read newest first from
        the stories' date index, PostgreSQL tested each story for the topic
        until the rank window was full, and read the other way (the topic's
        30,000 stories first) it tested each of those: 0.3 to 0.5 s at a
        million stories either way. The topic's own rows carry each story's
        publication time (``articles.models.in_print``), so the window is
        read from the topic's index in date order and each story is tested
        for the words and the other filters: a few thousand probes for a
        common word (30 ms), and for a rare word PostgreSQL joins the word's
        few matches to the topic instead. Lists are then ordered by that
        copy (:attr:`walk`), which equals ``published_at`` on every row read.
        With a ``section`` too, the rows' copy of their story's section is
        tested in the index, so only that section's stories are read: at a
        million stories 1,030 stories read instead of 5,953 (25 -> 12 ms).
        """
        from articles.models import in_print

        if not tags or self.walk or not in_print.kept(self.using):
            return queryset, tags
        tag, *others = tags
        # One filter() call: the tag, the time and the section are conditions on the same row.
        on_row = {"tagged_items__tag": tag, "tagged_items__story_published_at__lte": timezone.now()}
        if section is not None:
            on_row["tagged_items__story_section_id"] = section.pk
        queryset = queryset.filter(**on_row)
        self.walk = "tagged_items__story_published_at"
        return queryset, others

    def narrow_to_author(self, queryset, author):
        """``queryset`` narrowed to ``author``'s stories through their byline rows, read newest first; or None.

        As :meth:`narrow_to_topics` for a topic: tested per story while the
        date index was walked, a common word by the most prolific author
        read and tested 47,000 documents to fill the rank window (0.5 s at a
        million stories), a phrase 1.2 s. The author's byline rows carry
        their story's publication time, so the window is read from the
        author's index in date order. A story credits an author once per
        role, so only the row of the author's first role (by name) is
        joined: one row per story, as the Exists of ``by_author`` gives.
        None when another walk is set (a topic's) or the database keeps no
        copies: the caller tests the author per story.
        """
        from django.db.models import Exists, OuterRef

        from articles.models import Byline, in_print

        if self.walk or not in_print.kept(self.using):
            return None
        # NOT EXISTS (an earlier role), not "role = (the first role)": PostgreSQL
        # estimates an anti-join from the table's statistics, but takes an
        # equality with a subquery to keep 1 row in 200, and planned a common
        # word with a section and the author as if the author had a handful of
        # matches (1.7 s that way at a million stories, 55 ms this way).
        earlier_role = Byline.objects.filter(
            article=OuterRef("bylines__article"), author=author, role__lt=OuterRef("bylines__role")
        )
        # One filter() call: the author, the time and the role are conditions on the same row.
        queryset = queryset.filter(
            ~Exists(earlier_role),
            bylines__author=author,
            bylines__story_published_at__lte=timezone.now(),
        )
        self.walk = "bylines__story_published_at"
        return queryset

    # How many stories the list holds when the search read all it can show:
    # "Best match" ranked them (best_match) or "Newest first" listed them (shortlist).
    window_size = None

    # "Newest first": the ids of every story a reader's pages can show, newest first (shortlist), if read.
    listed = None

    # The column lists are read in date order from (a topic's or an author's rows), if not the stories' own.
    walk = None

    def newest_first(self):
        return (f"-{self.walk or 'published_at'}", "-pk")

    def in_walk_order(self, queryset):
        """``queryset`` in its date order, taken from the walked rows' copy where there is one."""
        order = queryset.query.order_by
        if not self.walk or not order or order[0].lstrip("-") != "published_at":
            return queryset
        sign = "-" if order[0].startswith("-") else ""
        return queryset.order_by(f"{sign}{self.walk}", *order[1:])

    def with_ids(self, queryset, pks):
        """``queryset`` narrowed to the stories ``pks``: on PostgreSQL one array parameter, not one per id."""
        if self.vendor == "postgresql":
            from articles.search import postgres

            return queryset.filter(postgres.AnyOf(F("pk"), pks))
        return queryset.filter(pk__in=pks)

    def rank_expression(self):
        if self.vendor == "postgresql":
            from articles.search import postgres

            return postgres.rank_expression(self.text)
        return self.sqlite.rank()

    # The ranked window in rank order (best_match), for pages read by id: ``RankedStories``.
    ranked = None

    # Ranges read before the rest of the archive is left to the planner (newest_matches).
    WIDENINGS = 2
    # Under this share of the newest stories matching, a word's ranges are read through both indexes.
    SPARSE = 0.1
    # The stories the search's other filters leave, before its words are matched (filter()).
    unmatched = None
    # A range reaches back at most this many times as many stories as the ones before it.
    MAX_REACH = 64

    # Punctuation or an underscore inside a word ("murphy-storey", "o'neill",
    # "covid-19", "x86_64"): websearch_to_tsquery may make it a phrase of its
    # parts, which the text index cannot check alone (see newest_matches).
    WORD_WITH_PARTS = re.compile(r"\w(?:[^\w\s]|_)+\w")

    def may_hold_a_phrase(self):
        return self.WORD_WITH_PARTS.search(self.text) is not None

    # The section the search is narrowed to, if any (set by the caller): its stories are the ranges read.
    section = None

    def newest_dates(self, queryset):
        """The publication times of the stories in print (in :attr:`section`), newest first, from an index alone."""
        from articles.models import Article

        stories = Article.objects.using(queryset.db).published()
        if self.section is not None:
            stories = stories.filter(section=self.section)
        return stories.order_by("-published_at", "-id").values_list("published_at", flat=True)

    def recent_bound(self, queryset):
        """The publication time of the newest ``ARTICLES_SEARCH_RECENT_STORIES``-th story in print, or None.

        None when the ranged read (:meth:`newest_matches`) does not apply: not
        PostgreSQL; a topic's (an author's) rows already read newest first; a
        quoted phrase (its candidates are read newest first in :meth:`filter`);
        the setting is 0; or the archive holds fewer stories (the walk then
        reads all of it at little cost).
        """
        recent = settings.SEARCH_RECENT_STORIES
        if self.vendor != "postgresql" or self.walk or not recent or '"' in self.text:
            return None
        return next(iter(self.newest_dates(queryset)[recent - 1 : recent]), None)

    def newest_matches(self, queryset, size, bound, rank=True):
        """The newest ``size`` matches of ``queryset`` as ``(pk, search_rank)``, newest first (rank None: not ranked).

        With ``LIMIT size`` along the date index PostgreSQL tests one story's
        document after another; its cost model does not count reading a
        document, so it walks for any word common enough that the walk looks
        short. For a word in 2% of stories that is 50,000 documents for a
        window of 1,000 (250 ms at a million stories), where the text index
        names the word's 26,000 stories and the date index those of a range,
        and the two together the thousand-odd in both.

        So the matches are read range by range. The first range is the
        stories since ``bound`` (:meth:`recent_bound`), read newest first up
        to ``size`` and ranked as read: a common word's window is found
        there, as before. Otherwise the matches it held say how many stories
        hold the rest, and half as many again are read as one range (ids and
        times only, in no order, so PostgreSQL takes both indexes), up to
        ``WIDENINGS`` times. What is still missing is read as before, newest
        first below the last range: a rare word's few matches, which the
        planner reads through the text index. With ``rank``, the stories not
        ranked as read are then ranked by id in one query.
        """
        unestimated = None
        if self.unmatched is not None:
            from articles.search import postgres

            # The query worked out once (a subselect), which PostgreSQL cannot
            # estimate and takes for a few matches in 200: see below.
            unestimated = self.unmatched.filter(postgres.match_condition(self.text, once=True))
        # A hyphenated word ("Hudson-Oliver") is a phrase of its parts, which
        # PostgreSQL estimates as a handful of stories: it read the text index's
        # every story holding the parts and checked each one's word order before
        # the date (21,650 documents, 285 ms at a million stories, for the 45
        # among the newest 2,000). Unestimated, the date range is checked first.
        phrase_of_parts = unestimated is not None and self.may_hold_a_phrase()
        first = (unestimated if phrase_of_parts else queryset).filter(published_at__gte=bound)
        first = first.order_by(*self.newest_first())
        if rank:
            first = first.annotate(search_rank=self.rank_expression()).values_list("pk", "search_rank")
        else:
            first = first.annotate(search_rank=Value(None, FloatField())).values_list("pk", "search_rank")
        found = fetch_rows(first[:size])
        if len(found) == size:
            return found
        # Whole microseconds since 1970 (UTC: a local clock repeats an hour each
        # autumn): a range's rows are sorted here, and datetimes cost 3 µs a row to read.
        since_1970 = Extract("published_at", "epoch", tzinfo=datetime.UTC) * 1000000
        matches = queryset
        if phrase_of_parts or (len(found) < settings.SEARCH_RECENT_STORIES * self.SPARSE and unestimated is not None):
            # Under one story in ten matched: the words' own index entries are
            # few, so the ranges are read with the query worked out once, which
            # PostgreSQL cannot estimate and takes for a few matches in 200. From
            # the query it multiplies its words' separate frequencies: for a
            # name ("Dr Gavin King") it expected a few dozen matches in the
            # archive where there are 22,550, read every one of them and
            # dropped those outside the range (75 ms at a million stories),
            # instead of taking the date index too (21 ms). A common word is
            # left to the estimate: taken for rare, its 970,000 index entries
            # were read to find the 1,250 of a range (70 ms, against 20). A
            # phrase of parts is taken for rarer still, and each story in the
            # index checked for its word order before the range: unestimated.
            matches = unestimated
        unordered = matches.order_by().annotate(listed=Cast(since_1970, BigIntegerField())).values_list("pk", "listed")
        dates = self.newest_dates(queryset)
        stories, upper, older = settings.SEARCH_RECENT_STORIES, bound, []
        for _ in range(self.WIDENINGS):
            if not found or len(found) + len(older) >= size:
                break  # not one match among the newest stories (a rare word), or the window is full
            stories = int(stories * min(size / (len(found) + len(older)) * 1.5, self.MAX_REACH))
            lower = next(iter(dates[stories - 1 : stories]), None)
            rows = unordered.filter(published_at__lt=upper)
            if lower is not None:
                rows = rows.filter(published_at__gte=lower)
            # Ranges are read newest first, so each one's rows go after the last one's.
            older += sorted(fetch_rows(rows), key=lambda row: (row[1], row[0]), reverse=True)
            upper = lower
            if upper is None:
                break  # the range reached the archive's first story
        older = [pk for pk, _ in older[: size - len(found)]]
        if len(found) + len(older) < size and upper is not None:
            rest = queryset.filter(published_at__lt=upper).order_by(*self.newest_first())
            older += rest.values_list("pk", flat=True)[: size - len(found) - len(older)]
        if older and not rank:
            found += [(pk, None) for pk in older]
        elif older:
            ranks = dict(
                fetch_rows(
                    self.with_ids(queryset.model.objects.using(queryset.db), older)
                    .order_by()
                    .annotate(search_rank=self.rank_expression())
                    .values_list("pk", "search_rank")
                )
            )
            # A story deleted since its range was read is left out, not an error.
            found += [(pk, ranks[pk]) for pk in older if pk in ranks]
        return found

    def best_match(self, queryset):
        """``queryset`` (already filtered) ranked by relevance within its newest matches, newest first on ties.

        The window is read once, newest first, with each story's rank worked
        out as it is read: ranking the same stories again in the page's query
        read every document in the window a second time (10 ms of a common
        word's search at a million stories). The order is kept in
        :attr:`ranked` (a reader page reads its stories by id from it); the
        queryset returned ranks in SQL, for callers that page with cursors.
        """
        from articles.models import Article

        size = settings.SEARCH_RANK_WINDOW
        bound = self.recent_bound(queryset)
        if bound is None:
            newest = queryset.order_by(*self.newest_first()).annotate(search_rank=self.rank_expression())
            window = list(newest.values_list("pk", "search_rank")[:size])
        else:
            window = self.newest_matches(queryset, size, bound)
        # The list's length is known: its pages need not count it again.
        self.window_size = len(window)
        # The window was read newest first, so a stable sort by rank alone
        # leaves ties newest first (then by id), as the SQL order has them.
        window.sort(key=lambda row: -row[1])
        self.ranked = dict(window)
        return (
            self.with_ids(Article.objects.using(queryset.db).with_page_relations(), list(self.ranked))
            .annotate(search_rank=self.rank_expression())
            .order_by("-search_rank", "-published_at", "-pk")
        )

    def shortlist(self, queryset, listed=None):
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

        ``listed``: the most stories the caller's pages show (a reader's
        pages stop at ``ARTICLES_MAX_PAGES``). Newest first, the newest
        ``listed + 1`` matches are then all a page needs: they are read range
        by range (:meth:`newest_matches`) and kept in :attr:`listed`, and
        no shortlist is read. For a common word the shortlist tested 10,000
        documents to learn that it was common (110 ms at a million stories).
        """
        if self.vendor != "postgresql":
            return queryset  # SQLite reads FTS5 matches first on its own.
        order = queryset.query.order_by
        by_date = bool(order) and order[0].lstrip("-") == "published_at"
        bound = self.recent_bound(queryset) if listed and by_date and order[0] == "-published_at" else None
        if bound is not None:
            self.listed = [pk for pk, _ in self.newest_matches(queryset, listed + 1, bound, rank=False)]
            self.window_size = len(self.listed)
            return self.with_ids(queryset, self.listed)
        limit = settings.SEARCH_SHORTLIST
        pks = list(queryset.order_by().values_list("pk", flat=True)[: limit + 1])
        if len(pks) <= limit:
            return self.with_ids(queryset, pks)
        if by_date:
            return self.in_walk_order(queryset)
        # By headline, a common word would sort every match (5 s for a third of
        # a million stories): like "Best match", only the newest window is sorted.
        size = settings.SEARCH_RANK_WINDOW
        bound = self.recent_bound(queryset)
        if bound is not None:
            return self.with_ids(queryset, [pk for pk, _ in self.newest_matches(queryset, size, bound, rank=False)])
        return queryset.filter(pk__in=queryset.order_by(*self.newest_first()).values("pk")[:size])

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


class ListedStories:
    """A list read by id for a paginator: ``pks`` in their order, each page's stories read by id.

    A page is one query for its twenty stories (``stories``: the page's
    relations prefetched), without the search's condition: the ids were
    read through it already ("Newest first": ``TextSearch.listed``).
    """

    ordered = True

    def __init__(self, pks, stories):
        self.pks = list(pks)
        self.stories = stories

    def count(self):
        return len(self.pks)

    def count_up_to(self, limit):
        return min(len(self.pks), limit)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError(f"{type(self).__name__} takes slices only: a page of stories.")
        pks = self.pks[index]
        found = {story.pk: story for story in self.stories.filter(pk__in=pks)}
        return [found[pk] for pk in pks if pk in found]


class RankedStories(ListedStories):
    """A "Best match" list for a paginator: the window's ids in rank order, each page's stories read by id.

    ``TextSearch.best_match`` ranked the window as it read it; each story of
    a page is given its ``search_rank``.
    """

    def __init__(self, ranked, stories):
        super().__init__(ranked, stories)
        self.ranked = ranked

    def __getitem__(self, index):
        page = super().__getitem__(index)
        for story in page:
            story.search_rank = self.ranked[story.pk]
        return page
