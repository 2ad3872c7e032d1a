"""The stories list's filters: the reader search's ``StoryFilter``, and the cursor that pages through its order.

The API filters with the very ``FilterSet`` the search page uses
(``articles.filters.StoryFilter``, through django-filter's
``DjangoFilterBackend``), so a query means the same thing in both places
and a bad value is refused the same way (here: a 400 listing the errors).
The only additions say in the schema what the filters that look up a row
by slug take (drf-spectacular cannot tell from a filter ``method``).

Cursor pagination (REST framework's ``CursorPagination``) pages through the
order the filters chose, not a fixed one: a cursor holds the position of
the last story seen in that order, so a page never repeats or skips a
story when new ones are published in between, and no page costs a count.
"""

import copy
import datetime

from django.db.models import BigIntegerField, ExpressionWrapper, F, FloatField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination

from articles.conf import settings
from articles.filters import StoryFilter, StoryOrderingFilter


def _described(name, schema):
    # A copy: StoryFilter's own filter objects are shared by every search form.
    return extend_schema_field(schema)(copy.deepcopy(StoryFilter.base_filters[name]))


class StoryAPIFilter(StoryFilter):
    """``StoryFilter`` with the schema of each parameter spelled out; it filters exactly the same."""

    q = _described(
        "q",
        {
            "type": "string",
            "maxLength": 200,
            "description": 'Search words: stemmed, "a phrase", -excluded, or. Ranked by relevance unless ordered.',
        },
    )
    section = _described("section", {"type": "string", "description": "A section's slug."})
    tag = _described("tag", {"type": "string", "description": "A topic's slug; repeat it: stories with all."})
    author = _described("author", {"type": "string", "description": "An author's slug, in any byline role."})

    class Meta(StoryFilter.Meta):
        pass

    def listed_at_most(self):
        # Cursors page through every match: no page limit to read up to.
        return None


class StoryFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` that leaves the filter set on the view: the pagination reads its chosen order."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


class CursorPaginationWithChecks(CursorPagination):
    """REST framework's cursor pagination, with the cursor's position checked before it reaches a query.

    A cursor is a client's to edit: a position that is not a value of the
    order's first field (a date for "newest", a number for "relevance") is
    refused as an invalid cursor (404, as REST framework answers any
    cursor it cannot read), never passed to the database.
    """

    template = None  # no browsable API
    page_size_query_param = "page_size"
    max_page_size = 100
    # Positions by the first field of the order: how to read one back.
    position_readers = {}

    def get_page_size(self, request):
        self.page_size = settings.PAGINATE_BY
        return super().get_page_size(request)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        read = self.position_readers.get(self.ordering[0].lstrip("-"), _text)
        try:
            position = read(cursor.position)
        except (TypeError, ValueError, OverflowError) as error:
            raise NotFound(self.invalid_cursor_message) from error
        return Cursor(offset=cursor.offset, reverse=cursor.reverse, position=position)


def _text(value):
    # PostgreSQL cannot even compare a string holding a NUL.
    if "\x00" in value:
        raise ValueError("NUL in a cursor")
    return value


def _moment(value):
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError("not a date and time")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def _whole_number(value):
    number = int(value)
    if abs(number) >= 2**63:
        raise ValueError("out of range")
    return number


# "Best match" pages by a whole number (the rank, scaled): a float written
# into a cursor and compared again may not round-trip through the database.
SCORE_SCALE = 1_000_000.0


class StoryCursorPagination(CursorPaginationWithChecks):
    """Pages of stories in the order ``StoryFilter`` chose ("newest" by default)."""

    ordering = StoryOrderingFilter.orders["newest"]
    position_readers = {"published_at": _moment, "listed_at": _moment, "search_score": _whole_number}

    def paginate_queryset(self, queryset, request, view=None):
        queryset, self.ordering = self.story_order(queryset, view)
        return super().paginate_queryset(queryset, request, view)

    def story_order(self, queryset, view):
        filterset = getattr(view, "filterset", None)
        chosen = None
        if filterset is not None and filterset.is_bound and filterset.is_valid():
            chosen = filterset.form.cleaned_data.get("ordering")
        if filterset is not None and filterset.ranked:
            # Ranked by StoryFilter (best_match: ``search_rank``).
            score = Cast(
                ExpressionWrapper(F("search_rank") * Value(SCORE_SCALE), output_field=FloatField()),
                BigIntegerField(),
            )
            return queryset.annotate(search_score=score), ("-search_score", "-published_at", "-pk")
        order = StoryOrderingFilter.orders[StoryOrderingFilter.chosen(chosen) or "newest"]
        if getattr(view, "shows_unpublished", False):
            # Drafts have no publication time yet: they take their place by creation.
            queryset = queryset.annotate(listed_at=Coalesce("published_at", "created_at"))
            order = tuple(field.replace("published_at", "listed_at") for field in order)
            return queryset, order
        walk = getattr(getattr(filterset, "search", None), "walk", None)
        if walk:
            # Words with a topic or an author are read through that topic's or
            # author's rows (TextSearch.walk), which carry their story's
            # publication time: ordered by the stories' own column instead,
            # each page sorted every match (0.5 s a page for a common word by
            # the most prolific author at a million stories).
            queryset = queryset.annotate(listed_at=F(walk))
            order = tuple(field.replace("published_at", "listed_at") for field in order)
        return queryset, order

    def get_ordering(self, request, queryset, view):
        return self.ordering


class SlugCursorPagination(CursorPaginationWithChecks):
    """Authors and tags, by slug: unique, so a cursor is exact."""

    ordering = ("slug",)
