"""Timeline widget: a titled, dated list of events ("Syria war timeline")."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import dates, widgets
from articles.admin_input import SafeInputAdminMixin
from articles.widgets.base import Widget, WidgetBlock


class Timeline(Widget):
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)

    class Meta(Widget.Meta):
        verbose_name = _("timeline")
        verbose_name_plural = _("timelines")
        ordering = ["title"]

    def __str__(self):
        return self.title


class TimelineEventManager(models.Manager):
    def get_by_natural_key(self, timeline_slug, date, title):
        return self.get(timeline__slug=timeline_slug, date=date, title=title)


class TimelineEvent(models.Model):
    class Precision(models.TextChoices):
        DAY = "day", _("day")
        MONTH = "month", _("month")
        YEAR = "year", _("year")

    timeline = models.ForeignKey(Timeline, verbose_name=_("timeline"), on_delete=models.CASCADE, related_name="events")
    date = models.DateField(_("date"))
    precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text=_("How much of the date is known: 2011, March 2011 or 15 March 2011."),
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)

    objects = TimelineEventManager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["timeline", "date", "title"], name="unique_timeline_event"),
        ]

    def __str__(self):
        return f"{self.display_date}: {self.title}"

    def natural_key(self):
        return (*self.timeline.natural_key(), self.date.isoformat(), self.title)

    natural_key.dependencies = ["articles.timeline"]

    @property
    def display_date(self):
        if self.precision == self.Precision.YEAR:
            return f"{self.date:%Y}"
        if self.precision == self.Precision.MONTH:
            return dates.month(self.date)
        return dates.day(self.date)

    @property
    def machine_date(self):
        """The date for ``<time datetime>``, no more precise than what is known."""
        if self.precision == self.Precision.YEAR:
            return f"{self.date:%Y}"
        if self.precision == self.Precision.MONTH:
            return f"{self.date:%Y-%m}"
        return self.date.isoformat()


class TimelineBlock(WidgetBlock):
    widget = models.ForeignKey(
        Timeline, verbose_name=_("timeline"), on_delete=models.PROTECT, related_name="placements"
    )

    class Meta(WidgetBlock.Meta):
        verbose_name = _("timeline")
        verbose_name_plural = _("timelines")


class TimelineEventInline(SafeInputAdminMixin, admin.TabularInline):
    model = TimelineEvent
    extra = 1
    fields = ["date", "precision", "title", "text"]


class TimelineAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "slug", "intro"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TimelineEventInline]


widgets.register(Timeline, TimelineBlock, admin=TimelineAdmin, related=["events"], icon="timeline")
