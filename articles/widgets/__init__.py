"""Widget kinds: the plugin's extension point.

A widget is a reusable object — a "Syria war timeline", a "Profile | Bashar
al-Assad" — written once and placed in many stories. A widget kind is one
module that defines:

1. the widget model, subclassing :class:`articles.widgets.base.Widget`;
2. its placement block, subclassing :class:`articles.widgets.base.WidgetBlock`
   with a ``widget`` foreign key (``on_delete=PROTECT``,
   ``related_name="placements"``);
3. a ``ModelAdmin`` for editors (with ``search_fields``: the body editor's
   chooser searches them), with
   :class:`articles.admin_input.SafeInputAdminMixin` first in its bases and
   its inlines' (bad input is then a form error, never a 500);
4. a template, ``articles/widgets/<model_name>.html``, which receives the
   widget as ``widget``;

and ends with a call to :func:`register` (with the block's ``icon`` in the
body editor, and the ``related`` rows a page fetches with the widget). The
read API shows the widget's fields and its ``related`` rows as they are
(``articles.api.serializers.widget_serializer``): nothing to add there. See
``articles/widgets/profile.py`` for a complete example, and
``articles/widgets/gallery.py`` for ordered items that point at library
pictures. The system check ``articles.E001`` reports a kind
that is missing one of these parts.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WidgetKind:
    model: type
    block: type
    admin: type | None = None
    template_name: str = ""
    # Reverse relations of the widget (e.g. a timeline's "events") fetched for
    # a whole page in one query each, however many placements there are.
    related: tuple[str, ...] = field(default_factory=tuple)
    # Foreign keys of those related rows fetched in the same query (a
    # gallery's items with their pictures): {"items": ("image",)}.
    related_select: dict = field(default_factory=dict)
    # The Material Symbols icon of its block in the body editor.
    icon: str = "widgets"

    @property
    def key(self):
        return self.model._meta.label_lower


_kinds: dict[str, WidgetKind] = {}


def register(model, block, *, admin=None, template_name=None, related=(), related_select=None, icon="widgets"):
    """Make a widget kind known to the admin, the renderer and the checks."""
    kind = WidgetKind(
        model=model,
        block=block,
        admin=admin,
        template_name=template_name or f"articles/widgets/{model._meta.model_name}.html",
        related=tuple(related),
        related_select=dict(related_select or {}),
        icon=icon,
    )
    _kinds[kind.key] = kind
    return kind


def kinds():
    """All registered widget kinds, in registration order."""
    return list(_kinds.values())
