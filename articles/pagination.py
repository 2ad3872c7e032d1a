"""A paginator that never counts the whole archive.

Django's ``Paginator`` runs ``SELECT COUNT(*)`` over every matching row on
each request, to print "Page 3 of 12" and to check the page number: at a
million stories that alone walks the list's whole index (or table) every
time. :class:`CappedPaginator` reads at most ``max_pages x per_page + 1``
rows instead (a ``LIMIT`` inside the count), so:

- below the cap the count, the number of pages and every link are exact;
- above it the list says "more than N pages" (``capped`` is true,
  ``num_pages`` is the cap) and pages past the cap do not exist: the views
  answer 404, as for any page past the end. Readers page on with "Older
  stories" or narrow the list (a section, tag, date range in search).

The cap is ``ARTICLES_MAX_PAGES`` (default 100 pages: 2,000 stories of a
list at 20 a page).

A deep page of a queryset (``OFFSET`` of :attr:`CappedPaginator.deep_offset`
items or more) reads its stories' ids first, then those stories: an
``OFFSET`` over whole rows fetched every row it skipped from the table
(a section's page 50 at a million stories read 5,600 rows, 5.4 ms),
while the ids come from the list's index alone (0.2 ms), and only the
page's twenty rows are read.
"""

from functools import cached_property

from django.core.paginator import Paginator

from articles.conf import settings


class CappedPaginator(Paginator):
    """``Paginator`` whose count stops at ``max_pages`` pages (``ARTICLES_MAX_PAGES`` by default)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, max_pages=None, **kwargs):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self.max_pages = int(settings.MAX_PAGES if max_pages is None else max_pages)
        if self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, not {self.max_pages}")

    @cached_property
    def cap(self):
        """The most items the pages can show."""
        return self.max_pages * self.per_page

    @cached_property
    def _read(self):
        """How many items there are, counting no further than one past the cap."""
        limit = self.cap + 1
        items = self.object_list
        if hasattr(items, "count_up_to"):
            return items.count_up_to(limit)  # articles.listings.LinkedStories
        if hasattr(items, "values_list"):
            # Only ids, no order, no prefetching: the database stops at the LIMIT
            # and may take whichever index finds that many rows soonest.
            # (Django counts a sliced queryset as COUNT(*) over a LIMITed subquery.)
            return items.values_list("pk", flat=True).order_by()[:limit].count()
        return len(items[:limit])

    # From this many items in (page 6 at 20 a page), a page reads its ids first.
    deep_offset = 100

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        items = self.object_list
        if bottom >= self.deep_offset and self._by_ids(items):
            # One more query, in the same order: the page's rows by id, with
            # what the queryset selects and prefetches for them.
            pks = list(items.values_list("pk", flat=True)[bottom:top])
            return self._get_page(list(items.filter(pk__in=pks)) if pks else [], number, self)
        return self._get_page(items[bottom:top], number, self)

    @staticmethod
    def _by_ids(items):
        query = getattr(items, "query", None)
        return (
            hasattr(items, "values_list")
            and query is not None
            and items.ordered
            and not query.is_sliced
            and not query.combinator
            and not query.distinct
        )

    def know_count(self, count):
        """The caller has the list's length already (a search's ranked window): no count query."""
        self.__dict__["_read"] = min(int(count), self.cap + 1)

    @property
    def capped(self):
        """True when the list runs past the last page shown (the count is a lower bound)."""
        return self._read > self.cap

    @cached_property
    def count(self):
        """The exact number of items below the cap; the cap itself above it."""
        return min(self._read, self.cap)

    @cached_property
    def num_pages(self):
        if self.capped:
            return self.max_pages
        return super().num_pages
