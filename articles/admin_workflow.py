"""The change form's workflow buttons and the review queue, for the article admin.

The buttons (Save draft, Submit for review, Publish now, Schedule,
Unpublish) replace moving a story by its status dropdown. "Save draft" is
Django's own Save (it keeps the status); each other one POSTs
``_workflow=<action>``, and the form refuses an action ``articles.workflow``
does not allow this user on this story now, so a forged button saves
nothing. The move itself is made by the workflow functions, inside the
admin's save, so the stale-save refusal (``articles.locking``) and the
revision (``articles.admin_revisions``) cover every button; the revision's
comment says what was done.

Put :class:`WorkflowAdminMixin` before ``StaleSaveAdminMixin`` and
``RevisionAdminMixin`` in the article admin's bases.
"""

import copy
import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from reversion.revisions import is_active, set_comment

from articles import dates, workflow
from articles.editing import review
from articles.locking import user_display_name
from articles.models import Article

ACTION_FIELD = "_workflow"
PUBLICATION = ("status", "published_at")
NOTES_FIELD = "editorial_notes"
QUEUE_PARAMETER = "queue"
QUEUE_VALUE = "review"
# What the finished move was, for the revision's comment (log_change runs after save_model).
_DONE_ATTR = "articles_workflow_done"


class WorkflowForm(forms.ModelForm):
    """Mixed into the article form: the two inputs that go with the buttons, and the check."""

    user = None  # set per request by WorkflowAdminMixin.get_form()
    workflow_action = None  # the button pressed, once clean() allowed it

    workflow_note = forms.CharField(
        label=gettext_lazy("Note to the editor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=gettext_lazy("Optional, with “Submit for review”: what the editor should look at."),
    )
    workflow_publish_at = forms.DateTimeField(
        label=gettext_lazy("Schedule for"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("With “Schedule”: the date and time readers see the story from."),
    )

    def clean(self):
        cleaned_data = super().clean()
        action = self.data.get(ACTION_FIELD)
        if action is None:
            return cleaned_data  # "Save and continue editing": the status stays as the form has it
        try:
            workflow.check_action(self.user, self.instance, action)
        except PermissionDenied as exc:
            raise ValidationError(str(exc), code="workflow") from exc
        if action == workflow.SCHEDULE and "workflow_publish_at" not in self.errors:
            try:
                workflow.check_schedule_time(cleaned_data.get("workflow_publish_at"))
            except ValidationError as exc:
                self.add_error("workflow_publish_at", exc)
        self.workflow_action = action
        return cleaned_data


def _button_label(action, article):
    if action == workflow.SAVE:
        if article is None or article.status == Article.Status.DRAFT:
            return _("Save draft")
        return _("Save")
    if action == workflow.SCHEDULE and article is not None and article.status == Article.Status.PUBLISHED:
        return _("Reschedule")
    return {
        workflow.SUBMIT: _("Submit for review"),
        workflow.PUBLISH: _("Publish now"),
        workflow.SCHEDULE: _("Schedule"),
        workflow.UNPUBLISH: _("Unpublish"),
    }[action]


def where_it_stands(article):
    """One line for the top of the buttons: the story's status, with its time where it has one."""
    if article is None or article.pk is None:
        return _("New story: not yet saved.")
    if article.status == Article.Status.PUBLISHED:
        if workflow.is_live(article):
            return _("Published %(time)s.") % {"time": dates.day_time(article.published_at)}
        return _("Scheduled for %(time)s.") % {"time": dates.day_time(article.published_at)}
    if article.status == Article.Status.REVIEW and article.review_requested_at:
        return _("In review: submitted by %(name)s on %(time)s.") % {
            "name": user_display_name(article.review_requested_by) if article.review_requested_by else _("someone"),
            "time": dates.day_time(article.review_requested_at),
        }
    return _("Status: %(status)s.") % {"status": article.get_status_display()}


def done_text(action, article, user):
    """What a button did, in a sentence, for the revision's comment and the message after saving."""
    name = user_display_name(user)
    if action == workflow.SUBMIT:
        text = _("Submitted for review by %(name)s.") % {"name": name}
        if article.review_note:
            text += " " + _("Note: “%(note)s”") % {"note": Truncator(article.review_note).chars(200)}
        return text
    if action == workflow.PUBLISH:
        return _("Published by %(name)s.") % {"name": name}
    if action == workflow.SCHEDULE:
        return _("Scheduled by %(name)s for %(time)s.") % {
            "name": name,
            "time": dates.day_time(article.published_at),
        }
    if action == workflow.UNPUBLISH:
        return _("Unpublished by %(name)s.") % {"name": name}
    return ""


class ReviewQueueFilter(admin.SimpleListFilter):
    """“Waiting for review”: stories in review, the latest submission first (ordering: get_ordering)."""

    title = gettext_lazy("review queue")
    parameter_name = QUEUE_PARAMETER

    def lookups(self, request, model_admin):
        return [(QUEUE_VALUE, gettext_lazy("Waiting for review"))]

    def queryset(self, request, queryset):
        if self.value() == QUEUE_VALUE:
            return queryset.filter(status=Article.Status.REVIEW)
        return queryset


class WorkflowAdminMixin:
    # --- the queue ----------------------------------------------------------------

    def _in_queue(self, request):
        return request.GET.get(QUEUE_PARAMETER) == QUEUE_VALUE

    def get_list_filter(self, request):
        return [ReviewQueueFilter, *super().get_list_filter(request)]

    def get_ordering(self, request):
        if self._in_queue(request):
            return [F("review_requested_at").desc(nulls_last=True)]
        return super().get_ordering(request)

    def get_list_display(self, request):
        if self._in_queue(request):
            return ["headline", "section", "review_submitted_by", "review_submitted_at", "review_note_excerpt"]
        return super().get_list_display(request)

    def get_list_select_related(self, request):
        if self._in_queue(request):
            return ["section", "review_requested_by"]
        return super().get_list_select_related(request)

    @admin.display(description=gettext_lazy("submitted by"))
    def review_submitted_by(self, obj):
        return user_display_name(obj.review_requested_by) if obj.review_requested_by else "—"

    @admin.display(description=gettext_lazy("submitted"), ordering="review_requested_at")
    def review_submitted_at(self, obj):
        return dates.day_time(obj.review_requested_at) if obj.review_requested_at else "—"

    @admin.display(description=gettext_lazy("note to the editor"))
    def review_note_excerpt(self, obj):
        return Truncator(obj.review_note).chars(200) or "—"

    # --- the form -----------------------------------------------------------------

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["articles/admin/workflow.css"]})

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == NOTES_FIELD:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 4, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _restoring(self, request, obj):
        restore = getattr(self, "_restore", None)
        return restore is not None and restore(request, obj) is not None

    def _takes_notes(self, request, obj):
        # Not on the restore form: the revision brings its notes back itself,
        # and that form shows no buttons, so no notes field to post them from.
        if self._restoring(request, obj):
            return False
        return self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if kwargs.get("fields") is None:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if self._takes_notes(request, obj) and NOTES_FIELD not in kwargs["fields"]:
            # Drawn beside the buttons (submit_line.html), not in a fieldset.
            kwargs["fields"] = [*kwargs["fields"], NOTES_FIELD]
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (WorkflowForm, form), {"user": request.user})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is not None and form.is_bound:
            # A refused POST left what it posted on ``obj``; the buttons are for the story as stored.
            obj = copy.copy(obj)
            for name in PUBLICATION:
                if name in form.initial:
                    setattr(obj, name, form.initial[name])
        actions = [] if context.get("revert") else workflow.available_actions(request.user, obj)
        if actions and (self.has_change_permission(request, obj) if obj else self.has_add_permission(request)):
            context.update(
                {
                    "workflow_actions": actions,
                    "workflow_buttons": [{"action": a, "label": _button_label(a, obj)} for a in actions],
                    "workflow_status": where_it_stands(obj),
                    "workflow_review_note": obj.review_note if obj and obj.status == Article.Status.REVIEW else "",
                    "workflow_notes_field": form[NOTES_FIELD] if NOTES_FIELD in form.fields else None,
                    "workflow_note_field": form["workflow_note"],
                    "workflow_publish_at_field": form["workflow_publish_at"],
                    # "Save draft" is drawn with the buttons; "Save and add another" is no step of a story.
                    "show_save": False,
                    "show_save_and_add_another": False,
                }
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # --- the save -----------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        action = form.workflow_action
        if action in (None, workflow.SAVE):
            return super().save_model(request, obj, form, change)
        workflow.apply_action(
            obj,
            user=request.user,
            action=action,
            at=form.cleaned_data.get("workflow_publish_at"),
            note=form.cleaned_data.get("workflow_note", ""),
        )
        super().save_model(request, obj, form, change)
        text = done_text(action, obj, request.user)
        setattr(request, _DONE_ATTR, text)
        if action == workflow.SUBMIT:
            path = reverse(f"{self.admin_site.name}:articles_article_change", args=[obj.pk])
            notify = functools.partial(self._notify_editors, request, obj, review.absolute_url(path, request))
            transaction.on_commit(notify, using=obj._state.db)

    def _notify_editors(self, request, article, admin_url):
        try:
            count = review.notify_editors(
                article, submitter=request.user, note=article.review_note, admin_url=admin_url
            )
        except review.NotificationFailed:
            self.message_user(
                request,
                _(
                    "The story is in the review queue, but the mail to the editors could not be sent; "
                    "tell them another way."
                ),
                messages.WARNING,
            )
            return
        if count:
            self.message_user(
                request,
                ngettext("%(count)d editor was told by mail.", "%(count)d editors were told by mail.", count)
                % {"count": count},
                messages.INFO,
            )

    def _comment(self, request, entry):
        text = getattr(request, _DONE_ATTR, "")
        if text and is_active():
            set_comment(" ".join(part for part in (entry.get_change_message(), text) if part))

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._comment(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._comment(request, entry)
        return entry

    def response_add(self, request, obj, post_url_continue=None):
        self._report(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._report(request)
        return super().response_change(request, obj)

    def _report(self, request):
        text = getattr(request, _DONE_ATTR, "")
        if text:
            self.message_user(request, text, messages.SUCCESS)
