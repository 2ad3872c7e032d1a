"""Sitemaps for search engines: stories by month, sections, tags, authors and Google News.

``/sitemap.xml`` is an index of the parts; each part lists only what readers
can see (``Article.objects.published()``). The sites framework is not needed:
the request's host is the site's (as Django's ``RequestSite``).

Stories: one part per month, ``/sitemap-stories-2017-07.xml``, split into
``-2``, ``-3``… past ``ARTICLES_SITEMAP_PART_SIZE`` stories
(``articles.syndication.parts``). The index lists them from a small summary
table and parts are written without the template engine, so neither grows
with the archive: a part holds at most 10,000 URLs, the index a row per month.
Sections, tags and authors use Django's sitemap view (paged at 50,000).
"""

import datetime
from xml.sax.saxutils import escape

from django.conf import settings as django_settings
from django.contrib.sitemaps import Sitemap
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import addresses
from articles.conf import settings
from articles.converters import NameSlugConverter
from articles.delivery import keys as delivery_keys
from articles.models import Article, Author, Byline, Section, tags_in_print
from articles.syndication import parts

# Google News reads only stories published in the last two days, and at most
# 1,000 of them per sitemap.
NEWS_WINDOW = datetime.timedelta(hours=48)
NEWS_LIMIT = 1000

# Google News takes ISO 639 codes, except for Chinese, where it wants the script.
GOOGLE_NEWS_LANGUAGES = {"zh-hans": "zh-cn", "zh-cn": "zh-cn", "zh-hant": "zh-tw", "zh-tw": "zh-tw"}


def publication_language():
    """ARTICLES_PUBLICATION_LANGUAGE, or LANGUAGE_CODE's language ("en-gb" → "en")."""
    if settings.PUBLICATION_LANGUAGE:
        return settings.PUBLICATION_LANGUAGE
    code = django_settings.LANGUAGE_CODE.lower()
    return GOOGLE_NEWS_LANGUAGES.get(code, code.split("-")[0])


class InPrintSitemap(Sitemap):
    """A sitemap of things listed only while a published story names them (sections, tags, authors).

    Telling which are in print takes one index probe each: cheap for one page
    of the sitemap, but the index would pay it for every tag and author on
    every request just to learn the number of pages. ``pages()`` counts the
    plain table instead, and the rows in print only when the table holds more
    than one page's worth (50,000).
    """

    model = None

    def pages(self):
        if self.model._default_manager.count() <= self.limit:
            return 1
        return self.paginator.num_pages


class SectionSitemap(InPrintSitemap):
    """Sections with at least one published story: an empty section page is not worth a crawl."""

    model = Section

    def items(self):
        in_print = Article.objects.published().filter(section=OuterRef("pk"))
        return Section.objects.filter(Exists(in_print)).order_by("position", "name")


class TagSitemap(InPrintSitemap):
    """Tags on at least one published story: a tag used only on drafts has no page worth indexing.

    Taggit's table has no check on slugs; a tag whose slug no address can
    carry (empty, or with a "/", written past taggit's ``save()``) has no page
    and is left out, rather than failing the whole sitemap.
    """

    model = Tag

    def items(self):
        return tags_in_print().filter(slug__regex=NameSlugConverter.db_regex).order_by("name")

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})


class AuthorSitemap(InPrintSitemap):
    """Authors with a byline on at least one published story."""

    model = Author

    def items(self):
        in_print = Byline.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published())
        return Author.objects.filter(Exists(in_print)).order_by("name")


class NewsSitemap:
    """Google News: stories published in the last 48 hours, newest first, at most 1,000.

    Written by :func:`news_sitemap` as a string, like the story parts.
    """

    limit = NEWS_LIMIT

    def now(self):
        # One clock for both ends of the window (tests pin it here).
        return timezone.now()

    def items(self):
        now = self.now()
        return (
            Article.objects.published(at=now)
            .filter(published_at__gte=now - NEWS_WINDOW)
            .order_by("-published_at", "-pk")
            .values_list("slug", "headline", Cast("published_at", output_field=CharField()))[:NEWS_LIMIT]
        )


# Served by Django's sitemap view at ``sitemap-<name>.xml`` (and ``?p=2``…).
SITEMAPS = {
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_HEADERS = {"X-Robots-Tag": "noindex, noodp, noarchive"}


def w3c_datetime(when, zone=None):
    """W3C datetime with the site's offset (or ``zone``'s), to the second: ``2017-07-04T09:30:00+01:00``."""
    return when.astimezone(zone or timezone.get_current_timezone()).replace(microsecond=0).isoformat()


def _site_root(request):
    return f"{request.scheme}://{request.get_host()}"


def story_part_paths():
    """``path(month, number=1)``: the address of a story sitemap part, ``/sitemap-stories-2017-07.xml``, ``…-2.xml``.

    Worked out once for the index's hundred-odd parts: not a ``reverse()``
    each (see ``articles.addresses``), nor strftime. The parts are written
    from numbers, so they need no check.
    """
    first = addresses.story_sitemap.current(frozenset({"year", "month"}))
    numbered = addresses.story_sitemap_part.current(frozenset({"year", "month", "part"}))

    def path(month, number=1):
        year, month = f"{month.year:04d}", f"{month.month:02d}"
        if number == 1:
            return first(year=year, month=month)
        return numbered(year=year, month=month, part=str(number))

    return path


def story_part_path(month, number=1):
    """The address of one story sitemap part (:func:`story_part_paths` for many)."""
    return story_part_paths()(month, number)


def _xml_response(lines):
    return HttpResponse("".join(lines), content_type="application/xml", headers=_HEADERS)


def sitemap_index(request):
    """The index: every story part (from the summary), then sections, tags, authors and news.

    Its cost is one summary query (plus one for stories come due in the
    current month) and one plain count of each of sections, tags and authors
    (``InPrintSitemap.pages``): none of it grows with the number of stories.
    """
    root = escape(_site_root(request))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sitemapindex xmlns="{SITEMAP_NS}">\n']

    zone = timezone.get_current_timezone()  # once, not per part

    def entry(path, lastmod=None):
        modified = f"<lastmod>{w3c_datetime(lastmod, zone)}</lastmod>" if lastmod else ""
        lines.append(f"<sitemap><loc>{root}{escape(path)}</loc>{modified}</sitemap>\n")

    part_path = story_part_paths()
    for month, number, last_modified in parts.current_parts():
        entry(part_path(month, number), last_modified)
    for name, sitemap_class in SITEMAPS.items():
        path = reverse("articles:sitemap", kwargs={"section": name})
        for page in range(1, sitemap_class().pages() + 1):
            entry(path if page == 1 else f"{path}?p={page}")
    entry(reverse("articles:news_sitemap"))
    lines.append("</sitemapindex>\n")
    return _xml_response(lines)


def _address(prefix, slug, day):
    if prefix is None:  # a project's own story route: the address maker
        return addresses.story_address(slug, day)
    # Not strftime: it costs ten times as much per call, at 10,000 calls a part.
    return f"{prefix}{day.year:04d}/{day.month:02d}/{day.day:02d}/{slug}/"


# Where the request's origin goes in a part's kept entries: each host gets its own.
_ORIGIN = "\x01"


def _story_entries(first_day, number, now, zone, prefix):
    """Part ``number`` of the month's ``<url>`` entries (origin left as ``_ORIGIN``) and their latest change.

    Written as a string, not through the template engine, and with the
    timestamps read as text: Django's per-value time zone handling (in the
    database driver's loader and in ``localtime()``) cost more than everything
    else for 10,000 URLs. None for an empty or unknown part.
    """
    size = settings.SITEMAP_PART_SIZE
    as_text = {"output_field": CharField()}
    stories = parts.month_stories(first_day, at=now).values_list(
        "slug", Cast("published_at", **as_text), Cast("updated_at", **as_text)
    )
    rows = list(stories[(number - 1) * size : number * size])
    if not rows:
        return None, None
    lines = []
    latest = None
    for slug, published_text, updated_text in rows:
        published_at, updated_at = parts.utc(published_text), parts.utc(updated_text)
        modified = max(published_at, updated_at)
        latest = modified if latest is None or modified > latest else latest
        lastmod = modified.astimezone(zone).replace(microsecond=0).isoformat()
        address = _address(prefix, slug, published_at.astimezone(zone))
        lines.append(f"<url><loc>{_ORIGIN}{address}</loc><lastmod>{lastmod}</lastmod></url>\n")
    return "".join(lines), latest


def story_sitemap(request, year, month, part="1"):
    """One part of the story sitemap: a month's stories (or a slice of them), oldest first.

    Each URL's ``lastmod`` is its story's last change with the time and zone.
    The entries are rendered by the first request after a change and kept on
    the part's summary row (``parts.kept``): later requests read that one row,
    whatever the part's size. An empty or unknown part is a 404.
    """
    try:
        first_day = datetime.date(int(year), int(month), 1)
        number = int(part)
    except ValueError as exc:
        raise Http404("No such sitemap part.") from exc
    now = timezone.now()
    # The part shows its month's stories; a story scheduled into the month changes it.
    start, end = parts.month_bounds(first_day)
    delivery_keys.shows(delivery_keys.stories_month(start))
    zone = timezone.get_current_timezone()
    prefix = addresses.story_prefix()  # once, not per story
    # A project's own story route makes each address with the address maker: not kept.
    made = parts.made_with(prefix, zone) if prefix is not None else None
    row = parts.kept(first_day, number, made, now) if made is not None else None
    if row is not None and row.entries is not None:
        entries, latest = row.entries, row.latest
    else:
        entries, latest = _story_entries(first_day, number, now, zone, prefix)
        if entries is None:
            raise Http404("No such sitemap part.")
        delivery_keys.next_due(Article.objects.scheduled(at=now).filter(published_at__gte=start, published_at__lt=end))
        if row is not None:
            parts.keep(row, entries, latest, made, now)
    page = delivery_keys.current()
    if page is not None:
        page.moment(latest)
    root = escape(_site_root(request))
    return _xml_response(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<urlset xmlns="{SITEMAP_NS}">\n',
            entries.replace(_ORIGIN, root),
            "</urlset>\n",
        ]
    )


NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def news_sitemap(request):
    """The Google News sitemap: one query, no template (1,000 stories in a few milliseconds)."""
    if request.GET.get("p", "1") != "1":
        raise Http404("The News sitemap has one page.")
    name = escape(str(settings.PUBLICATION_NAME))
    language = escape(publication_language())
    publication = (
        f"<news:publication><news:name>{name}</news:name><news:language>{language}</news:language></news:publication>"
    )
    zone = timezone.get_current_timezone()
    prefix = addresses.story_prefix()  # once, not per story
    root = escape(_site_root(request))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n']
    for slug, headline, published_text in NewsSitemap().items():
        published_at = parts.utc(published_text).astimezone(zone)
        # W3C datetime with the offset, without microseconds.
        published = published_at.replace(microsecond=0).isoformat()
        lines.append(
            f"<url><loc>{root}{_address(prefix, slug, published_at)}</loc><news:news>{publication}"
            f"<news:publication_date>{published}</news:publication_date>"
            f"<news:title>{escape(headline)}</news:title></news:news></url>\n"
        )
    lines.append("</urlset>\n")
    return _xml_response(lines)
