from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import addresses
from articles.models.base import SlugManager, slug_check


class Section(models.Model):
    """A department of the paper: World, Politics, Business…"""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Sections are listed in this order."))

    objects = SlugManager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "name"]
        constraints = [slug_check(name="articles_section_slug_valid")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return addresses.section(slug=self.slug)

    def natural_key(self):
        return (self.slug,)
