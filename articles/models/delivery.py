"""What reader pages are made of, for delivering them fast and fresh (``articles.delivery``).

- :class:`DeliveryKey`: one row per key of something a page can show
  (``article-42``, ``author-7``, ``list-home``…). A change replaces the
  key's version; a cached page is valid while the versions of all its keys
  are the ones it was rendered with. The versions live in the database, not
  in a per-process cache, so every process sees a change at once.
- :class:`StoryRender`: the parts of a story page that change only when
  something is saved (the story itself with its body, byline and
  corrections, its metadata for machines, its related stories), rendered
  when that happens and stored, so a reader's request only looks them up
  and wraps them in the site's layout.
- :class:`RenderDependency`: which keys each stored render shows, so a
  change finds the renders it makes stale with one indexed lookup.
"""

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.articles import Article


class DeliveryKey(models.Model):
    """The current version of one key.

    The version is random rather than a counter so that it can never come
    back: a flushed or restored table cannot make an old cache entry or a
    client's old ``ETag`` current again. A key without a row has never
    changed; its first change creates the row.
    """

    key = models.CharField(_("key"), max_length=200, primary_key=True)
    version = models.UUIDField(_("version"), default=uuid.uuid4)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery key")
        verbose_name_plural = _("delivery keys")

    def __str__(self):
        return self.key


def first_generation():
    """A random start, so that a render made anew (a story withdrawn and published again)
    never takes up a generation an old cached copy of its page was stored with."""
    return secrets.randbits(62)


class StoryRender(models.Model):
    """A story page's save-time parts, with origin and script prefix left as placeholders.

    ``articles.delivery.story_render`` writes and reads these; see there.
    ``generation`` moves on whenever something the render shows changes, so
    a render written by a request that started before the change is refused
    (a conditional UPDATE on the generation it read).
    """

    article = models.OneToOneField(
        Article, verbose_name=_("article"), primary_key=True, on_delete=models.CASCADE, related_name="render"
    )
    fingerprint = models.CharField(
        _("made with"),
        max_length=64,
        blank=True,
        help_text=_("The templates and settings the parts were rendered with (articles.delivery.fingerprint)."),
    )
    title = models.TextField(_("page title"), blank=True)
    head = models.TextField(_("head"), blank=True)
    content = models.TextField(_("content"), blank=True)
    keys = models.JSONField(_("keys"), default=list, blank=True)
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_("When a scheduled story will change the related stories shown; the render is stale from then."),
    )
    stale = models.BooleanField(_("stale"), default=True)
    generation = models.PositiveBigIntegerField(_("generation"), default=first_generation)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored story render")
        verbose_name_plural = _("stored story renders")

    def __str__(self):
        return str(self.article_id)


class RenderDependency(models.Model):
    render = models.ForeignKey(
        StoryRender, verbose_name=_("render"), on_delete=models.CASCADE, related_name="dependencies"
    )
    key = models.CharField(_("key"), max_length=200, db_index=True)

    class Meta:
        verbose_name = _("render dependency")
        verbose_name_plural = _("render dependencies")
        constraints = [models.UniqueConstraint(fields=["render", "key"], name="unique_render_dependency")]

    def __str__(self):
        return f"{self.render_id}: {self.key}"
