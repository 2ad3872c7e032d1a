from content_editor.admin import ContentEditor, ContentEditorInline
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import widgets
from articles.admin_preview import PreviewAdminMixin
from articles.admin_revisions import RevisionAdminMixin
from articles.locking import StaleSaveAdminMixin
from articles.models import Article, Author, Byline, PullQuote, RichText, Section

# Editors paste addresses without a scheme; assume https, as Django 6 will.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "job_title"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "job_title", "bio", "photo"]}),
        (_("Links"), {"fields": ["website", "social_handle", "email", "user"], "classes": ["collapse"]}),
    ]


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    min_num = 0
    fields = ["author", "role", "position"]
    autocomplete_fields = ["author"]
    verbose_name = _("byline")
    verbose_name_plural = _("bylines")


def _block_inlines():
    inlines = [
        ContentEditorInline.create(RichText, icon="notes"),
        ContentEditorInline.create(PullQuote, icon="format_quote"),
    ]
    icons = {"timeline": "timeline", "profile": "person"}
    for kind in widgets.kinds():
        inlines.append(
            ContentEditorInline.create(
                kind.block,
                autocomplete_fields=["widget"],
                icon=icons.get(kind.model._meta.model_name, "widgets"),
            )
        )
    return inlines


@admin.register(Article)
class ArticleAdmin(PreviewAdminMixin, StaleSaveAdminMixin, RevisionAdminMixin, ContentEditor):
    list_display = ["headline", "section", "status", "published_at", "updated_at", "updated_by"]
    list_filter = ["status", "section"]
    list_select_related = ["section", "updated_by"]
    search_fields = ["headline", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section"]
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (_("Story"), {"fields": ["kicker", "headline", "slug", "standfirst"]}),
        (_("Section and tags"), {"fields": ["section", "tags"]}),
        (_("Publishing"), {"fields": ["status", "published_at"]}),
        (
            _("Lead image"),
            {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]},
        ),
        (
            _("SEO and syndication"),
            {"fields": ["seo_title", "seo_description", "canonical_url"], "classes": ["collapse"]},
        ),
    ]
    inlines = [BylineInline, *_block_inlines()]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


for _kind in widgets.kinds():
    admin.site.register(_kind.model, _kind.admin)
