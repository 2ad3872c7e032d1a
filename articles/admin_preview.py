"""Admin side of previews: "Preview", "Share preview", "Revoke preview links", the live preview.

Add :class:`PreviewAdminMixin` to the article admin's bases and
``"revoke_preview_links_selected"`` to its ``actions``. The links and the
revoke button are rendered by ``admin/articles/article/change_form.html``.
The live preview beside the form (``articles.editing.live_preview``) posts
to ``live-preview/`` (a new story) and ``<id>/live-preview/``.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from articles.conf import settings
from articles.editing import live_preview
from articles.models import Article
from articles.preview import shared_preview_url


def _hours(max_age):
    seconds = max_age.total_seconds() if hasattr(max_age, "total_seconds") else max_age
    return round(seconds / 3600)


class PreviewAdminMixin:
    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "live-preview/",
                # admin_view() checks the CSRF token; POST only, as it runs a (rolled back) save.
                self.admin_site.admin_view(require_POST(self.live_preview_view)),
                name=f"{opts.app_label}_{opts.model_name}_live_preview_add",
            ),
            path(
                "<path:object_id>/live-preview/",
                self.admin_site.admin_view(require_POST(self.live_preview_view)),
                name=f"{opts.app_label}_{opts.model_name}_live_preview",
            ),
            path(
                "<path:object_id>/share-preview/",
                self.admin_site.admin_view(self.share_preview_view),
                name=f"{opts.app_label}_{opts.model_name}_share_preview",
            ),
            path(
                "<path:object_id>/revoke-preview-links/",
                # admin_view() checks the CSRF token; POST only, as it changes data.
                self.admin_site.admin_view(require_POST(self.revoke_preview_links_view)),
                name=f"{opts.app_label}_{opts.model_name}_revoke_preview_links",
            ),
            *super().get_urls(),
        ]

    def _changeable_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such story."))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _back_to_change_form(self, obj):
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

    def share_preview_view(self, request, object_id):
        """Make a signed preview link and show it to the editor.

        Signing stores nothing, so a GET is safe; the link is shown as a
        message on the change form the editor came from.
        """
        obj = self._changeable_object(request, object_id)
        if obj.status == Article.Status.UNPUBLISHED:
            # The link would be a 404 (no link opens a withdrawn story): say
            # so rather than hand out a dead link.
            messages.warning(request, _("This story has been withdrawn; a shared preview link would not open it."))
            return self._back_to_change_form(obj)
        url = request.build_absolute_uri(shared_preview_url(obj))
        hours = _hours(settings.PREVIEW_MAX_AGE)
        messages.success(
            request,
            format_html(
                ngettext(
                    "Share this preview link; it opens the story without an account for {hours} hour: {link}",
                    "Share this preview link; it opens the story without an account for {hours} hours: {link}",
                    hours,
                ),
                hours=hours,
                link=format_html('<a href="{0}" class="shared-preview-link">{0}</a>', url),
            ),
        )
        return self._back_to_change_form(obj)

    def revoke_preview_links_view(self, request, object_id):
        """Revoke every shared preview link of one story (the change form's button)."""
        obj = self._changeable_object(request, object_id)
        obj.revoke_preview_links()
        messages.success(
            request,
            _("Preview links revoked: the links shared so far no longer open this story. Share a new one if needed."),
        )
        return self._back_to_change_form(obj)

    def live_preview_view(self, request, object_id=None):
        """The story as the posted change (or add) form would save it, on the reader template; saves nothing."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return live_preview.render(self, request)
        return live_preview.render(self, request, self._changeable_object(request, object_id))

    @admin.action(description=gettext_lazy("Revoke preview links of selected stories"), permissions=["change"])
    def revoke_preview_links_selected(self, request, queryset):
        # The button's rule, story by story: a reporter may not touch a story
        # that has gone out, so such stories are left as they are.
        stories = list(queryset)
        allowed = [article.pk for article in stories if self.has_change_permission(request, article)]
        revoked = self.model.objects.filter(pk__in=allowed).revoke_preview_links()
        self.message_user(
            request,
            ngettext(
                "Preview links of %(count)d story revoked: the links shared so far no longer open it.",
                "Preview links of %(count)d stories revoked: the links shared so far no longer open them.",
                revoked,
            )
            % {"count": revoked},
            messages.SUCCESS,
        )
        if skipped := len(stories) - len(allowed):
            self.message_user(
                request,
                ngettext(
                    "%(count)d story was left unchanged: you may not change it.",
                    "%(count)d stories were left unchanged: you may not change them.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
