"""Stored addresses that become links on readers' pages: http and https only.

An author's website and a story's canonical URL end up in ``href``, ``og:url``
and the JSON-LD. A ``javascript:``, ``data:`` or ``vbscript:`` value there is
script a reader runs with one click, so the rule is held three times:

- the model field's validator, for forms and ``full_clean()`` (a form error);
- a database check constraint (:func:`web_url_check`), for what skips
  validation: ``save()`` from code, ``QuerySet.update()`` and ``loaddata``;
- :func:`web_url` when rendering, so a value that got in some other way (a
  database restored from before the constraint, raw SQL) is dropped, not linked.

The pattern is anchored at the very first character: browsers skip leading
spaces and control characters and drop tabs and newlines inside a scheme
(``" java<TAB>script:"`` runs as ``javascript:``), so anything but ``http://``
or ``https://`` right at the start is refused rather than cleaned up.
"""

import re

from django import forms
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")

# Understood alike by PostgreSQL (``~*``), SQLite (Django's REGEXP function,
# Python's re) and re below: \A, \Z and \S mean the same in all three.
WEB_URL_PATTERN = r"\Ahttps?://\S+\Z"

_web_url = re.compile(WEB_URL_PATTERN, re.IGNORECASE)

WEB_URL_MESSAGE = _("Enter a web address that starts with http:// or https://.")

validate_web_url = URLValidator(schemes=list(WEB_SCHEMES), message=WEB_URL_MESSAGE)


class WebURLFormField(forms.URLField):
    default_validators = [validate_web_url]
    # A form field puts its own "invalid" message on its validators' errors.
    default_error_messages = {"invalid": WEB_URL_MESSAGE}


class WebURLField(models.URLField):
    """A ``URLField`` that takes web addresses only (no ftp, no script)."""

    # Replaces URLField's validator (which also allows ftp and ftps) rather
    # than adding to it, so a bad value gets one message, not two; the form
    # field gives the same one.
    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})


def web_url_check(field, *, name, message):
    """A check constraint: ``field`` is empty or an http(s) address."""
    return models.CheckConstraint(
        condition=Q(**{field: ""}) | Q(**{f"{field}__iregex": WEB_URL_PATTERN}),
        name=name,
        violation_error_code="invalid_web_url",
        violation_error_message=message,
    )


def web_url(value):
    """``value`` if readers may follow it (an http or https address), else ``""``."""
    value = "" if value is None else str(value)
    return value if _web_url.match(value) else ""
