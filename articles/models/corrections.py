from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.base import slug_check


class Correction(models.Model):
    """A dated note readers see under a story: what was wrong, or what changed."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction")
        UPDATE = "update", _("update")

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="corrections"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(_("text"), help_text=_("Shown to readers as written."))
    published_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("correction or update")
        verbose_name_plural = _("corrections and updates")
        ordering = ["published_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class SlugRedirect(models.Model):
    """An address a story used to have; readers following it are sent on (301)."""

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="old_slugs"
    )
    old_slug = models.SlugField(_("old slug"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        constraints = [slug_check(name="articles_slugredirect_old_slug_valid", field="old_slug")]

    def __str__(self):
        return self.old_slug
