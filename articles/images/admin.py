"""The picture library in the admin, and the chooser the story form uses."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.files.uploadedfile import UploadedFile
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.admin_input import SafeAutocompleteSelect, SafeInputAdminMixin
from articles.images.library import FORMAT_REFUSED, find_by_hash
from articles.images.models import ACCEPTED_FORMATS, Image, file_hash


def thumbnail(image, size=120):
    """A small preview (the ``preview`` rendition, made when the image was saved)."""
    if not image or not image.file:
        return ""
    return format_html(
        # A height only: the browser keeps the picture's shape (no inline
        # style, which the admin's Content-Security-Policy would refuse).
        '<img class="image-thumbnail" src="{}" alt="" height="{}">',
        image.file.preview,
        size,
    )


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "file_ppoi", "alt", "decorative", "caption", "credit", "copyright"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        # Django's image field has opened a new upload with Pillow (file.image);
        # a file already in the library was checked when it came in.
        picture = getattr(file, "image", None)
        if picture is not None and picture.format not in ACCEPTED_FORMATS:
            raise forms.ValidationError(FORMAT_REFUSED, code="format", params={"format": picture.format})
        if isinstance(file, UploadedFile):
            self._refuse_a_copy(file)
        return file

    def _refuse_a_copy(self, upload):
        """The same picture twice in the library is two descriptions to keep right: point at the first."""
        found = find_by_hash(file_hash(upload))
        if found is None or found.pk == self.instance.pk:
            return
        url = reverse(f"admin:{found._meta.app_label}_{found._meta.model_name}_change", args=[found.pk])
        # Safe HTML (a link), so no params: ValidationError would %-format it into a plain str.
        raise forms.ValidationError(
            format_html(
                str(_("This picture is in the library already: {link}. Choose it instead of uploading it again.")),
                link=format_html('<a href="{}">{}</a>', url, found),
            ),
            code="duplicate",
        )


@admin.register(Image)
class ImageAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    form = ImageForm
    list_display = ["list_thumbnail", "__str__", "credit", "decorative", "uploaded_at", "uploaded_by"]
    list_display_links = ["list_thumbnail", "__str__"]
    list_filter = ["decorative", "uploaded_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt", "caption", "credit", "copyright"]
    readonly_fields = ["uploaded_at", "uploaded_by", "content_hash"]
    fieldsets = [
        (None, {"fields": ["file", "file_ppoi", "alt", "decorative"]}),
        (_("Caption and credit"), {"fields": ["caption", "credit", "copyright"]}),
        (_("History"), {"fields": ["uploaded_at", "uploaded_by", "content_hash"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("picture"))
    def list_thumbnail(self, obj):
        return thumbnail(obj, size=80)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        chooser = self.admin_site.admin_view(ImageChooserView.as_view(admin_site=self.admin_site))
        return [path("chooser/", chooser, name="articles_image_chooser"), *super().get_urls()]


class ImageChooserView(AutocompleteJsonView):
    """The admin's autocomplete answers, with each picture's thumbnail.

    The same checks as Django's (the field asking must be an autocomplete
    field of a registered admin, the user must be allowed to view images),
    and the same search. ``?pk=`` answers for one picture: the chooser asks
    it for a picture just uploaded in the popup, which arrives without one.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        pk = self.request.GET.get("pk")
        if pk is not None:
            queryset = queryset.filter(pk=pk) if pk.isdigit() else queryset.none()
        return queryset

    def serialize_result(self, obj, to_field_name):
        return {**super().serialize_result(obj, to_field_name), "thumbnail": obj.file.preview if obj.file else ""}


class ImageChooser(SafeAutocompleteSelect):
    """Search the library by description, caption or credit, with thumbnails; + uploads one in a popup.

    The chosen picture is shown beside the field, so an editor sees what the
    story carries, not only its description; articles/admin/image-chooser.js
    changes it when another is chosen or uploaded. The script sets select2 up
    itself (the admin's autocomplete.js would show words only), so the field
    is not marked ``admin-autocomplete``.
    """

    def get_url(self):
        return reverse("admin:articles_image_chooser", current_app=self.admin_site.name)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        classes = [name for name in attrs["class"].split() if name != "admin-autocomplete"]
        attrs["class"] = " ".join([*classes, "image-chooser"])
        return attrs

    @property
    def media(self):
        # After jquery.init.js: it is what makes django.jQuery, with select2 on it.
        return super().media + forms.Media(
            js=["admin/js/jquery.init.js", "articles/admin/image-chooser.js"],
            css={"screen": ["articles/admin/image-chooser.css"]},
        )

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        image = Image.objects.filter(pk=value).first() if value and str(value).isdigit() else None
        preview_id = f"{(attrs or {}).get('id') or 'id_' + name}_preview"
        return format_html(
            '{}<div class="image-chooser__preview" id="{}">{}</div>', html, preview_id, thumbnail(image)
        )
