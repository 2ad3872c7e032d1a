from adminsortable2.admin import SortableAdminBase, SortableInlineAdminMixin
from content_editor.admin import ContentEditor, ContentEditorInline
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import embeds, widgets, workflow
from articles.admin_input import SafeInputAdminMixin
from articles.admin_moves import BodyEditorAdminMixin
from articles.admin_preview import PreviewAdminMixin
from articles.admin_revisions import RevisionAdminMixin
from articles.admin_workflow import WorkflowAdminMixin
from articles.content_security import NoncedMediaAdminMixin
from articles.images.admin import ImageChooser
from articles.images.models import Image
from articles.locking import StaleSaveAdminMixin, save_if_unchanged
from articles.models import (
    Article,
    Author,
    Byline,
    Correction,
    Embed,
    ImageBlock,
    PullQuote,
    RichText,
    Section,
    SlugRedirect,
)
from articles.search import text_search
from articles.tagging import ArticleTagField, TagAutocompleteWidget, register_tag_admin, tag_autocomplete

# Editors paste addresses without a scheme; assume https, as Django 6 will.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Section)
class SectionAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "job_title"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "job_title", "bio", "photo"]}),
        (_("Links"), {"fields": ["website", "social_handle", "email", "user"], "classes": ["collapse"]}),
    ]

    # The user account is picked with an autocomplete when the site's user
    # admin can search (Django's UserAdmin can). A custom user model with no
    # admin, or one without search_fields, would fail the admin's checks
    # (admin.E039, admin.E040) for an autocomplete: it gets a raw id field.
    # Properties, not class attributes: which admin the site registers for
    # its user model is known only once every admin module has been loaded.
    def _users_searchable(self):
        user_model = get_user_model()
        if not self.admin_site.is_registered(user_model):
            return False
        return bool(self.admin_site.get_model_admin(user_model).search_fields)

    @property
    def autocomplete_fields(self):
        return ["user"] if self._users_searchable() else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The library's chooser (a search box over its descriptions) wherever
        # this site has the library's admin to search in.
        if db_field.name == "photo" and self.admin_site.is_registered(Image):
            kwargs["widget"] = ImageChooser(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @property
    def raw_id_fields(self):
        return [] if self._users_searchable() else ["user"]


@admin.register(SlugRedirect)
class SlugRedirectAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    """Old addresses are recorded automatically; editors may only review or drop them."""

    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__headline"]
    list_select_related = ["article"]
    readonly_fields = ["old_slug", "article", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BylineInline(SafeInputAdminMixin, SortableInlineAdminMixin, admin.TabularInline):
    model = Byline
    extra = 0
    fields = ["author", "role", "position"]
    autocomplete_fields = ["author"]
    verbose_name = _("byline")
    verbose_name_plural = _("people (bylines, in order)")


class CorrectionInline(SafeInputAdminMixin, admin.StackedInline):
    model = Correction
    extra = 0
    fields = ["kind", "published_at", "text"]
    verbose_name_plural = _("corrections and updates (shown to readers)")


class BlockInline(SafeInputAdminMixin, ContentEditorInline):
    pass


class EmbedForm(forms.ModelForm):
    """Names the providers in the help text: they come from the settings, so not from the model."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["url"]
        field.help_text = format_lazy(
            "{} {}", field.help_text, _("Supported: %(providers)s.") % {"providers": embeds.provider_names()}
        )
        # A plain input: the admin's URL widget would link a refused address as "Currently".
        field.widget = forms.URLInput(attrs={"class": "vURLField", "placeholder": "https://www.youtube.com/watch?v=…"})


class ImageBlockInline(BlockInline):
    """The lead image's chooser: a search over the library, + to upload, a thumbnail of the chosen one."""

    autocomplete_fields = ["image"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "image":
            kwargs["widget"] = ImageChooser(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def _block_inlines():
    inlines = [
        BlockInline.create(RichText, icon="notes"),
        BlockInline.create(PullQuote, icon="format_quote"),
        BlockInline.create(Embed, form=EmbedForm, icon="smart_display", formfield_overrides=URL_FIELDS),
        ImageBlockInline.create(ImageBlock, icon="image"),
    ]
    for kind in widgets.kinds():
        inlines.append(BlockInline.create(kind.block, autocomplete_fields=["widget"], icon=kind.icon))
    return inlines


class ArticleAdminForm(forms.ModelForm):
    """Enforces the workflow on the server, whatever the browser sent."""

    user = None  # set per request by ArticleAdmin.get_form()

    def clean_status(self):
        status = self.cleaned_data["status"]
        try:
            workflow.check_status_change(self.user, self.instance, status)
        except PermissionDenied as exc:
            raise forms.ValidationError(str(exc), code="workflow") from exc
        return status

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at", True):
            # Publishing without a time means "now".
            cleaned["published_at"] = timezone.now()
        return cleaned


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("draft")),
            ("review", _("in review")),
            ("scheduled", _("scheduled")),
            ("published", _("published")),
            ("unpublished", _("unpublished")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        now = timezone.now()
        if value == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if value == "published":
            return queryset.published(at=now)
        if value in {"draft", "review", "unpublished"}:
            return queryset.filter(status=value)
        return queryset


class SearchResultsPaginator(Paginator):
    """The changelist's paginator during a search: counts at most ``cap`` matches.

    A search lists its newest ``cap`` matches (20 pages of 50), enough for an
    editor to find a story or to see the words should be narrowed; counting
    every match of a common word would read much of the archive per page.
    """

    cap = 1000

    @cached_property
    def count(self):
        return self.object_list[: self.cap].count()


@admin.register(Article)
class ArticleAdmin(
    SafeInputAdminMixin,
    NoncedMediaAdminMixin,
    PreviewAdminMixin,
    WorkflowAdminMixin,
    StaleSaveAdminMixin,
    RevisionAdminMixin,
    BodyEditorAdminMixin,
    SortableAdminBase,
    ContentEditor,
):
    form = ArticleAdminForm
    list_display = [
        "headline",
        "section",
        "status_label",
        "byline_names",
        "published_at",
        "updated_at",
        "updated_by",
    ]
    # Every filter's choices come from a small table (sections, authors) or
    # none at all (dates): none of them reads the archive to draw the sidebar.
    # Tags are found through the search box, which covers them; a list of
    # every tag grows with the archive and no editor scrolls through it.
    list_filter = [
        StatusFilter,
        "section",
        "bylines__author",
        "published_at",
    ]
    list_select_related = ["section", "updated_by"]
    # Django's changelist costs about a millisecond per row to draw, whatever
    # the archive's size; 50 rows keep a page under 100 ms.
    list_per_page = 50
    # The total of an unfiltered archive is a COUNT over every story on every
    # changelist view; the filtered count is enough ("50 of 1,000,000" → "50 results").
    show_full_result_count = False
    # The search box uses the full-text index (get_search_results); this list
    # only makes Django draw the box.
    search_fields = ["headline"]
    # No date_hierarchy: its year links are a DISTINCT over every story's date
    # on every changelist view. The "publication time" filter (today, past 7
    # days, this month, this year) needs no query.
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "lead_image"]
    formfield_overrides = URL_FIELDS
    actions = ["publish_selected", "unpublish_selected", "revoke_preview_links_selected"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    fieldsets = [
        (_("Story"), {"fields": ["kicker", "headline", "slug", "standfirst"]}),
        (_("Section and tags"), {"fields": ["section", "tags"]}),
        (_("Publishing"), {"fields": ["status", "published_at"]}),
        (
            _("Lead image"),
            {"fields": ["lead_image", "lead_image_caption", "lead_image_credit", "lead_image_alt"]},
        ),
        (
            _("SEO and syndication"),
            {"fields": ["seo_title", "seo_description", "canonical_url"], "classes": ["collapse"]},
        ),
        (
            _("History"),
            {"fields": ["created_at", "created_by", "updated_at", "updated_by"], "classes": ["collapse"]},
        ),
    ]
    inlines = [BylineInline, CorrectionInline, *_block_inlines()]

    # --- queries -----------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A search for a common word matches much of the archive: count at most
        # SEARCH_COUNT_CAP of its matches instead of all of them on every page.
        if request.GET.get(SEARCH_VAR, "").strip():
            return SearchResultsPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        """The full-text index (``articles.search``): words, stems, phrases, tags, bylines, never markup.

        A story's exact slug finds it too, for an editor pasting an address.
        No join, so no duplicates: the second value is False.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = text_search(term, using=queryset.db).condition()
        by_slug = Q(slug=term.strip("/").rsplit("/", 1)[-1])
        return queryset.filter(by_slug if condition is None else condition | by_slug), False

    # --- changelist columns -------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return obj.get_public_status_display()

    @admin.display(description=_("bylines"))
    def byline_names(self, obj):
        return ", ".join(byline.author.name for byline in obj.bylines.all())

    # --- workflow -----------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            # Reporters cannot schedule: the publication time is the editor's.
            readonly.append("published_at")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form = type(form.__name__, (form,), {"user": request.user})
        if "status" in form.base_fields:
            # Offer only the moves this user may make; clean_status() still
            # checks, for a POST that was not made through this form.
            allowed = set(workflow.allowed_statuses(request.user))
            if obj is not None:
                allowed.add(obj.status)
            form.base_fields["status"].choices = [
                (value, label) for value, label in Article.Status.choices if value in allowed
            ]
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "lead_image":
            kwargs["widget"] = ImageChooser(db_field, self.admin_site, using=kwargs.get("using"))
        if db_field.name == "tags":
            kwargs["widget"] = TagAutocompleteWidget(url=reverse("admin:articles_article_tag_autocomplete"))
            kwargs["form_class"] = ArticleTagField
            kwargs["help_text"] = _("Type to find a tag; press Enter or a comma to add a new one.")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_visible else None

    def get_urls(self):
        return [
            path(
                "tags/autocomplete/",
                self.admin_site.admin_view(self.tag_autocomplete_view),
                name="articles_article_tag_autocomplete",
            ),
            *super().get_urls(),
        ]

    def tag_autocomplete_view(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return tag_autocomplete(request)

    # --- bulk actions --------------------------------------------------------

    def _bulk(self, request, queryset, change, done_message):
        changed = skipped = 0
        for article in queryset:
            seen = article.updated_at
            change(article, user=request.user)
            # A conditional update: a story someone saved since this page
            # loaded its row is left alone rather than overwritten.
            if save_if_unchanged(
                article, seen, status=article.status, published_at=article.published_at, updated_by=request.user
            ):
                changed += 1
            else:
                skipped += 1
        self.message_user(request, done_message(changed), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d story was saved by someone else meanwhile and was left unchanged.",
                    "%(count)d stories were saved by someone else meanwhile and were left unchanged.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Publish selected stories"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            workflow.publish,
            lambda n: ngettext("%(count)d story published.", "%(count)d stories published.", n) % {"count": n},
        )

    @admin.action(description=_("Unpublish selected stories"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            workflow.unpublish,
            lambda n: ngettext("%(count)d story unpublished.", "%(count)d stories unpublished.", n) % {"count": n},
        )


for _kind in widgets.kinds():
    admin.site.register(_kind.model, _kind.admin)

# Importing articles.tagging imported taggit.admin, which registered taggit's own.
register_tag_admin(admin.site)
