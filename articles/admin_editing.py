"""Admin side of editing sessions: autosave, recovery and presence (issue 13).

Put :class:`EditingSessionAdminMixin` in the article admin's bases. It adds
three small JSON endpoints under the admin (autosave, discard, presence),
the recovery of a draft on the change and add forms, and the context that
``admin/articles/article/editing_session.html`` (included by the change
form) and ``articles/admin/editing-session.js`` work from.

Every endpoint runs through ``admin_site.admin_view`` (signed-in staff,
CSRF checked on POST) and then asks the admin's own permission methods,
which call ``articles.workflow.can_edit``: whoever may not change a story
may neither autosave it nor see who is editing it.
"""

import contextlib
import copy
import json

from content_editor.admin import ContentEditorInline
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from articles import dates
from articles.conf import settings
from articles.editing import autosave, presence
from articles.locking import TOKEN_FIELD, parse_token, user_display_name

RECOVER_VAR = "recover-draft"
# Set by articles.admin_revisions while the revert form is shown or saved:
# that form is about a revision, not about what this user typed.
RESTORE_REQUEST_ATTR = "articles_restore"
# The draft being recovered, for the form and formset hooks changeform_view calls.
_RECOVERY_ATTR = "articles_autosave_recovery"


def _clock(moment):
    """A time with seconds, for "Draft saved 12:04:31"."""
    return formats.time_format(timezone.localtime(moment), "H:i:s")


def _when(moment):
    """Today's time, or the day and time of an older moment."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return _clock(moment)
    return dates.day_time(moment)


def _also_editing(users):
    names = [user_display_name(user) for user in users]
    if len(names) == 1:
        return _("%(name)s is also editing this story.") % {"name": names[0]}
    return _("%(names)s and %(last)s are also editing this story.") % {
        "names": ", ".join(names[:-1]),
        "last": names[-1],
    }


def _excerpt(form):
    """A few words that tell an editor which block this is: its text, or the widget or picture it places."""
    for name in ("text", "quote", "caption", "url", "title"):
        if name in form.fields:
            value = form.data.get(form.add_prefix(name)) or getattr(form.instance, name, "")
            words = Truncator(strip_tags(str(value or "")).strip()).words(8)
            if words:
                return words
    for name in ("widget", "image"):
        field = form.fields.get(name)
        chosen = form.data.get(form.add_prefix(name)) if field is not None else None
        if chosen:
            try:
                return str(field.queryset.filter(pk=chosen).first() or "")
            except (ValueError, ValidationError):
                return ""
    return ""


class EditingSessionAdminMixin:
    # --- urls -------------------------------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(require_POST(self.autosave_view)), name=f"{name}_autosave_new"),
            path("autosave/discard/", view(require_POST(self.discard_draft_view)), name=f"{name}_discard_new"),
            path("<path:object_id>/autosave/", view(require_POST(self.autosave_view)), name=f"{name}_autosave"),
            path(
                "<path:object_id>/autosave/discard/",
                view(require_POST(self.discard_draft_view)),
                name=f"{name}_discard_draft",
            ),
            path("<path:object_id>/presence/", view(require_POST(self.presence_view)), name=f"{name}_presence"),
            *super().get_urls(),
        ]

    def _editing_url(self, suffix, obj=None):
        opts = self.model._meta
        if obj is None:
            return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{suffix}_new")
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{suffix}", args=[obj.pk])

    def _story(self, request, object_id, *related):
        """The story an endpoint is about, if this user may change it (one query, no prefetching)."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return None
        try:
            obj = self.model._default_manager.select_related(*related).get(pk=unquote(object_id))
        except (self.model.DoesNotExist, ValueError, ValidationError) as exc:
            raise Http404(_("No such story.")) from exc
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    # --- autosave -----------------------------------------------------------------

    def autosave_view(self, request, object_id=None):
        """Keep the posted form as the user's draft; never touches the story."""
        obj = self._story(request, object_id)
        limit = settings.AUTOSAVE_MAX_BYTES
        too_large = JsonResponse({"error": _("This draft is too large to autosave; save the story.")}, status=413)
        try:
            if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
                return too_large
        except ValueError:
            return JsonResponse({"error": _("Bad request.")}, status=400)
        pairs = autosave.form_pairs(request.POST)
        if len(json.dumps(pairs)) > limit:
            return too_large
        token = "" if obj is None else request.POST.get(TOKEN_FIELD, "")
        draft = autosave.store(request.user, obj, request.POST, token)
        return JsonResponse(
            {
                "saved_at": draft.saved_at.isoformat(),
                "message": _("Draft saved %(time)s") % {"time": _clock(draft.saved_at)},
            }
        )

    def discard_draft_view(self, request, object_id=None):
        obj = self._story(request, object_id)
        if autosave.discard(request.user, obj):
            messages.info(request, _("Your unsaved changes were discarded."))
        opts = self.model._meta
        if obj is None:
            target = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_add")
        else:
            target = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        return HttpResponseRedirect(target)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A save supersedes what was autosaved on the way to it.
        autosave.discard(request.user, form.instance)
        if not change:
            autosave.discard(request.user, None)

    # --- recovery -----------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET" and RECOVER_VAR in request.GET and not getattr(request, RESTORE_REQUEST_ATTR, None):
            obj = self._story(request, object_id)
            draft = autosave.draft_of(request.user, obj)
            if draft is None:
                messages.info(request, _("There are no unsaved changes to recover."))
            else:
                setattr(request, _RECOVERY_ATTR, draft)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _recovery(self, request):
        return getattr(request, _RECOVERY_ATTR, None)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        draft = self._recovery(request)
        if draft is None or request.method != "GET":
            return form

        class RecoveredForm(form):
            # Bound to the draft: the form shows what the editor typed, and its
            # version token is the one they started from.
            def __init__(self, data=None, *args, **kw):
                if kw.get("instance") is not None:
                    # Validating writes the draft into the instance; the page's
                    # title and breadcrumbs name the story as saved.
                    kw["instance"] = copy.copy(kw["instance"])
                super().__init__(draft.query_dict() if data is None else data, *args, **kw)

        RecoveredForm.__name__ = form.__name__
        return RecoveredForm

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        draft = self._recovery(request)
        if draft is not None and request.method == "GET":
            kwargs["data"] = draft.query_dict()
        return kwargs

    @contextlib.contextmanager
    def _recovering(self, request, draft):
        setattr(request, _RECOVERY_ATTR, draft)
        try:
            yield
        finally:
            delattr(request, _RECOVERY_ATTR)

    def draft_changes(self, request, obj, draft):
        """What differs between ``draft`` and the story as saved: a list of short phrases."""
        change = obj is not None
        with self._recovering(request, draft):
            form = self.get_form(request, obj, change=change)(instance=obj)
            formsets, inlines = self._create_formsets(request, obj if change else form.instance, change=change)
        found = [str(form.fields[name].label or name) for name in form.changed_data if name != TOKEN_FIELD]
        for formset, inline in zip(formsets, inlines, strict=True):
            per_block = isinstance(inline, ContentEditorInline)
            rows = []
            for row in formset.forms:
                deleted = formset.can_delete and DELETION_FIELD_NAME in row.fields and row[DELETION_FIELD_NAME].data
                saved = row.instance.pk is not None
                if deleted and saved:
                    rows.append(_("removed"))
                elif not saved and row.has_changed() and not deleted:
                    rows.append(_("added"))
                elif saved and row.has_changed() and not deleted:
                    moved_only = set(row.changed_data) <= {"ordering", "region", "position"}
                    rows.append(_("moved") if moved_only else _("changed"))
                else:
                    continue
                if per_block:
                    words = {"kind": inline.model._meta.verbose_name, "excerpt": _excerpt(row), "what": rows[-1]}
                    if words["excerpt"]:
                        found.append(_("%(kind)s “%(excerpt)s”: %(what)s") % words)
                    else:
                        found.append(_("%(kind)s: %(what)s") % words)
            if rows and not per_block:
                found.append(str(inline.verbose_name_plural or inline.model._meta.verbose_name_plural))
        return [phrase[:1].upper() + phrase[1:] for phrase in found]

    def _conflict(self, obj, draft):
        """Who saved the story since the draft's version, if anyone."""
        if obj is None or parse_token(draft.version_token) == obj.updated_at:
            return None
        by = user_display_name(obj.updated_by) if obj.updated_by_id else _("Someone")
        return _(
            "%(name)s saved this story at %(time)s, after you began these changes. Saving them would "
            "overwrite that save, so it will be refused: copy what you need, discard this draft, and re-apply."
        ) % {"name": by, "time": _when(obj.updated_at)}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self._has_editing_session(request, context, obj):
            context["editing_session"] = self._editing_session(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _has_editing_session(self, request, context, obj):
        if not settings.EDITING_SESSION:
            return False
        if context.get("is_popup") or getattr(request, RESTORE_REQUEST_ATTR, None):
            return False
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def _editing_session(self, request, obj):
        session = {
            "autosave_url": self._editing_url("autosave", obj),
            "discard_url": self._editing_url("discard", obj)
            if obj is None
            else self._editing_url("discard_draft", obj),
            "presence_url": None if obj is None else self._editing_url("presence", obj),
            "delay_ms": int(settings.AUTOSAVE_DELAY * 1000),
            "interval_ms": int(settings.PRESENCE_INTERVAL * 1000),
            "offer": None,
            "recovered": None,
        }
        recovering = self._recovery(request)
        if recovering is not None and request.method == "GET":
            session["recovered"] = {"when": _when(recovering.saved_at), "conflict": self._conflict(obj, recovering)}
            return session
        draft = autosave.draft_of(request.user, obj)
        if draft is None or request.method != "GET":
            return session
        changes = self.draft_changes(request, obj, draft)
        if not changes:
            # Nothing the story does not already say: nothing to offer.
            draft.delete()
            return session
        session["offer"] = {
            "when": _when(draft.saved_at),
            "changes": changes,
            "conflict": self._conflict(obj, draft),
            "recover_url": f"{request.path}?{RECOVER_VAR}=1",
        }
        return session

    # --- presence -----------------------------------------------------------------

    def presence_view(self, request, object_id):
        """Record that this user has the story open; say who else has, and whether it was saved meanwhile."""
        obj = self._story(request, object_id, "updated_by")
        if "leaving" in request.POST:
            # Only the row this page last renewed: a reload of the story that
            # has already said "here" again stays.
            seen = parse_token(request.POST["leaving"])
            if seen is not None:
                presence.leave(request.user, obj, seen)
            return JsonResponse({"editors": [], "message": "", "saved": None, "seen": None})
        now = timezone.now()
        presence.record(request.user, obj, now)
        editors = presence.others(request.user, obj, now)
        message = _also_editing(editors) if editors else ""
        saved = None
        loaded = parse_token(request.POST.get(TOKEN_FIELD))
        if loaded is not None and obj.updated_at != loaded:
            if obj.updated_by_id == request.user.pk:
                text = _("You saved this story at %(time)s in another window; reload to see the changes.")
            else:
                text = _("%(name)s saved this story at %(time)s; reload to see the changes.")
            by = user_display_name(obj.updated_by) if obj.updated_by_id else _("Someone")
            saved = {
                "by": by,
                "at": obj.updated_at.isoformat(),
                "message": text % {"name": by, "time": _when(obj.updated_at)},
            }
        return JsonResponse(
            {
                "editors": [user_display_name(user) for user in editors],
                "message": message,
                "saved": saved,
                "seen": now.isoformat(),
            }
        )
