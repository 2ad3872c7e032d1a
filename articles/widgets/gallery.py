"""Gallery widget: pictures from the library in an editor's order, placed in stories by a block.

A gallery is a reusable widget, like a timeline: the photo editor puts it
together once ("Hamburg G20 in pictures") in its own admin, drags its
pictures into order, and every story that places it shows the same
sequence; a change of one picture's words reaches them all.
"""

from adminsortable2.admin import SortableAdminBase, SortableInlineAdminMixin
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import widgets
from articles.admin_input import SafeInputAdminMixin
from articles.images.models import PictureUse
from articles.widgets.base import Widget, WidgetBlock


class Gallery(Widget):
    title = models.CharField(
        _("title"), max_length=200, help_text=_("Shown above the pictures, and names the gallery for screen readers.")
    )
    intro = models.TextField(_("introduction"), blank=True)

    class Meta(Widget.Meta):
        verbose_name = _("gallery")
        verbose_name_plural = _("galleries")
        ordering = ["title"]

    def __str__(self):
        return self.title


class GalleryItemManager(models.Manager):
    def get_by_natural_key(self, gallery_slug, image_file):
        return self.get(gallery__slug=gallery_slug, image__file=image_file)


class GalleryItem(PictureUse):
    """One picture of a gallery, in its place, with this gallery's own words if it needs them."""

    gallery = models.ForeignKey(Gallery, verbose_name=_("gallery"), on_delete=models.CASCADE, related_name="items")
    image = models.ForeignKey(
        "articles.Image",
        verbose_name=_("image"),
        # A picture a gallery shows cannot leave the library under it.
        on_delete=models.PROTECT,
        related_name="gallery_items",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = GalleryItemManager()

    class Meta:
        verbose_name = _("gallery picture")
        verbose_name_plural = _("gallery pictures")
        ordering = ["position", "pk"]
        constraints = [
            # The same picture twice in one gallery is a slip, and the natural
            # key (gallery, picture) needs it once. Not (gallery, position):
            # the admin's drag and drop saves the moved rows one by one, and
            # two rows swapping places would collide half-way.
            models.UniqueConstraint(fields=["gallery", "image"], name="unique_gallery_image"),
        ]

    def __str__(self):
        # Where the picture is used, as the library's "cannot delete" page lists it.
        return _("%(picture)s in “%(place)s”") % {"picture": self.image, "place": self.gallery}

    def natural_key(self):
        return (*self.gallery.natural_key(), *self.image.natural_key())

    natural_key.dependencies = ["articles.gallery", "articles.image"]


class GalleryBlock(WidgetBlock):
    widget = models.ForeignKey(Gallery, verbose_name=_("gallery"), on_delete=models.PROTECT, related_name="placements")

    class Meta(WidgetBlock.Meta):
        verbose_name = _("gallery")
        verbose_name_plural = _("galleries")


class GalleryItemInline(SafeInputAdminMixin, SortableInlineAdminMixin, admin.TabularInline):
    model = GalleryItem
    extra = 0
    fields = ["image", "caption", "credit", "position"]
    autocomplete_fields = ["image"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The story form's picture chooser: a search over the library, with a thumbnail.
        from articles.images.admin import ImageChooser

        if db_field.name == "image":
            kwargs["widget"] = ImageChooser(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class GalleryAdmin(SafeInputAdminMixin, SortableAdminBase, admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "slug", "intro"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [GalleryItemInline]


widgets.register(
    Gallery,
    GalleryBlock,
    admin=GalleryAdmin,
    related=["items"],
    related_select={"items": ("image",)},
    icon="photo_library",
)
