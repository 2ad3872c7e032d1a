"""Presence: who else has a story's change form open, and who saved it meanwhile.

An open change form asks every ``ARTICLES_PRESENCE_INTERVAL`` seconds (and
at once when it regains focus); each request upserts one row "user U has
story S open, last seen now". Rows not renewed for
``ARTICLES_PRESENCE_TIMEOUT`` seconds count as gone: a closed tab, a laptop
put to sleep. Leaving the page deletes its row at once.

This is a courtesy, not a lock: two editors who ignore the notice are still
kept apart by the stale-save rule (``articles.locking``).
"""

import datetime

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.conf import settings


class EditingPresence(models.Model):
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+", verbose_name=_("story")
    )
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("editor on a story")
        verbose_name_plural = _("editors on stories")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="articles_presence_one_per_user_story"),
        ]

    def __str__(self):
        return f"{self.user} on {self.article_id} @ {self.last_seen:%H:%M:%S}"


def _timeout():
    return datetime.timedelta(seconds=settings.PRESENCE_TIMEOUT)


def record(user, article, now=None):
    """``user`` has ``article`` open now: one upsert (INSERT … ON CONFLICT UPDATE)."""
    EditingPresence.objects.bulk_create(
        [EditingPresence(user=user, article=article, last_seen=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["article", "user"],
        update_fields=["last_seen"],
    )


def leave(user, article, seen):
    """``user`` closed the page that was last seen at ``seen`` (not one opened since)."""
    EditingPresence.objects.filter(user=user, article=article, last_seen__lte=seen).delete()


def others(user, article, now=None):
    """The other users who have ``article`` open, longest there first."""
    since = (now or timezone.now()) - _timeout()
    rows = (
        EditingPresence.objects.filter(article=article, last_seen__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("pk")
    )
    return [row.user for row in rows]


def prune(now=None):
    deleted, _by_model = EditingPresence.objects.filter(last_seen__lt=(now or timezone.now()) - _timeout()).delete()
    return deleted
