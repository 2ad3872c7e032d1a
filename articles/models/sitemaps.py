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
    # The part's <url> entries as the first request after a change wrote them
    # (articles.syndication.parts.keep), served as they are until the next
    # change replaces the row: a part of 10,000 stories is one row read, not
    # 10,000 rows and their addresses. The origin is a placeholder (each host
    # gets its own); ``rendered_with`` says what else they were made with.
    rendered = models.TextField(_("rendered entries"), blank=True, default="", editable=False)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True, editable=False)
    rendered_with = models.CharField(_("rendered with"), max_length=64, blank=True, editable=False)
    # The latest change among the rendered stories (the part's Last-Modified).
    rendered_latest = models.DateTimeField(_("latest rendered change"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("sitemap part")
        verbose_name_plural = _("sitemap parts")
        ordering = ["-month", "number"]
        constraints = [
            models.UniqueConstraint(fields=["month", "number"], name="unique_sitemap_part"),
            # Entries come with when, with what and up to which change they were
            # rendered, or not at all: a part is never served from half a record.
            models.CheckConstraint(
                condition=(
                    models.Q(rendered="", rendered_at__isnull=True, rendered_latest__isnull=True)
                    | (models.Q(rendered_at__isnull=False, rendered_latest__isnull=False) & ~models.Q(rendered=""))
                ),
                name="sitemap_part_rendered_whole",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} part {self.number}: {self.count}"
