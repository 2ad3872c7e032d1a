"""Rich text that is clean on every way into the database.

django-prose-editor cleans in ``Field.clean()``, which only forms call. Rows
also arrive through ``Model.save()``, ``QuerySet.update()`` and ``loaddata``
(a raw save that skips ``pre_save``), so this field cleans again in
``get_prep_value()``, the one hook every write goes through. nh3 is
idempotent, so cleaning clean HTML twice changes nothing.
"""

import functools

from django_prose_editor.fields import ProseEditorField, create_sanitizer

from articles.conf import settings


@functools.cache
def _cleaner():
    return create_sanitizer(settings.RICHTEXT_EXTENSIONS)


def sanitize_html(html):
    """Return ``html`` reduced to the rich-text allow-list."""
    return _cleaner()(html or "")


class RichTextField(ProseEditorField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("config", {"extensions": dict(settings.RICHTEXT_EXTENSIONS)})
        kwargs.setdefault("sanitize", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # Keep the instance in step with what is stored.
        value = sanitize_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else sanitize_html(value)
