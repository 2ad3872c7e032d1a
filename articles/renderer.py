"""Turns an article body (ordered blocks) into HTML.

Block types map to renderers through feincms3's ``RegionRenderer`` registry;
widget kinds add themselves from ``articles.widgets``.
"""

from collections import defaultdict

from content_editor.contents import contents_for_items
from django.utils.safestring import mark_safe
from feincms3.renderer import RegionRenderer, template_renderer

from articles import widgets
from articles.delivery import keys
from articles.models import Embed, ImageBlock, PullQuote, RichText


def _widget_context(plugin, context):
    # The page shows this widget: its edits must reach the page (articles.delivery).
    keys.shows(keys.widget(plugin.widget))
    return {"plugin": plugin, "widget": plugin.widget}


renderer = RegionRenderer()
# RichTextField cleans to the allow-list on every write (form, ORM, fixture),
# so what is stored is safe to emit as it is.
renderer.register(RichText, lambda plugin, context: mark_safe(plugin.text))
renderer.register(PullQuote, template_renderer("articles/blocks/pullquote.html"))
# The address is parsed again here, whatever the database holds: a row that
# skipped validation, or a provider since removed from the settings, gets a
# plain link and never an iframe (articles.embeds).
renderer.register(Embed, template_renderer("articles/blocks/embed.html", lambda plugin, context: {"plugin": plugin}))
# The block's queryset brings its picture along (ImageBlock.get_queryset):
# ten image blocks cost the page one query, as one does.
renderer.register(ImageBlock, template_renderer("articles/blocks/image.html"))
for kind in widgets.kinds():
    renderer.register(kind.block, template_renderer(kind.template_name, _widget_context))


def _attach_related(articles, kind, blocks):
    """Fetch each of ``kind.related`` for all the widgets of ``articles``' bodies in one query.

    The query runs even when the body has no widget of this kind, so a page
    costs the same number of queries with none or with many.
    """
    for name in kind.related:
        relation = kind.model._meta.get_field(name)
        fk_name = relation.field.name
        rows = relation.related_model._default_manager.filter(**{f"{fk_name}__placements__parent__in": articles})
        rows = rows.select_related(*kind.related_select.get(name, ())).distinct()
        by_widget = defaultdict(list)
        for row in rows:
            by_widget[getattr(row, relation.field.attname)].append(row)
        for block in blocks:
            # Fill the same cache prefetch_related() fills, so templates can
            # keep saying ``widget.events.all``.
            manager = getattr(block.widget, name)
            queryset = manager.all()
            queryset._result_cache = by_widget[block.widget.pk]
            queryset._prefetch_done = True
            block.widget._prefetched_objects_cache = {
                **getattr(block.widget, "_prefetched_objects_cache", {}),
                relation.cache_name: queryset,
            }


def body_contents(articles, plugins=None):
    """``{article: contents}``: the body blocks of several stories, with what their widgets show.

    One query per block type and one per widget relation, however many
    stories (a feed's thirty cost what one story page does).
    """
    articles = list(articles)
    contents = contents_for_items(articles, plugins or renderer.plugins())
    blocks = [block for body in contents.values() for block in body]
    for kind in widgets.kinds():
        _attach_related(articles, kind, [block for block in blocks if isinstance(block, kind.block)])
    return contents


def body_blocks(article):
    """``article``'s body blocks with their widgets' related rows, a fixed number of queries.

    The same blocks the page renders (``body_regions``) and the API
    serialises (``articles.api``).
    """
    return body_contents([article])[article]


def body_regions(article):
    """The rendered-on-demand body of ``article`` for ``{% render_region %}``."""
    contents = body_blocks(article)
    regions = renderer.regions_from_contents(contents)
    # The page then loads the embed script (articles/article_detail.html).
    regions.shows_embed = any(isinstance(block, Embed) for block in contents)
    return regions
