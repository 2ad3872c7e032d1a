from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Django's validate_slug, as a pattern PostgreSQL (``~``) and SQLite (Django's
# REGEXP function, Python's re) read alike. \Z, not $: in Python "$" also
# matches before a final newline, so "story\n" would pass.
SLUG_PATTERN = r"\A[-a-zA-Z0-9_]+\Z"


def slug_check(*, name, field="slug"):
    """A check constraint: ``field`` is a non-empty ASCII slug.

    The admin's slug fields validate this already; rows written from code,
    with ``QuerySet.update()`` or by ``loaddata`` do not, and one published
    story whose slug no address can carry ("bad slug!") used to turn every
    page listing it into a 500. The database refuses such a row instead.
    """
    return models.CheckConstraint(
        condition=Q(**{f"{field}__regex": SLUG_PATTERN}),
        name=name,
        violation_error_code="invalid_slug",
        violation_error_message=_(
            "Enter a slug of unaccented letters, numbers, hyphens or underscores (no spaces or other characters)."
        ),
    )


class SlugManager(models.Manager):
    """Finds rows by slug, so fixtures can refer to them without primary keys."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Timestamped(models.Model):
    """``created_at`` / ``updated_at`` that also work for fixture loads.

    ``auto_now`` fields are filled in ``pre_save()``, which ``loaddata`` skips,
    so a fixture without them would fail; a default covers that path and
    ``save()`` keeps ``updated_at`` current for every other one.
    """

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)
