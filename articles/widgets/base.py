from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models.base import SlugManager, Timestamped, slug_check
from articles.models.blocks import ArticlePlugin


class Widget(Timestamped):
    """Base of reusable widgets: named by slug, stamped with edit times."""

    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, help_text=_("Identifies the widget in fixtures and imports.")
    )

    objects = SlugManager()

    class Meta(Timestamped.Meta):
        abstract = True
        # Every widget kind gets its own copy, named after its table.
        constraints = [slug_check(name="%(app_label)s_%(class)s_slug_valid")]

    def natural_key(self):
        return (self.slug,)


class WidgetBlock(ArticlePlugin):
    """Base of the blocks that place a widget in an article body.

    Subclasses add ``widget = models.ForeignKey(<Widget>, on_delete=PROTECT,
    related_name="placements")``: a widget in use cannot be deleted.
    """

    class Meta(ArticlePlugin.Meta):
        abstract = True

    def __str__(self):
        return str(self.widget)

    @classmethod
    def get_queryset(cls):
        return cls.objects.select_related("widget")
