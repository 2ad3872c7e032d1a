"""Admin side of previews: "Preview" and "Share preview" on the change form.

Add :class:`PreviewAdminMixin` to the article admin's bases. The links are
rendered by ``admin/articles/article/change_form.html``.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.conf import settings
from articles.preview import shared_preview_url


def _hours(max_age):
    seconds = max_age.total_seconds() if hasattr(max_age, "total_seconds") else max_age
    return round(seconds / 3600)


class PreviewAdminMixin:
    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/share-preview/",
                self.admin_site.admin_view(self.share_preview_view),
                name=f"{opts.app_label}_{opts.model_name}_share_preview",
            ),
            *super().get_urls(),
        ]

    def share_preview_view(self, request, object_id):
        """Make a signed preview link and show it to the editor.

        Signing stores nothing, so a GET is safe; the link is shown as a
        message on the change form the editor came from.
        """
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such story."))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
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
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
