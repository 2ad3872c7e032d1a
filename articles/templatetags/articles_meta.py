"""``{% story_metadata article %}``: a story's description, canonical, social and structured data."""

from django import template

from articles import metadata

register = template.Library()


@register.inclusion_tag("articles/includes/story_metadata.html", takes_context=True)
def story_metadata(context, article):
    """Everything for the story page's ``<head>`` that search engines and social sites read.

    Needs ``request`` in the context (the ``request`` context processor) for
    absolute URLs. Reads only prefetched relations, so it adds no query.
    """
    request = context["request"]
    return {
        "description": metadata.description(article),
        "author_names": metadata.author_names(article),
        "canonical_url": metadata.canonical_url(article, request),
        "open_graph": metadata.open_graph(article, request),
        "twitter_card": metadata.twitter_card(article, request),
        "jsonld": metadata.jsonld_script_content(metadata.news_article_jsonld(article, request)),
    }
