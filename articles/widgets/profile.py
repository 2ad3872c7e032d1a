"""Profile widget: a short portrait of a person in the news."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import widgets
from articles.admin_input import SafeInputAdminMixin
from articles.widgets.base import Widget, WidgetBlock


class Profile(Widget):
    name = models.CharField(_("name"), max_length=200)
    born = models.CharField(
        _("born"), max_length=200, blank=True, help_text=_("Date and place, e.g. “11 September 1965, Damascus”.")
    )
    role = models.CharField(_("role"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="profiles/", blank=True)
    photo_alt = models.CharField(_("photo description"), max_length=300, blank=True)

    class Meta(Widget.Meta):
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProfileFactManager(models.Manager):
    def get_by_natural_key(self, profile_slug, label):
        return self.get(profile__slug=profile_slug, label=label)


class ProfileFact(models.Model):
    """A key fact, shown as a term and its description ("Education: …")."""

    profile = models.ForeignKey(Profile, verbose_name=_("profile"), on_delete=models.CASCADE, related_name="facts")
    label = models.CharField(_("label"), max_length=100)
    value = models.TextField(_("value"))
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = ProfileFactManager()

    class Meta:
        verbose_name = _("key fact")
        verbose_name_plural = _("key facts")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "label"], name="unique_profile_fact"),
        ]

    def __str__(self):
        return f"{self.label}: {self.value}"

    def natural_key(self):
        return (*self.profile.natural_key(), self.label)

    natural_key.dependencies = ["articles.profile"]


class ProfileBlock(WidgetBlock):
    widget = models.ForeignKey(Profile, verbose_name=_("profile"), on_delete=models.PROTECT, related_name="placements")

    class Meta(WidgetBlock.Meta):
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")


class ProfileFactInline(SafeInputAdminMixin, admin.TabularInline):
    model = ProfileFact
    extra = 1
    fields = ["label", "value", "position"]


class ProfileAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    list_display = ["name", "role", "updated_at"]
    search_fields = ["name", "slug", "role", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProfileFactInline]


widgets.register(Profile, ProfileBlock, admin=ProfileAdmin, related=["facts"], icon="person")
