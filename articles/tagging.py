"""Tag entry in the admin: pick existing tags as you type, or add new ones."""

from django import forms
from django.contrib.admin.widgets import get_select2_language
from django.http import JsonResponse
from taggit.models import Tag
from taggit.utils import parse_tags


def tag_string(names):
    """Names as one string taggit parses back to exactly these names.

    Quoting every name keeps "United States" one tag (unquoted, a lone name
    with a space would be split into two).
    """
    return ", ".join('"{}"'.format(name.replace('"', "")) for name in names if name.strip())


class TagAutocompleteWidget(forms.SelectMultiple):
    """A multiple select enhanced by the admin's select2 in "tags" mode."""

    def __init__(self, url, attrs=None):
        super().__init__(attrs={"class": "tag-autocomplete", "data-autocomplete-url": url, **(attrs or {})})

    @property
    def media(self):
        i18n = get_select2_language()
        i18n_file = (f"admin/js/vendor/select2/i18n/{i18n}.js",) if i18n else ()
        return forms.Media(
            js=(
                "admin/js/vendor/jquery/jquery.js",
                "admin/js/vendor/select2/select2.full.js",
                *i18n_file,
                "admin/js/jquery.init.js",
                "articles/admin/tags.js",
            ),
            css={"screen": ("admin/css/vendor/select2/select2.css", "admin/css/autocomplete.css")},
        )

    def format_value(self, value):
        if not value:
            return []
        if isinstance(value, str):
            return parse_tags(value)
        return [getattr(tag, "name", tag) for tag in value]

    def optgroups(self, name, value, attrs=None):
        # The only options are the story's own tags; select2 fetches the rest.
        return [
            (None, [self.create_option(name, tag, tag, True, index, attrs=attrs)], index)
            for index, tag in enumerate(value)
        ]

    def value_from_datadict(self, data, files, name):
        return tag_string(data.getlist(name) if hasattr(data, "getlist") else data.get(name, []))


def tag_autocomplete(request):
    """``{"results": [{"id": name, "text": name}]}`` for select2."""
    term = request.GET.get("term", "").strip()
    tags = Tag.objects.order_by("name")
    if term:
        tags = tags.filter(name__icontains=term)
    names = list(tags.values_list("name", flat=True)[:20])
    return JsonResponse({"results": [{"id": name, "text": name} for name in names]})
