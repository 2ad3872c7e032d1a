"""The live preview: the story as the editor has typed it, on the reader template, saved nowhere.

The change form (and the add form) posts itself, debounced, to the article
admin's ``live-preview/`` endpoint (``articles.admin_preview``), into a
named ``<iframe>`` beside the form (``live-preview.js``). The posted form
goes through the admin's own form and inline formsets, exactly as a save
would: the same validation, workflow rules, sanitising, ``save_model`` and
``save_related``. It is saved inside a transaction, the story is read back
and rendered on the reader template (``articles.preview``'s rendering
path), and the transaction is rolled back. So the preview shows exactly
what a save would give readers, bylines, blocks, widgets and tags
included, and no row stays written:

- ``transaction.on_commit`` callbacks registered meanwhile (delivery key
  renewal, edge purges, stored renders, search indexing:
  ``articles.delivery.changes``) are dropped with the rollback, never run;
- no revision is recorded: django-reversion records only inside a revision
  block, which the admin opens around its add and change views, not here;
- nothing is logged to the admin's history, and messages added meanwhile
  (by a ``save_model``) are dropped, not shown after the next page load.

Not undone by a rollback: a PostgreSQL sequence moves on when a new story,
block or byline gets an id (ids are not dense anyway). While a preview
renders (a few dozen milliseconds) the story's row is locked, as during a
save; a colleague's save in that moment waits for it.

A preview never refuses a form as stale (``articles.locking``): it shows
what this editor typed; the save still refuses.

Invalid input shows the form's errors in the panel instead (a 200: the
panel shows what there is to fix; a 4xx would be a console error in the
editor's browser at every keystroke until it is fixed).
The response is the reader page under the reader's Content-Security-Policy,
except that the admin (this site) may frame it.
"""

from contextlib import contextmanager

from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import ProtectedError
from django.forms.formsets import all_valid
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from articles import content_security
from articles.locking import TOKEN_FIELD, version_token
from articles.models import Article
from articles.views import StoryPageMixin

ERRORS_TEMPLATE = "articles/live_preview_errors.html"


class _DroppedMessages(BaseStorage):
    """Messages added while a preview saves go nowhere: nothing was saved."""

    def _get(self, *args, **kwargs):
        return [], True

    def _store(self, messages, response, *args, **kwargs):
        return []


@contextmanager
def _messages_dropped(request):
    kept = getattr(request, "_messages", None)
    request._messages = _DroppedMessages(request)
    try:
        yield
    finally:
        if kept is None:
            del request._messages
        else:
            request._messages = kept


class _StoryPage(StoryPageMixin, DetailView):
    model = Article


def _posted(request, obj):
    data = request.POST.copy()
    # "Save as new" would make the form an add form; a preview is of this story.
    data.pop("_saveasnew", None)
    if obj is not None and TOKEN_FIELD in data:
        data[TOKEN_FIELD] = version_token(obj)
    return data


def _labelled_errors(form, formsets, inline_instances):
    """``[(where, message)]``: each error with the field or block it belongs to."""
    found = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        where = "" if field is None else str(field.label or name)
        found += [(where, error) for error in errors]
    for formset, inline in zip(formsets, inline_instances, strict=True):
        kind = capfirst(str(inline.verbose_name or inline.model._meta.verbose_name))
        found += [(kind, error) for error in formset.non_form_errors()]
        for number, inline_form in enumerate(formset.forms, start=1):
            for name, errors in inline_form.errors.items():
                field = inline_form.fields.get(name)
                label = f"{kind} {number}" if field is None else f"{kind} {number}: {field.label or name}"
                found += [(label, error) for error in errors]
    return found


def render(model_admin, request, obj=None):
    """The reader page of ``obj`` (``None``: a new story) as the posted form would save it.

    The caller has checked that ``request.user`` may change ``obj`` (or add
    stories). Returns a rendered response; nothing stays written.
    """
    request.POST = _posted(request, obj)
    using = router.db_for_write(model_admin.model)
    try:
        response = _render_rolled_back(model_admin, request, obj, using)
    except (IntegrityError, ValidationError, ProtectedError) as exc:
        # What the forms do not check but the database or a save() refuses
        # (two editors adding the same byline at once): the save would fail
        # too, and the panel says why rather than going blank.
        if isinstance(exc, ValidationError):
            reasons = exc.messages
        else:
            reason = exc.args[0] if exc.args else exc
            reasons = [_("The database would refuse this save: %(reason)s") % {"reason": reason}]
        response = _errors(request, [("", reason) for reason in reasons])
    response["X-Robots-Tag"] = "noindex"
    content_security.frame_in_admin(response)
    return response


def _errors(request, errors):
    response = TemplateResponse(request, ERRORS_TEMPLATE, {"errors": errors, "title": _("Preview")})
    response.render()
    return response


def _render_rolled_back(model_admin, request, obj, using):
    add = obj is None
    # An exception rolls the block back too; so does the set_rollback() at its end.
    # (Not at its start: a transaction marked for rollback refuses every query.)
    with _messages_dropped(request), transaction.atomic(using=using):
        fieldsets = model_admin.get_fieldsets(request, obj)
        form_class = model_admin.get_form(request, obj, change=not add, fields=flatten_fieldsets(fieldsets))
        form = form_class(request.POST, request.FILES, instance=obj)
        formsets, inline_instances = model_admin._create_formsets(request, form.instance, change=not add)
        form_valid = form.is_valid()
        # Every formset is validated, not just the first invalid one: the panel lists all errors.
        formsets_valid = all_valid(formsets)
        if not (form_valid and formsets_valid):
            response = _errors(request, _labelled_errors(form, formsets, inline_instances))
        else:
            story = model_admin.save_form(request, form, change=not add)
            model_admin.save_model(request, story, form, not add)
            model_admin.save_related(request, form, formsets, not add)
            page = _StoryPage()
            page.setup(request)
            # Read back as a story page reads it, with what save_related wrote.
            article = Article.objects.using(using).with_page_relations().get(pk=story.pk)
            response = page.render_story(article, preview=True)
            # Now, while the transaction still holds the unsaved story.
            response.render()
        transaction.set_rollback(True, using=using)
    return response
