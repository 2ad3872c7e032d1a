from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
