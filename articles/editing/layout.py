"""Where the story form puts its parts: the story's own words first, then its body.

The admin draws every fieldset and then every inline, so a body edited as
inlines (django-content-editor puts its editor where its first block
inline is drawn) ends up at the bottom of a long form. An editor writes
kicker, headline, standfirst and then the body; the rest (section, tags,
publishing, lead image, SEO, history, bylines, corrections) is filled in
around it. :func:`story_form_layout` says what goes where; the change form
template (``admin/articles/article/story_layout.html``) draws it.
"""

from dataclasses import dataclass, field

from content_editor.admin import ContentEditorInline


@dataclass
class StoryFormLayout:
    #: The fieldsets before the body: the story's own words.
    lead: list = field(default_factory=list)
    #: The body's block inlines, where content-editor draws its editor.
    body: list = field(default_factory=list)
    #: Inlines drawn right after the body (the bylines).
    after_body: list = field(default_factory=list)
    #: ``(index, fieldset)`` pairs after the body: collapsible groups. The
    #: index keeps the heading ids Django's own template would give them.
    groups: list = field(default_factory=list)
    #: The remaining inlines, after the groups (corrections).
    rest: list = field(default_factory=list)


def story_form_layout(adminform, inline_admin_formsets, *, lead_fieldsets=1, after_body=()):
    """Split a change form's fieldsets and inlines around the body editor.

    ``lead_fieldsets`` is how many of the first fieldsets come before the
    body; ``after_body`` names the inline models (``Byline``) drawn right
    after it. Nothing is dropped: every fieldset and inline lands in one part.
    """
    fieldsets = list(adminform)
    layout = StoryFormLayout(
        lead=fieldsets[:lead_fieldsets],
        groups=list(enumerate(fieldsets))[lead_fieldsets:],
    )
    for formset in inline_admin_formsets:
        if isinstance(formset.opts, ContentEditorInline):
            layout.body.append(formset)
        elif formset.opts.model in after_body:
            layout.after_body.append(formset)
        else:
            layout.rest.append(formset)
    return layout
