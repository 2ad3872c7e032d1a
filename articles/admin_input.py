"""Bad input in the admin is a form error or a message, never a 500.

Django's admin trusts a few submitted values further than it checks them:

- ``AutocompleteSelect`` re-renders a bound form by looking the submitted
  values up in the database (``AutocompleteMixin.optgroups``) without
  checking that they fit the key, so posting ``"abc"`` for a story's section,
  a byline's author or a widget placement's widget raised ``ValueError:
  Field 'id' expected a number`` while the form was being shown with its
  error; the editor got a 500 and lost their typing.
- A bulk action filters the changelist with the submitted ids as they are
  (``ValueError`` for ``"abc"``).
- A number too large for the column (``99999999999999999999``) passes
  ``to_python()``; SQLite then refuses it in an ``IN (…)`` query
  (``OverflowError``), in a changelist filter or ``list_editable`` ids, and
  the date hierarchy turns a huge year into ``OverflowError`` on any database.

Put :class:`SafeInputAdminMixin` first in the bases of every admin and
inline of the app (widget kinds' admins too). Values a key cannot hold are
dropped before any query: the form field still rejects them ("Select a
valid choice") and everything else the editor typed stays on the form; a
changelist with impossible filters goes back to the unfiltered list, as
Django does for other bad filters.
"""

from django.contrib.admin import helpers, widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError


def fits(field, value):
    """Could ``value`` be stored in model field ``field``?"""
    try:
        # to_python() refuses "abc" for an integer key; the validators refuse
        # a number beyond what the column holds.
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class SafeAutocompleteWidgetMixin:
    def optgroups(self, name, value, attr=None):
        remote_opts = self.field.remote_field.model._meta
        # The key AutocompleteMixin.optgroups looks the values up by.
        key = remote_opts.get_field(getattr(self.field.remote_field, "field_name", None) or remote_opts.pk.name)
        return super().optgroups(name, [item for item in value if fits(key, item)], attr)


class SafeAutocompleteSelect(SafeAutocompleteWidgetMixin, widgets.AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(SafeAutocompleteWidgetMixin, widgets.AutocompleteSelectMultiple):
    pass


class SafeChangeList(ChangeList):
    """Impossible numbers in the filters are bad filters (redirect to ``?e=1``), not a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:  # the date hierarchy's year, month or day
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        try:
            return super().get_results(request)
        except OverflowError as exc:  # SQLite, for an id beyond 64 bits in an IN (…) filter
            raise IncorrectLookupParameters(exc) from exc


class SafeInputAdminMixin:
    """For ``ModelAdmin`` and ``InlineModelAdmin`` classes of the app."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def response_action(self, request, queryset):
        # An id no row can have selects nothing: the action then says
        # "Items must be selected", as for an empty selection.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        kept = [pk for pk in selected if fits(self.opts.pk, pk)]
        if kept != selected:
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, kept)
        return super().response_action(request, queryset)

    def _get_list_editable_queryset(self, request, prefix):
        # Django checks the edited ids with to_python() only; an id too large
        # for the column would reach the query. Like Django for an id that is
        # not a number: skip the narrowing, and the form reports the bad id.
        edited = self._get_edited_object_pks(request, prefix)
        if all(fits(self.opts.pk, pk) for pk in edited):
            return super()._get_list_editable_queryset(request, prefix)
        return self.get_queryset(request)
