"""Admin side of the body editor that moves: the form's layout and the move buttons.

Add :class:`BodyEditorAdminMixin` to the article admin's bases, before
``ContentEditor``. It puts the body editor right after the story's first
fieldset (:mod:`articles.editing.layout`) and loads
``articles/admin/block-moves.js``, which gives every body block up, down,
duplicate and delete buttons and every byline row a drag handle and up and
down buttons. The script's words come translated from here, as a JSON
data block beside the script (as content-editor passes its own).
"""

from django.utils.translation import gettext as _
from js_asset import JSON, Media

from articles.editing.layout import story_form_layout
from articles.models import Byline


def move_messages():
    """The words of block-moves.js, in the editor's language; ``%(name)s`` is a block's or a byline's name."""
    return {
        "up": _("Move '%(name)s' up"),
        "down": _("Move '%(name)s' down"),
        "duplicate": _("Duplicate '%(name)s'"),
        "delete": _("Delete '%(name)s'"),
        "restore": _("Keep '%(name)s' (undo delete)"),
        "toolbar": _("Move or copy '%(name)s'"),
        "moved": _("'%(name)s' moved to position %(position)s of %(count)s."),
        "first": _("'%(name)s' is already first."),
        "last": _("'%(name)s' is already last."),
        "duplicated": _("'%(name)s' duplicated: the copy follows it, at position %(position)s."),
        "deleted": _("'%(name)s' will be deleted when you save. Press the button again to keep it."),
        "restored": _("'%(name)s' will be kept."),
        "removed": _("'%(name)s' removed (it was not saved yet)."),
        "bylineUp": _("Move byline '%(name)s' up"),
        "bylineDown": _("Move byline '%(name)s' down"),
        "bylineHandle": _("Drag to reorder"),
        "newByline": _("new byline"),
    }


class BodyEditorAdminMixin:
    #: How many fieldsets come before the body editor.
    body_after_fieldsets = 1
    #: Inline models drawn right after the body editor.
    inlines_after_body = (Byline,)

    def render_change_form(self, request, context, *args, **kwargs):
        if "adminform" in context:
            context["story_layout"] = story_form_layout(
                context["adminform"],
                context.get("inline_admin_formsets", []),
                lead_fieldsets=self.body_after_fieldsets,
                after_body=self.inlines_after_body,
            )
        response = super().render_change_form(request, context, *args, **kwargs)
        # After content-editor's own media (added by its render_change_form),
        # and with the nonce NoncedMediaAdminMixin gave the media before.
        response.context_data["media"] = response.context_data["media"] + Media(
            css={"all": ["articles/admin/block-moves.css"]},
            js=[
                JSON(move_messages(), id="block-moves-messages"),
                "articles/admin/block-moves.js",
                "articles/admin/whole-paragraphs.js",
            ],
        )
        return response
