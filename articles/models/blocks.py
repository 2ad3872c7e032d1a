"""The blocks an article body is made of (django-content-editor plugins).

Each block type is its own model with ``parent``, ``region`` and ``ordering``;
the renderer in ``articles.renderer`` maps each type to its HTML.
"""

import uuid

from content_editor.models import create_plugin_base
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models.articles import Article
from articles.richtext import RichTextField

ArticlePluginBase = create_plugin_base(Article)


class BlockManager(models.Manager):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


class ArticlePlugin(ArticlePluginBase):
    """Base of every body block.

    ``uid`` is the block's natural key: fixtures name blocks by it, so loading
    a story twice updates its blocks instead of appending copies.
    """

    uid = models.UUIDField(_("block id"), default=uuid.uuid4, unique=True, editable=False)

    objects = BlockManager()

    class Meta(ArticlePluginBase.Meta):
        abstract = True

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["articles.article"]

    def save(self, *args, **kwargs):
        # The content editor clones a block by clearing its pk on a loaded
        # instance; give the copy its own identity instead of a duplicate uid.
        if self.pk is None and not self._state.adding:
            self.uid = uuid.uuid4()
        super().save(*args, **kwargs)


class RichText(ArticlePlugin):
    text = RichTextField(_("text"))

    class Meta(ArticlePlugin.Meta):
        verbose_name = _("text")
        verbose_name_plural = _("text blocks")

    def __str__(self):
        return self.get_text_excerpt(words=12)


class PullQuote(ArticlePlugin):
    quote = models.TextField(_("quote"))
    attribution = models.CharField(_("attribution"), max_length=200, blank=True)

    class Meta(ArticlePlugin.Meta):
        verbose_name = _("pull quote")
        verbose_name_plural = _("pull quotes")

    def __str__(self):
        return self.quote[:60]
