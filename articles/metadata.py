"""What machines read about a story: schema.org JSON-LD, Open Graph, Twitter cards.

Plain functions of an article and the request, so the page, a feed or an API
can all ask for the same metadata. They read only what ``with_page_relations()``
prefetches (section, bylines with their authors, tags), so adding them to a
page costs no query.

Choices worth knowing:

- ``headline`` in JSON-LD: Google shows at most 110 characters. The story's
  headline is used when it fits; otherwise the SEO title if that fits (an
  editor wrote it to be short); otherwise the headline cut at a word boundary
  with an ellipsis. Social cards (``og:title``) always carry the headline as
  readers see it on the page.
- ``description``: the SEO description, else the standfirst; left out when
  both are empty rather than invented.
- Times are given in the site's time zone with its offset
  (``2017-07-05T13:00:00+01:00``), never naive. ``dateModified`` is never
  earlier than ``datePublished`` (a scheduled story is edited before it goes
  out). A draft has no publication time, so previews simply leave it out.
- Credits (``articles.syndication.credits``): only the "by" bylines are
  ``author`` (Person, or Organization for a desk or an agency), and
  ``article:author`` and ``<meta name="author">``; "edited by" is ``editor``;
  additional reporting, photographs, video and graphics are ``contributor``.
- Corrections (not updates) are JSON-LD ``correction``: ``CorrectionComment``
  objects with their text and date, as the story page lists them. Pages
  prefetch ``corrections`` (the stored render and the preview do; anything
  else that asks for the JSON-LD of many stories must too).
- Pictures: ``og:image``/``twitter:image`` are the lead image's 1200x630
  crop (ARTICLES_DEFAULT_SHARE_IMAGE for a story without one); JSON-LD
  ``image`` is its 16:9, 4:3 and 1:1 crops, 1200 px wide, as Google asks.
  All were made when the image was saved: only their URLs are computed here.
"""

import json

from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from articles.conf import settings
from articles.images.renditions import JSONLD_CROPS, SHARE_CROP
from articles.models.corrections import Correction
from articles.syndication import credits
from articles.weblinks import web_url

# Google's limit for the NewsArticle headline in rich results.
HEADLINE_MAX_LENGTH = 110

# The same escapes as Django's json_script filter: inside <script> the HTML
# parser looks only for "</script", so escaping "<" (and ">" and "&" for good
# measure) keeps any headline or tag inside the JSON string where it belongs.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def structured_headline(article):
    """The headline for structured data, at most ``HEADLINE_MAX_LENGTH`` characters."""
    if len(article.headline) <= HEADLINE_MAX_LENGTH:
        return article.headline
    if article.seo_title and len(article.seo_title) <= HEADLINE_MAX_LENGTH:
        return article.seo_title
    cut = article.headline[: HEADLINE_MAX_LENGTH - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"


def description(article):
    return article.seo_description or article.standfirst


def canonical_url(article, request):
    """Where the story lives: the original for syndicated copy, else this site's address.

    The stored URL is checked again here (http and https only): it becomes
    the canonical link, ``og:url`` and the JSON-LD's ``@id``.
    """
    return web_url(article.canonical_url) or request.build_absolute_uri(article.get_absolute_url())


def author_url(author, request):
    return request.build_absolute_uri(author.get_absolute_url())


def _timestamp(value):
    return timezone.localtime(value).isoformat(timespec="seconds")


def _published(article):
    return _timestamp(article.published_at) if article.published_at else None


def _modified(article):
    if article.published_at and article.published_at > article.updated_at:
        return _timestamp(article.published_at)
    return _timestamp(article.updated_at)


def _share_image(article, request):
    """``(url, width, height, alt)`` for social cards, or None without a picture to share."""
    if article.lead_image_id is not None:
        name, (width, height) = SHARE_CROP
        return request.build_absolute_uri(getattr(article.lead_image.file, name)), width, height, article.lead_alt
    if settings.DEFAULT_SHARE_IMAGE:
        return request.build_absolute_uri(static(settings.DEFAULT_SHARE_IMAGE)), None, None, ""
    return None


def _jsonld_images(article, request):
    if article.lead_image_id is None:
        return []
    file = article.lead_image.file
    # Who to credit and who holds the rights: Google shows both with the picture.
    rights = {}
    if credit := article.lead_credit:
        rights["creditText"] = credit
    if article.lead_image.copyright:
        rights["copyrightNotice"] = article.lead_image.copyright
    return [
        {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(getattr(file, name)),
            "width": width,
            "height": height,
            **rights,
        }
        for name, (width, height) in JSONLD_CROPS.items()
    ]


def _language():
    # "en-gb" → "en-GB": BCP 47 as schema.org asks; "en_GB" is Open Graph's locale.
    return translation.to_locale(translation.get_language() or "en").replace("_", "-")


def _agent(author, request):
    """A schema.org Person or Organization for one credited author."""
    return {
        "@type": "Organization" if author.is_organization else "Person",
        "name": author.name,
        "url": author_url(author, request),
    }


def author_names(article):
    """``"Jane Hack, Reuters"``: whom the story is by, for ``<meta name="author">``."""
    return ", ".join(author.name for author in credits.authors(article))


def news_article_jsonld(article, request):
    """The story as one schema.org ``NewsArticle``, ready for ``json.dumps``."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": structured_headline(article),
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical_url(article, request)},
        "url": request.build_absolute_uri(article.get_absolute_url()),
    }
    if text := description(article):
        data["description"] = text
    if images := _jsonld_images(article, request):
        data["image"] = images
    if published := _published(article):
        data["datePublished"] = published
    data["dateModified"] = _modified(article)
    data["author"] = [_agent(author, request) for author in credits.authors(article)]
    if editors := credits.editors(article):
        data["editor"] = [_agent(author, request) for author in editors]
    if contributors := credits.contributors(article, credits.CONTRIBUTING_ROLES):
        data["contributor"] = [_agent(author, request) for author in contributors]
    publisher = {"@type": "Organization", "name": str(settings.PUBLICATION_NAME)}
    if settings.PUBLISHER_LOGO_URL:
        publisher["logo"] = {"@type": "ImageObject", "url": request.build_absolute_uri(settings.PUBLISHER_LOGO_URL)}
    data["publisher"] = publisher
    data["articleSection"] = article.section.name
    data["keywords"] = [tag.name for tag in article.tags.all()]
    # Nothing in this app is behind a paywall.
    data["isAccessibleForFree"] = True
    data["inLanguage"] = _language()
    if corrections := _corrections(article):
        data["correction"] = corrections
    return data


def _corrections(article):
    """The story's corrections as schema.org ``CorrectionComment``s, oldest first.

    Only corrections: an update adds to a story without saying it was
    wrong, and ``dateModified`` already tells machines it changed.
    """
    return [
        {"@type": "CorrectionComment", "text": note.text, "datePublished": _timestamp(note.published_at)}
        for note in article.corrections.all()
        if note.kind == Correction.Kind.CORRECTION
    ]


def jsonld_script_content(data):
    """``data`` as JSON that is safe to place between ``<script>`` tags."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))


def open_graph(article, request):
    """Open Graph properties as ``(property, content)`` pairs, repeated keys in order."""
    properties = [
        ("og:type", "article"),
        ("og:title", article.headline),
    ]
    if text := description(article):
        properties.append(("og:description", text))
    properties += [
        ("og:url", canonical_url(article, request)),
        ("og:site_name", str(settings.PUBLICATION_NAME)),
        ("og:locale", translation.to_locale(translation.get_language() or "en")),
    ]
    if image := _share_image(article, request):
        url, width, height, alt = image
        properties.append(("og:image", url))
        if width:
            properties += [("og:image:width", str(width)), ("og:image:height", str(height))]
        if alt:
            properties.append(("og:image:alt", alt))
    if published := _published(article):
        properties.append(("article:published_time", published))
    properties += [
        ("article:modified_time", _modified(article)),
        ("article:section", article.section.name),
    ]
    properties += [("article:author", author_url(author, request)) for author in credits.authors(article)]
    properties += [("article:tag", tag.name) for tag in article.tags.all()]
    return properties


def twitter_card(article, request):
    """Twitter (X) card tags as ``(name, content)`` pairs."""
    image = _share_image(article, request)
    tags = [
        ("twitter:card", "summary_large_image" if image else "summary"),
        ("twitter:title", article.headline),
    ]
    if text := description(article):
        tags.append(("twitter:description", text))
    if image:
        url, _width, _height, alt = image
        tags.append(("twitter:image", url))
        if alt:
            tags.append(("twitter:image:alt", alt))
    return tags
