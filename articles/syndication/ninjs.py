"""Stories as IPTC ninjs ("News in JSON") documents, 3.1 by default and 2.1 on request.

:func:`story_document` makes the document; :func:`story_ninjs` serves it at
``ninjs/<slug>.json`` (``?version=2.1`` for 2.1) for every story readers may
see, as a reader page (``articles.delivery.pages.reader_page``: page cache,
ETag and Last-Modified, 304s, ``Surrogate-Key``). ``manage.py import_stories``
reads these documents back (``articles.importing.ninjs``).

How a story maps (3.1 names; 2.1 spells every property in lower case):

- ``uri``: a tag URI from the site's host (``ARTICLES_SITE_URL``, else the
  request's), the story's creation date and its id, like the feeds' item
  ids: it outlives slug, headline and date changes;
- ``headlines`` (role ``main``; the kicker as role ``kicker``),
  ``descriptions`` (the standfirst, role ``summary``), ``bodies`` (the body
  as HTML, ``articles.syndication.body``), ``slugline`` (the slug);
- ``firstCreated``: the publication time; ``versionCreated``: the last edit
  (or the publication, if later); ``contentCreated``: when it was written;
- ``by``: the printed byline ("By Jane Hack and Reuters. Additional reporting
  by Our Foreign Staff"); ``people`` (authors of kind person) and
  ``organisations`` (desks and agencies), each with ``rel`` the byline role
  (``author`` for "by", else the role: ``additional-reporting``,
  ``photographs``…), ``literal`` the author's slug and ``uri`` their page;
  agencies are also ``infoSources`` (role ``agency``), which tells them from desks;
- ``subjects``: the tags (``rel`` ``tag``) and the section (``rel`` ``section``);
- ``associations``: the lead picture (``featuremedia``) and each body
  picture (``image-1``, …) as picture items with their ``renditions``;
- ``pubStatus``: ``usable`` for a published story, ``canceled`` withdrawn,
  ``withheld`` otherwise; ``language``: the publication language.
"""

import datetime
import mimetypes
from urllib.parse import urlsplit

from django.http import Http404, HttpResponseBadRequest, HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext

from articles.conf import settings
from articles.delivery import keys
from articles.images.renditions import WIDTHS, fitted_size
from articles.models import Article, Author, Byline, ImageBlock, tag_url
from articles.syndication.body import absolute, bodies, portable, site_url
from articles.syndication.sitemaps import publication_language

VERSIONS = {
    "3.1": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#",
    "2.1": "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json#",
}
DEFAULT_VERSION = "3.1"

# Byline roles as ninjs "rel": "author" is what other systems look for; the other roles keep their names.
AUTHOR_REL = "author"
PUB_STATUS = {
    Article.Status.PUBLISHED: "usable",
    Article.Status.UNPUBLISHED: "canceled",
}
LEAD = "featuremedia"


def rel_of(role):
    return AUTHOR_REL if role == Byline.Role.BY else str(role)


def _time(moment):
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _tag_uri(base_url, day, kind, pk):
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{day:%Y-%m-%d}:{kind}:{pk}"


def story_uri(article, base_url):
    """The story's stable identifier: ``tag:example.com,2017-07-05:article:42``."""
    return _tag_uri(base_url, article.created_at.astimezone(datetime.UTC), "article", article.pk)


def byline_text(article):
    """The printed byline as one line: "By Jane Hack and Reuters. Additional reporting by Our Foreign Staff"."""
    sentences = []
    for group in article.byline_groups():
        names = [byline.author.name for byline in group]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {gettext('and')} {names[-1]}"
        role = str(group[0].get_role_display())
        sentences.append(f"{role[:1].upper()}{role[1:]} {listed}")
    return ". ".join(sentences)


def _renditions(image, base_url):
    """The picture's original and its width renditions (``articles.images.renditions``), largest last."""
    if not image.file_width:
        return []
    content_type = mimetypes.guess_type(image.file.name)[0] or "application/octet-stream"
    found, seen = [], set()
    for width in WIDTHS:
        size = fitted_size(image, width)
        if size is None or size[0] in seen or size[0] >= image.file_width:
            continue
        seen.add(size[0])
        found.append(
            {
                "name": f"w{width}",
                "href": absolute(getattr(image.file, f"w{width}"), base_url),
                "contentType": content_type,
                "width": size[0],
                "height": size[1],
            }
        )
    found.append(
        {
            "name": "original",
            "href": absolute(image.file.url, base_url),
            "contentType": content_type,
            "width": image.file_width,
            "height": image.file_height,
        }
    )
    return found


def _picture(name, uri, base_url, *, image=None, caption="", credit="", alt=""):
    item = {"name": name, "rel": name if name == LEAD else "inline", "uri": uri, "type": "picture"}
    descriptions = [{"role": role, "value": text} for role, text in (("caption", caption), ("alt", alt)) if text]
    if descriptions:
        item["descriptions"] = descriptions
    if credit:
        item["by"] = credit
    if image is not None:
        if image.copyright:
            item["copyrightNotice"] = image.copyright
        renditions = _renditions(image, base_url)
        if renditions:
            item["renditions"] = renditions
    return item


def _associations(article, blocks, base_url, uri):
    found = []
    if article.lead_image_id or article.lead_caption:
        image = article.lead_image
        found.append(
            _picture(
                LEAD,
                _tag_uri(base_url, image.uploaded_at, "image", image.pk) if image else f"{uri}#{LEAD}",
                base_url,
                image=image,
                caption=article.lead_caption,
                credit=article.lead_credit,
                alt=article.lead_alt,
            )
        )
    pictures = [block for block in blocks if isinstance(block, ImageBlock)]
    for n, block in enumerate(pictures, start=1):
        image = block.image
        found.append(
            _picture(
                f"image-{n}",
                _tag_uri(base_url, image.uploaded_at, "image", image.pk),
                base_url,
                image=image,
                caption=block.shown_caption,
                credit=block.shown_credit,
                alt=block.shown_alt,
            )
        )
    return found


def _credits(article, base_url):
    people, organisations, agencies = [], [], []
    for byline in article.bylines.all():
        author = byline.author
        credit = {
            "name": author.name,
            "rel": rel_of(byline.role),
            "uri": absolute(author.get_absolute_url(), base_url),
            "literal": author.slug,
        }
        (organisations if author.is_organization else people).append(credit)
        if author.kind == Author.Kind.AGENCY and author.name not in agencies:
            agencies.append(author.name)
    return people, organisations, agencies


def _subjects(article, base_url):
    subjects = []
    for tag in article.tags.all():
        subject = {"name": tag.name, "rel": "tag", "literal": tag.slug}
        href = tag_url(tag)
        if href:
            subject["uri"] = absolute(href, base_url)
        subjects.append(subject)
    section = article.section
    subjects.append(
        {
            "name": section.name,
            "rel": "section",
            "uri": absolute(section.get_absolute_url(), base_url),
            "literal": section.slug,
        }
    )
    return subjects


def _lower_keys(value, in_associations=False):
    """A 3.1 document spelled as 2.1 (``versionCreated`` → ``versioncreated``); 2.1 associations have no ``rel``."""
    if isinstance(value, list):
        return [_lower_keys(item, in_associations) for item in value]
    if isinstance(value, dict):
        return {
            key.lower(): _lower_keys(item, key == "associations")
            for key, item in value.items()
            if not (in_associations and key == "rel")
        }
    return value


def story_document(article, *, version=DEFAULT_VERSION, base_url, body=None):
    """``article`` as a ninjs document (a dict ready for ``json.dumps``).

    ``article`` comes from ``Article.objects.with_page_relations()`` (the
    section, lead picture, bylines with authors and tags are read from it,
    without queries). ``base_url`` makes every address absolute and gives
    ``uri`` its host: ``articles.syndication.body.site_url(request)``.
    ``body``: the story's ``articles.syndication.body.Body`` when already
    rendered with others (a list), else it is rendered here. Raises
    ``ValueError`` for a version other than those in :data:`VERSIONS`.
    """
    if version not in VERSIONS:
        raise ValueError(f"ninjs version {version!r} is not one of {', '.join(sorted(VERSIONS))}")
    if body is None:
        body = bodies([article])[article.pk]
    uri = story_uri(article, base_url)
    document = {
        "uri": uri,
        "standard": {"name": "ninjs", "version": version, "schema": VERSIONS[version]},
        "type": "text",
        "representationType": "full",
        "pubStatus": PUB_STATUS.get(article.status, "withheld"),
        "language": publication_language(),
        "slugline": article.slug,
        "headlines": [{"role": "main", "contentType": "text/plain", "value": article.headline}],
    }
    if article.kicker:
        document["headlines"].append({"role": "kicker", "contentType": "text/plain", "value": article.kicker})
    if article.published_at:
        document["firstCreated"] = _time(article.published_at)
        document["versionCreated"] = _time(max(article.published_at, article.updated_at))
    else:
        document["versionCreated"] = _time(article.updated_at)
    document["contentCreated"] = _time(article.created_at)
    if article.standfirst:
        document["descriptions"] = [{"role": "summary", "contentType": "text/plain", "value": article.standfirst}]
    document["bodies"] = [{"role": "main", "contentType": "text/html", "value": portable(body.html, base_url)}]
    by = byline_text(article)
    if by:
        document["by"] = by
    people, organisations, agencies = _credits(article, base_url)
    if people:
        document["people"] = people
    if organisations:
        document["organisations"] = organisations
    if agencies:
        document["infoSources"] = [{"name": name, "role": "agency"} for name in agencies]
    document["subjects"] = _subjects(article, base_url)
    associations = _associations(article, body.blocks, base_url, uri)
    if associations:
        document["associations"] = associations
    document["copyrightHolder"] = settings.PUBLICATION_NAME
    document["renditions"] = [
        {
            "name": "web",
            "href": absolute(article.get_absolute_url(), base_url),
            "contentType": "text/html",
            "title": article.headline,
        }
    ]
    return _lower_keys(document) if version == "2.1" else document


def shows(article):
    """Report what ``article``'s document shows: its validators, page cache and purges follow the story page's."""
    keys.shows_stories([article])
    keys.shows(keys.section(article.section_id), *(keys.tag(tag.pk) for tag in article.tags.all()))
    if article.lead_image_id:
        keys.shows(keys.image(article.lead_image_id))


def story_ninjs(request, slug):
    """A published story's ninjs document; 404 for anything readers may not see, 400 for an unknown version.

    Wrap in ``reader_page`` (articles/urls.py). A story's old slug redirects
    (301) to its document at the new one.
    """
    version = request.GET.get("version", DEFAULT_VERSION)
    if version not in VERSIONS:
        return HttpResponseBadRequest(
            f"Unknown ninjs version {version[:20]!r}: ask for one of {', '.join(sorted(VERSIONS))}.",
            content_type="text/plain; charset=utf-8",
        )
    article = Article.objects.for_reader().filter(slug=slug).first()
    if article is None:
        renamed = Article.objects.published().filter(old_slugs__old_slug=slug).only("slug").first()
        if renamed is None:
            raise Http404("No such story.")
        url = reverse("articles:story_ninjs", kwargs={"slug": renamed.slug})
        return HttpResponsePermanentRedirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    shows(article)
    document = story_document(article, version=version, base_url=site_url(request))
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})
