import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContentVersion(models.Model):
    """One row that changes whenever anything readers can see changes.

    Reader pages derive their ``ETag``, ``Last-Modified`` and rendered-page
    cache key from it (``articles.http``, ``articles.page_cache``), so every
    process sees a change at once: the version lives in the database, not in
    a per-process cache. ``articles.signals`` replaces the token on every
    save, delete and many-to-many change of the newsroom's models.

    The token is random rather than a counter so that a version can never
    come back: a flushed or restored table cannot make an old cache entry
    current again.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    token = models.UUIDField(_("token"), default=uuid.uuid4)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("content version")
        verbose_name_plural = _("content versions")

    def __str__(self):
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
