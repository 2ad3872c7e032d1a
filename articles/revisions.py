"""Revisions of whole stories with django-reversion.

A story is more than its ``Article`` row: a revision also holds its bylines,
every body block (text, pull quotes, widget placements), its tag rows and
its corrections, so restoring one brings back the story as it was and
comparing two (``articles.editing.compare``) shows everything that changed.
Corrections are kept for the record only: a restore leaves them as they are
(``articles.restoring``). What those rows point at —
authors, widgets, tags themselves — is shared with other stories and is
deliberately not followed: restoring one story must never delete or rewrite
a timeline or a tag another story uses.

Registration happens when this module is imported (the admin mixin imports
it), before ``VersionAdmin`` would auto-register Article from its inlines
and miss the tags.
"""

import reversion

from articles import widgets
from articles.models import Article, Byline, Correction, Embed, ImageBlock, PullQuote, RichText, TaggedArticle


def block_models():
    """Every body block model, including the placement block of each widget kind."""
    return [RichText, PullQuote, Embed, ImageBlock, *(kind.block for kind in widgets.kinds())]


def _accessor(model, fk_name):
    return model._meta.get_field(fk_name).remote_field.get_accessor_name()


def article_follow():
    """The reverse relations a revision of an article includes."""
    return [
        _accessor(Byline, "article"),
        _accessor(TaggedArticle, "content_object"),
        _accessor(Correction, "article"),
        *(_accessor(model, "parent") for model in block_models()),
    ]


def register():
    for model in [Byline, TaggedArticle, Correction, *block_models()]:
        if not reversion.is_registered(model):
            reversion.register(model)
    if not reversion.is_registered(Article):
        # Not the preview key: restoring a revision must never bring back a
        # key whose links were revoked (and a secret has no place in history).
        reversion.register(Article, follow=article_follow(), exclude=["preview_key"])


register()
