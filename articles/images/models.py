import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.images.fields import LibraryImageField
from articles.images.renditions import FORMATS

# What the library accepts: what browsers show everywhere (and Pillow reads).
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


class ImageManager(models.Manager):
    def get_by_natural_key(self, file):
        return self.get(file=file)


class Image(models.Model):
    """A picture in the library, reused from story to story.

    Its renditions (``articles.images.renditions``) are made when it is saved;
    the focal point (``file_ppoi``, set by clicking on the picture in the
    admin) keeps every crop on what matters.
    """

    file = LibraryImageField(
        _("image"),
        upload_to="images/%Y/%m/",
        auto_add_fields=True,
        formats=FORMATS,
        max_length=255,
        help_text=_("JPEG, PNG or WebP. Click on the picture to set its focal point: every crop keeps it in view."),
    )
    alt = models.CharField(
        _("description (alt text)"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    decorative = models.BooleanField(
        _("decorative"),
        default=False,
        help_text=_("Tick only when the picture adds nothing a reader would miss: it then gets no description."),
    )
    caption = models.CharField(_("default caption"), max_length=500, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True, help_text=_("Photographer or agency."))
    copyright = models.CharField(_("copyright"), max_length=200, blank=True)
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("SHA-256 of the file: the same picture uploaded twice is found by it."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ImageManager()

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["file"], name="articles_image_file_unique"),
            # The form says so first (clean()); this catches what no form saw.
            models.CheckConstraint(
                condition=~models.Q(alt="") | models.Q(decorative=True),
                name="articles_image_alt_or_decorative",
                violation_error_message=_("Describe the picture, or tick “decorative”."),
            ),
        ]

    def __str__(self):
        return self.alt or self.caption or self.file.name.rsplit("/", 1)[-1]

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            self.content_hash = file_hash(self.file)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.file.name,)

    def clean(self):
        super().clean()
        if not self.alt.strip() and not self.decorative:
            raise ValidationError({"alt": _("Describe the picture, or tick “decorative” if it adds nothing.")})
        if self.decorative:
            self.alt = ""

    @property
    def alt_text(self):
        """What ``alt`` says on a page: empty for a decorative picture."""
        return "" if self.decorative else self.alt


class PictureUse(models.Model):
    """A library picture shown somewhere (a body block, a gallery) with its own words where it needs them.

    Subclasses add ``image``, the foreign key to :class:`Image`.
    """

    caption = models.CharField(
        _("caption"), max_length=500, blank=True, help_text=_("The library's caption when empty.")
    )
    credit = models.CharField(_("credit"), max_length=200, blank=True, help_text=_("The library's credit when empty."))

    class Meta:
        abstract = True

    @property
    def shown_caption(self):
        return self.caption or self.image.caption

    @property
    def shown_credit(self):
        return self.credit or self.image.credit


def file_hash(file):
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()
