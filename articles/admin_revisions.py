"""Admin side of revisions: history, revert (restore), recover.

Put :class:`RevisionAdminMixin` before ``ContentEditor`` in the article
admin's bases. ``VersionAdmin`` wraps the add and change views in a revision
block, which is serialised when the block closes, after the inline rows and
tags are saved, so each revision holds the story as the editor saved it.
The content editor needs no template of its own, so the revert form
(which extends ``admin/change_form.html``) shows the block editor too.

Restoring brings back the content and keeps the story's publication state
(``articles.restoring``): on the revert form status, publication time and
slug are read-only, whatever a POST carries, and a checkbox asks for the
revision's publication state explicitly. The form says what the restore
will change before the editor saves, and the message after it says what
was restored and where the story stands.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version
from reversion.revisions import set_comment

import articles.revisions  # noqa: F401  (registers Article and its parts before VersionAdmin looks)
from articles import dates
from articles.editing import compare
from articles.restoring import PUBLICATION_CHOICE_LABEL, PUBLICATION_FIELDS, Restore

RESTORE_PUBLICATION = "restore_publication"
# The restore in progress, for the admin hooks that changeform_view calls.
_REQUEST_ATTR = "articles_restore"


class _ShowOnly(Exception):
    """Carries a response out of the restore's transaction, undoing the revert."""

    def __init__(self, response):
        self.response = response


class RestoreForm(forms.ModelForm):
    """Mixed into the article form on the revert page by :class:`RevisionAdminMixin`."""

    restore = None  # the Restore in progress, set per request

    restore_publication = forms.BooleanField(label=PUBLICATION_CHOICE_LABEL, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[RESTORE_PUBLICATION].help_text = _(
            "Off: the story keeps %(now)s. On: it gets this revision's %(then)s."
        ) % {"now": self.restore.publication_now.describe(), "then": self.restore.publication_then.describe()}

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get(RESTORE_PUBLICATION):
            try:
                self.restore.check_publication(self.instance)
            except ValidationError as exc:
                self.add_error(RESTORE_PUBLICATION, exc)
        return cleaned_data

    def save(self, commit=True):
        if self.cleaned_data.get(RESTORE_PUBLICATION):
            self.restore.apply_publication(self.instance)
        return super().save(commit)


class RevisionAdminMixin(VersionAdmin):
    # Editors look for the latest change first.
    history_latest_first = True
    revision_form_template = "admin/articles/article/revision_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    compare_template = "admin/articles/article/compare.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{opts.app_label}_{opts.model_name}_compare",
            ),
            *super().get_urls(),
        ]

    # --- the history and the comparison of two revisions ------------------------

    def _url(self, name, *args):
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=args)

    def history_view(self, request, object_id, extra_context=None):
        """Reversion's history with the full date and time of each save, and two columns to pick a comparison."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        pk = unquote(object_id)
        versions = self._reversion_order_version_queryset(
            request, Version.objects.get_for_object_reference(self.model, pk).select_related("revision__user")
        )
        obj = self.model._default_manager.filter(pk=pk).first()
        actions = [
            {
                "version": version,
                "revision": version.revision,
                "saved_at": dates.dateline(version.revision.date_created),
                "url": self._url("revision", quote(version.object_id), version.pk),
            }
            for version in versions
        ]
        context = {
            "action_list": actions,
            # Only who may change the story compares and restores (the revert form saves).
            "can_compare": obj is not None and len(actions) > 1 and self.has_change_permission(request, obj),
            "compare_url": self._url("compare", quote(pk)),
            **(extra_context or {}),
        }
        # Django's own history view (permissions, breadcrumbs), not reversion's list built again.
        return admin.ModelAdmin.history_view(self, request, object_id, context)

    def compare_view(self, request, object_id):
        """Two revisions of a story side by side: ``?from=<version id>&to=<version id>``, newest two by default."""
        if request.method not in ("GET", "HEAD"):
            # Looking changes nothing; restoring is the revert form's POST.
            return HttpResponseNotAllowed(["GET", "HEAD"])
        pk = unquote(object_id)
        article = get_object_or_404(self.model._default_manager, pk=pk)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        versions = Version.objects.get_for_object_reference(self.model, pk).select_related("revision__user")
        picked = [request.GET.get("from"), request.GET.get("to")]
        if picked == [None, None]:
            chosen = list(versions.order_by("-revision__date_created", "-pk")[:2])
        else:
            try:
                ids = {int(value) for value in picked}
            except (TypeError, ValueError):
                raise Http404(_("Pick two revisions to compare.")) from None
            chosen = list(versions.filter(pk__in=ids))
            if len(chosen) != len(ids):
                # Another story's revision, or none at all.
                raise Http404(_("No such revision of this story."))
        if not chosen:
            raise Http404(_("This story has no revisions yet."))
        first, second = chosen[0], chosen[-1]
        try:
            older, newer, comparison = compare.compare_versions(first, second)
        except RevertError as exc:
            messages.error(request, str(exc))
            return redirect(self._url("history", quote(pk)))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare revisions of “%(story)s”") % {"story": article},
            "subtitle": None,
            "opts": opts,
            "original": article,
            "object": article,
            "older": older,
            "newer": newer,
            "sides": [
                (_("Older"), older, self._url("revision", quote(pk), older.version.pk)),
                (_("Newer"), newer, self._url("revision", quote(pk), newer.version.pk)),
            ],
            "same_revision": older.version.pk == newer.version.pk,
            "comparison": comparison,
            "history_url": self._url("history", quote(pk)),
            "change_url": self._url("change", quote(pk)),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.compare_template, context)

    # --- the revert view ------------------------------------------------------

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """The revert form and its save, restoring content but not publication state.

        Modelled on ``VersionAdmin._reversion_revisionform_view``: the revision
        is written back inside a transaction, the ordinary change form runs
        on top of it, and the transaction is kept only when a POST saved.
        """
        pk = unquote(object_id)
        version = get_object_or_404(Version.objects.get_for_object_reference(self.model, pk), pk=version_id)
        if not self.model._base_manager.using(version.db).filter(pk=pk).exists():
            # A deleted story has no publication state to keep: reversion's own view brings it back whole.
            return super().revision_view(request, object_id, version_id, extra_context)
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        # Looking at a revision writes it back and rolls it back. Reversion
        # mutes every model signal meanwhile, but its mute is process-wide:
        # other requests' saves in that moment would record no revision and
        # leave readers' pages stale. Signals fire here instead; what the
        # app's receivers do is written in this transaction (rolled back with
        # it) or waits for a commit (articles.signals.content_changed).
        opts = self.model._meta
        try:
            with transaction.atomic(using=version.db):
                restore = Restore.begin(version, request.user)
                if restore is None:
                    raise Http404(_("No such story."))  # deleted since the check above
                setattr(request, _REQUEST_ATTR, restore)
                context = {
                    "title": _("Revert %(name)s") % {"name": version.object_repr},
                    "revert": True,
                    "restore": restore,
                    **(extra_context or {}),
                }
                with self.create_revision(request):
                    response = self.changeform_view(request, quote(pk), request.path, context)
                    if request.method == "POST" and response.status_code == 302:
                        set_comment(restore.comment(self.model._base_manager.using(version.db).get(pk=pk)))
                        return response
                    if response.status_code == 200 and hasattr(response, "render"):
                        response.template_name = self.revision_form_template
                        response.render()  # now, while the transaction still holds the revision
                    raise _ShowOnly(response)
        except (RevertError, models.ProtectedError) as exc:
            messages.error(request, str(exc))
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except _ShowOnly as shown:
            return shown.response

    def _restore(self, request, obj):
        restore = getattr(request, _REQUEST_ATTR, None)
        if restore is None or obj is None or obj.pk != restore.article_pk:
            return None
        return restore

    def _offers_publication(self, request, obj):
        restore = self._restore(request, obj)
        return restore is not None and restore.publication_differs and self.has_change_permission(request, obj)

    # --- the revert form --------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._restore(request, obj):
            # Whatever the POST carries, a restore keeps these unless the box is ticked.
            readonly += [name for name in PUBLICATION_FIELDS if name not in readonly]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        prepopulated = super().get_prepopulated_fields(request, obj)
        if self._restore(request, obj):
            return {name: sources for name, sources in prepopulated.items() if name not in PUBLICATION_FIELDS}
        return prepopulated

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._offers_publication(request, obj) or RESTORE_PUBLICATION in flatten_fieldsets(fieldsets):
            return fieldsets
        # The box goes with the publication fields it is about.
        at = next((i for i, (_name, options) in enumerate(fieldsets) if "status" in options["fields"]), 0)
        name, options = fieldsets[at]
        return [
            *fieldsets[:at],
            (name, {**options, "fields": [*options["fields"], RESTORE_PUBLICATION]}),
            *fieldsets[at + 1 :],
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"]:
            # A form field, not a model field: keep it away from modelform_factory.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != RESTORE_PUBLICATION]
        form = super().get_form(request, obj, change=change, **kwargs)
        if not self._offers_publication(request, obj):
            return form
        return type(form.__name__, (RestoreForm, form), {"restore": self._restore(request, obj)})

    def response_change(self, request, obj):
        restore = self._restore(request, obj)
        if restore is None:
            return super().response_change(request, obj)
        # Instead of "changed successfully": what came back, and whether readers still see the story.
        self.message_user(request, restore.done_message(obj), messages.SUCCESS)
        return self.response_post_save_change(request, obj)
