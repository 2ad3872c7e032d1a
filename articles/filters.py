"""The readers' search form: free text plus section, tags, author, dates and order.

Every filter validates its input. The search view is ``strict`` (django-filter's
default): a form with any error lists its errors and no stories, rather than
quietly ignoring the bad value and showing everything.
"""

import datetime
import re

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, DateFilter, FilterSet, ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters import fields as filter_fields
from django_filters.filters import OrderingFilter

from articles.conf import settings
from articles.models import Article, Author, Section, tags_in_print
from articles.search import choices, text_search

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _public_tags(request):
    # A tag used only on drafts is neither offered in the form nor accepted in a link.
    return tags_in_print().order_by("name")


class DateInput(forms.DateInput):
    # The browser's own date picker; the value must be ISO for it to show.
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def format_value(self, value):
        # A date input only holds an ISO date; a malformed one is left out
        # (the field's error says what was wrong) so the page stays valid HTML.
        value = super().format_value(value)
        if not isinstance(value, str) or not ISO_DATE.match(value):
            return None
        try:
            datetime.date.fromisoformat(value)
        except ValueError:  # 30 February and the like
            return None
        return value


class QuickOptionsMixin:
    """A select whose options are written in Python, not drawn by a template each.

    The search form lists every section, topic and author; Django's widget
    templates (one render per ``<option>``) made drawing those lists most of a
    search page's time (about 70 ms for 400 options). Same markup, same
    attributes (``aria-describedby`` and the like come in ``attrs``).
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        kept = getattr(self.choices, "kept_options", None)
        kept = kept() if kept is not None else None
        if kept is not None:
            # The list as written for the last search (articles.search.choices), the reader's choices selected.
            empty, options = kept
            if empty and "" in chosen:
                empty = empty.replace('value="">', 'value="" selected>', 1)
            options = mark_safe(empty + options.select(chosen))  # escaped where kept; empty: below
        else:
            # Escaped per value, not by format_html() per option: a few hundred options a page.
            options = mark_safe(  # every value and label escaped here
                "\n".join(
                    f'<option value="{conditional_escape(option)}"{" selected" if str(option) in chosen else ""}>'
                    f"{conditional_escape(label)}</option>"
                    for option, label in self.choices
                )
            )
        # In the order given, as Django's attrs.html writes them (flatatt would sort them).
        written = format_html_join(
            "",
            "{}",
            (
                (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
                for name, value in attrs.items()
                if value is not False and value is not None
            ),
        )
        return format_html("<select{}>\n{}\n</select>", written, options)


class QuickSelect(QuickOptionsMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickOptionsMixin, forms.SelectMultiple):
    pass


class NamedChoiceIterator(filter_fields.ModelChoiceIterator):
    """A section's, topic's or author's choices as (slug, name) pairs, read without making model instances.

    Each of those (``__str__`` is the name) was built as a model instance
    to be listed: 400 of them, 3 to 4 ms of every search page at a million
    stories. The labels are the names, as ``__str__`` gives them.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list(self.field.to_field_name or "pk", "name")

    def kept_options(self):
        """``(empty choice markup, choices.Options)`` where the form keeps its lists; else None."""
        kept = getattr(self.field, "kept_options", None)
        if kept is None:
            return None
        name, versions = kept
        options = choices.options(name, self.queryset, self.field.to_field_name or "pk", versions)
        empty = ""
        if self.field.empty_label is not None:
            empty = f'<option value="">{conditional_escape(self.field.empty_label)}</option>'
            empty += "\n" if options.html else ""
        return empty, options


class NamedChoiceField(filter_fields.ModelChoiceField):
    iterator = NamedChoiceIterator


class NamedMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    iterator = NamedChoiceIterator


class NamedChoiceFilter(ModelChoiceFilter):
    field_class = NamedChoiceField


class NamedMultipleChoiceFilter(ModelMultipleChoiceFilter):
    field_class = NamedMultipleChoiceField


class StoryFilterForm(forms.Form):
    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("date_from"), cleaned_data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned_data


class StoryOrderingFilter(OrderingFilter):
    """Three orders a reader understands, named for them rather than for columns."""

    # "relevance" is applied by StoryFilter once every filter is in (it ranks
    # the filtered matches); without search words it is "newest".
    orders = {
        "relevance": ("-published_at", "-pk"),
        "newest": ("-published_at", "-pk"),
        "oldest": ("published_at", "pk"),
        "headline": ("headline", "-published_at", "-pk"),
    }

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = [
            ("relevance", _("Best match")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("headline", _("Headline, A to Z")),
        ]
        kwargs.setdefault("empty_label", None)
        super().__init__(*args, **kwargs)

    @staticmethod
    def chosen(value):
        """The order asked for, or ``None``.

        The field accepts a comma-separated list; the form offers one order,
        so the first one given wins. Empty items (``?ordering=,newest``) pass
        the field's validation and are skipped.
        """
        return next((order for order in value or () if order), None)

    def filter(self, qs, value):
        order = self.chosen(value)
        if order is None:
            return qs
        return qs.order_by(*self.orders[order])


class StoryFilter(FilterSet):
    q = CharFilter(
        label=_("Search for"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    section = NamedChoiceFilter(
        label=_("Section"),
        queryset=Section.objects.all(),
        to_field_name="slug",
        empty_label=_("All sections"),
        widget=QuickSelect,
    )
    tag = NamedMultipleChoiceFilter(
        label=_("Topics"),
        queryset=_public_tags,
        to_field_name="slug",
        method="filter_tags",
        help_text=_("Stories about all the chosen topics."),
        widget=QuickSelectMultiple,
    )
    author = NamedChoiceFilter(
        label=_("Author"),
        queryset=Author.objects.all(),
        to_field_name="slug",
        method="filter_author",
        empty_label=_("Any author"),
        widget=QuickSelect,
    )
    # Dates are the reader's local dates: ``__date`` converts to the current
    # time zone before comparing.
    date_from = DateFilter(
        label=_("Published from"), field_name="published_at", lookup_expr="date__gte", widget=DateInput
    )
    date_to = DateFilter(
        label=_("Published until"), field_name="published_at", lookup_expr="date__lte", widget=DateInput
    )
    ordering = StoryOrderingFilter(label=_("Order"), widget=QuickSelect)

    class Meta:
        model = Article
        fields = []
        form = StoryFilterForm

    # The lists the form keeps between searches (articles.search.choices).
    KEPT_LISTS = ("section", "tag", "author")

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            versions = choices.Versions(self.queryset.db)
            for name in self.KEPT_LISTS:
                form.fields[name].kept_options = (name, versions)
        return self._form

    # The text search of the current request (set by filter_text), for ranking and snippets.
    search = None
    # Whether the matches were ranked ("Best match"): only the newest ARTICLES_SEARCH_RANK_WINDOW are listed then.
    ranked = False

    def filter_text(self, queryset, name, value):
        """Stories whose search document matches (``articles.search``): stemmed words,
        ``"phrases"``, ``-exclusions`` and ``or``, never markup.

        Applied in :meth:`filter_queryset`, after every other filter, together
        with the ranking, which must see the fully filtered matches. (The
        order in the WHERE clause does not decide PostgreSQL's order of
        checks: it tests ``@@`` before ``section_id = …``; see the README.)
        """
        self.search = text_search(value, using=queryset.db)
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.search is None:
            return queryset
        queryset = self.search.filter(queryset)
        # Its stories, not the archive's, are the ranges a search reads back in time (TextSearch.newest_matches).
        self.search.section = self.form.cleaned_data.get("section")
        order = StoryOrderingFilter.chosen(self.form.cleaned_data.get("ordering"))
        if order in (None, "relevance"):
            self.ranked = True
            return self.search.best_match(queryset)
        return self.search.shortlist(queryset, listed=self.listed_at_most())

    def listed_at_most(self):
        """The most stories the caller's pages show: a reader's stop at ``ARTICLES_MAX_PAGES`` (None: no limit)."""
        return settings.MAX_PAGES * settings.PAGINATE_BY

    def filter_tags(self, queryset, name, value):
        # All the chosen tags, not any: choosing more topics narrows the search.
        tags = list(value)
        if self.search is not None:
            section = self.form.cleaned_data.get("section")
            queryset, tags = self.search.narrow_to_topics(queryset, tags, section=section)
        for tag in tags:
            queryset = queryset.tagged(tag)
        return queryset

    def filter_author(self, queryset, name, value):
        if self.search is not None:
            # Read through the author's rows when no topic's are (TextSearch.narrow_to_author).
            narrowed = self.search.narrow_to_author(queryset, value)
            if narrowed is not None:
                return narrowed
        return queryset.by_author(value)
