"""The image block: a library picture placed in a story's body.

The picture itself is shared (``articles.images.models.Image``): its
description, caption and credit are the library's unless this use says
otherwise, the way the lead image does on the story.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.images.models import PictureUse
from articles.models.blocks import ArticlePlugin


class ImageBlock(PictureUse, ArticlePlugin):
    image = models.ForeignKey(
        "articles.Image",
        verbose_name=_("image"),
        # A picture a story shows cannot leave the library under it.
        on_delete=models.PROTECT,
        related_name="image_blocks",
        help_text=_("From the picture library: search, or upload a new one with +."),
    )
    alt = models.CharField(
        _("description (alt text)"),
        max_length=300,
        blank=True,
        help_text=_("Only where this story needs its own: the library's description otherwise."),
    )

    class Meta(ArticlePlugin.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self):
        # Where the picture is used, as the library's "cannot delete" page lists it.
        return _("%(picture)s in “%(place)s”") % {"picture": self.image, "place": self.parent}

    @classmethod
    def get_queryset(cls):
        # The renderer fetches every image block of a page in one query, pictures included.
        return cls.objects.select_related("image")

    # The picture as this story shows it: its own words where it has them
    # (shown_caption and shown_credit: PictureUse).

    @property
    def shown_alt(self):
        """Empty for a decorative picture, unless this use describes it."""
        return self.alt or self.image.alt_text
