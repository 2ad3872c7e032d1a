from django.db import models
from django.utils.translation import gettext_lazy as _


class SitemapPart(models.Model):
    """One part of the story sitemap: a month's stories, or a slice of a busy month's.

    A summary kept beside the stories (``articles.syndication.parts``), so the
    sitemap index reads a few hundred rows instead of grouping a million
    stories by month on every request. Written after each committed change of
    a story in print, for the months it was and is in; ``manage.py
    rebuild_sitemap_parts`` writes it all again.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month, in the site's time zone."))
    number = models.PositiveIntegerField(_("part"), default=1)
    count = models.PositiveIntegerField(_("stories"), default=0)
    last_modified = models.DateTimeField(_("last modified"), null=True, blank=True)
    # When this month was last summed up: a story scheduled for later in the
    # month appears without a save, so the index re-reads months summed up
    # before they ended (articles.syndication.parts.current_parts).
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("sitemap part")
        verbose_name_plural = _("sitemap parts")
        ordering = ["-month", "number"]
        constraints = [models.UniqueConstraint(fields=["month", "number"], name="unique_sitemap_part")]

    def __str__(self):
        return f"{self.month:%Y-%m} part {self.number}: {self.count}"
