"""No lost work: a save based on an out-of-date copy of a story is refused.

Optimistic locking on ``Article.updated_at``, which ``save()`` sets on every
write. The change form carries the ``updated_at`` it was rendered from as a
hidden "version token"; a save whose token no longer matches the database
row means someone else saved in between, and is refused with a form error
naming them. The form is re-rendered with the second person's input, so
nothing they typed is lost.

Bulk actions use :func:`save_if_unchanged`, a conditional UPDATE that
changes nothing when the row moved on since it was read.
"""

import datetime

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import dates
from articles.models import Article

TOKEN_FIELD = "version_token"


def version_token(article):
    return article.updated_at.isoformat() if article.updated_at else ""


def parse_token(token):
    try:
        return datetime.datetime.fromisoformat(token)
    except (TypeError, ValueError):
        return None


def save_if_unchanged(article, expected_updated_at=None, **changes):
    """Apply ``changes`` to ``article`` only if nobody saved it since it was read.

    ``expected_updated_at`` defaults to the ``updated_at`` the instance was
    loaded with. One conditional UPDATE does check and write together, so two
    concurrent callers cannot both pass. Returns ``True`` when saved (the
    instance is updated to match), ``False`` when the row had changed or is
    gone. It bypasses ``save()`` and its signals; ``ArticleQuerySet.update()``
    announces the keys it touches (``articles.delivery.changes``), so a story
    bulk published or withdrawn shows on the home page and in related
    stories at once, not when the page cache expires.
    """
    if expected_updated_at is None:
        expected_updated_at = article.updated_at
    now = timezone.now()
    changed = Article.objects.filter(pk=article.pk, updated_at=expected_updated_at).update(updated_at=now, **changes)
    if not changed:
        return False
    for name, value in changes.items():
        setattr(article, name, value)
    article.updated_at = now
    return True


def _saved_by_name(user_id):
    if user_id is None:
        return _("Someone")
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return _("Someone")
    return user_display_name(user)


def user_display_name(user):
    """How the newsroom names a colleague, for any user model.

    ``get_full_name()`` is only on ``AbstractUser``; a custom model built on
    ``AbstractBaseUser`` may lack it (the stale-save refusal crashed then,
    at the very moment of an edit conflict). ``get_username()`` is on every
    user model.
    """
    get_full_name = getattr(user, "get_full_name", None)
    full_name = get_full_name() if callable(get_full_name) else ""
    return (full_name or "").strip() or user.get_username()


def _saved_at_text(moment):
    if timezone.localtime(moment).date() == timezone.localdate():
        return dates.time_of_day(moment)
    return dates.day_time(moment)


def stale_save_error(saved_at, saved_by_id):
    return forms.ValidationError(
        _("%(name)s saved this story at %(time)s; your changes were not saved — copy them, reload, and re-apply."),
        code="stale",
        params={"name": _saved_by_name(saved_by_id), "time": _saved_at_text(saved_at)},
    )


class VersionTokenForm(forms.ModelForm):
    """Mixed into the article change form by :class:`StaleSaveAdminMixin`."""

    version_token = forms.CharField(label=_("version token"), widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD].initial = version_token(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None:
            return cleaned_data
        rows = Article.objects.filter(pk=self.instance.pk)
        # Inside the admin's save transaction, lock the row until commit so a
        # concurrent save waits and then sees this one's new updated_at. (On
        # SQLite the lock is a no-op, but SQLite allows one writer at a time.)
        if transaction.get_connection(rows.db).in_atomic_block:
            rows = rows.select_for_update()
        current = rows.values_list("updated_at", "updated_by_id").first()
        if current is None:
            return cleaned_data  # deleted meanwhile: the admin reports that itself
        saved_at, saved_by_id = current
        if parse_token(cleaned_data.get(TOKEN_FIELD)) != saved_at:
            raise stale_save_error(saved_at, saved_by_id)
        return cleaned_data


class StaleSaveAdminMixin:
    """Refuses stale saves on the change form of any ModelAdmin for Article.

    The token travels as a hidden field appended to the first fieldset (so
    it is also on django-reversion's revert form); the form class is wrapped
    rather than replaced, so the admin may keep its own ``form``.
    """

    def _locks(self, request, obj):
        return obj is not None and self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._locks(request, obj) or TOKEN_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], TOKEN_FIELD]}), *rest]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"]:
            # The token is a form field, not a model field: keep it away from
            # modelform_factory, which would reject it as unknown.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != TOKEN_FIELD]
        form = super().get_form(request, obj, change=change, **kwargs)
        if not self._locks(request, obj):
            return form
        return type(form.__name__, (VersionTokenForm, form), {})
