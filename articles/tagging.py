"""Tag entry in the admin: pick existing tags as you type, or add new ones."""

import functools
import operator

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import get_select2_language
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit import admin as taggit_admin
from taggit.forms import MergeTagsForm, TagField
from taggit.models import Tag
from taggit.utils import parse_tags

from articles.admin_input import SafeInputAdminMixin, fits
from articles.models import TaggedArticle

# taggit makes a clashing slug unique with a "_<n>" suffix; leave it room.
SLUG_SUFFIX_ROOM = 4


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


class ArticleTagField(TagField):
    """taggit's field, refusing new names that would not make a tag with an address.

    taggit creates the tags named here when the story is saved: a name longer
    than the column broke the save on PostgreSQL (a 500, the editor's typing
    lost), and a name without a letter or digit ("!!!") got an empty slug, a
    tag page that cannot be linked. Tags that already exist are left alone,
    so a story carrying one can always be saved again.
    """

    def clean(self, value):
        names = super().clean(value)
        existing = {name.lower() for name in _existing_names(names)}
        errors = [error for name in names if name.lower() not in existing for error in _name_errors(name)]
        if errors:
            raise forms.ValidationError(errors)
        return names


def _existing_names(names):
    if not names:
        return []
    # Case-insensitive, as taggit matches them (TAGGIT_CASE_INSENSITIVE).
    matches = functools.reduce(operator.or_, (Q(name__iexact=name) for name in names))
    return Tag.objects.filter(matches).values_list("name", flat=True)


def _name_errors(name):
    name_max = Tag._meta.get_field("name").max_length
    slug_max = Tag._meta.get_field("slug").max_length - SLUG_SUFFIX_ROOM
    slug = Tag().slugify(name)
    if len(name) > name_max or len(slug) > slug_max:
        yield forms.ValidationError(
            _("“%(start)s…” is too long for a tag: at most %(max)d characters."),
            code="tag_too_long",
            params={"start": name[:30], "max": min(name_max, slug_max)},
        )
    elif not slug:
        yield forms.ValidationError(
            _("“%(name)s” cannot be a tag: it needs a letter or a digit."),
            code="tag_without_slug",
            params={"name": name},
        )


def tag_autocomplete(request):
    """``{"results": [{"id": name, "text": name}]}`` for select2."""
    # No tag holds a NUL, and PostgreSQL refuses to compare one: drop it.
    term = request.GET.get("term", "").replace("\x00", "").strip()
    tags = Tag.objects.order_by("name")
    if term:
        tags = tags.filter(name__icontains=term)
    names = list(tags.values_list("name", flat=True)[:20])
    return JsonResponse({"results": [{"id": name, "text": name} for name in names]})


class TagAdmin(SafeInputAdminMixin, taggit_admin.TagAdmin):
    """taggit's tag admin (list, delete, merge) with the app's guard against bad input.

    taggit's merge page looks each selected id up with ``get()``: an id that
    is not a number, or a tag deleted since it was selected, was a 500. Only
    tags that still exist are merged.
    """

    def merge_tags_view(self, request):
        selected = request.session.get("selected_tag_ids", "").split(",")
        existing = Tag.objects.filter(pk__in=[pk for pk in selected if fits(Tag._meta.pk, pk)])
        kept = [str(pk) for pk in existing.values_list("pk", flat=True)]
        if not kept:
            self.message_user(request, _("Please select at least one tag."), messages.WARNING)
            return redirect(reverse(f"{self.admin_site.name}:taggit_tag_changelist"))
        request.session["selected_tag_ids"] = ",".join(kept)
        with transaction.atomic():
            form = MergeTagsForm(request.POST) if request.method == "POST" else None
            if form is not None and form.is_valid():
                # taggit moves only its own generic tag rows; stories carry
                # theirs in TaggedArticle, and "merged" must be true for them.
                merge_story_tags(existing, form.cleaned_data["new_tag_name"])
            return super().merge_tags_view(request)


def merge_story_tags(tags, into_name):
    """Give every story carrying one of ``tags`` the tag named ``into_name`` instead.

    A story that already carries it just loses the merged one. Rows are
    saved one by one, so each change reaches the story's pages and both
    tags' lists (articles.delivery). The merged tags stay (unused); delete them when done.
    """
    into, _created = Tag.objects.get_or_create(name=into_name)
    rows = TaggedArticle.objects.filter(tag__in=tags).exclude(tag=into).select_related("tag")
    for row in rows:
        if TaggedArticle.objects.filter(content_object_id=row.content_object_id, tag=into).exists():
            row.delete()
        else:
            row.tag = into
            row.save()
    return into


def register_tag_admin(site):
    """Put :class:`TagAdmin` in place of taggit's own, if that is the one ``site`` uses.

    A project that registered its own admin for ``Tag`` keeps it.
    """
    if site.is_registered(Tag) and type(site.get_model_admin(Tag)) is taggit_admin.TagAdmin:
        site.unregister(Tag)
        site.register(Tag, TagAdmin)
