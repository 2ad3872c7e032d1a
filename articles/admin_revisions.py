"""Admin side of revisions: history, compare-free revert, recover.

Put :class:`RevisionAdminMixin` before ``ContentEditor`` in the article
admin's bases. ``VersionAdmin`` wraps the add and change views in a revision
block, which is serialised when the block closes, after the inline rows and
tags are saved, so each revision holds the story as the editor saved it.
The content editor needs no template of its own, so reversion's revert form
(which extends ``admin/change_form.html``) shows the block editor too.
"""

from reversion.admin import VersionAdmin

import articles.revisions  # noqa: F401  (registers Article and its parts before VersionAdmin looks)


class RevisionAdminMixin(VersionAdmin):
    # Editors look for the latest change first.
    history_latest_first = True
