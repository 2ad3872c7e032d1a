"""The newsroom's data model, one module per concept.

Widget kinds live in ``articles.widgets``; importing them here registers their
models with the ``articles`` app.
"""

from articles.editing.autosave import AutosaveDraft
from articles.editing.presence import EditingPresence
from articles.embeds.models import Embed
from articles.images.blocks import ImageBlock
from articles.images.models import Image
from articles.models.articles import Article, ArticleQuerySet, TaggedArticle, tag_url, tags_in_print
from articles.models.authors import Author
from articles.models.blocks import ArticlePlugin, PullQuote, RichText
from articles.models.bylines import Byline
from articles.models.corrections import Correction, SlugRedirect
from articles.models.delivery import DeliveryKey, RenderDependency, StoryRender
from articles.models.sections import Section
from articles.models.sitemaps import SitemapPart
from articles.widgets.gallery import Gallery, GalleryBlock, GalleryItem
from articles.widgets.profile import Profile, ProfileBlock, ProfileFact
from articles.widgets.timeline import Timeline, TimelineBlock, TimelineEvent

__all__ = [
    "Article",
    "ArticlePlugin",
    "ArticleQuerySet",
    "Author",
    "AutosaveDraft",
    "Byline",
    "Correction",
    "DeliveryKey",
    "EditingPresence",
    "Embed",
    "Gallery",
    "GalleryBlock",
    "GalleryItem",
    "Image",
    "ImageBlock",
    "Profile",
    "ProfileBlock",
    "ProfileFact",
    "PullQuote",
    "RenderDependency",
    "RichText",
    "Section",
    "SitemapPart",
    "SlugRedirect",
    "StoryRender",
    "TaggedArticle",
    "Timeline",
    "TimelineBlock",
    "TimelineEvent",
    "tag_url",
    "tags_in_print",
]
