"""Sitemaps for search engines: stories, sections, tags, authors and Google News.

``/sitemap.xml`` is an index of the parts; each part lists only what readers
can see (``Article.objects.published()``). The sites framework is not needed:
Django's sitemap views fall back to the request's host (``RequestSite``).
"""

import datetime

from django.conf import settings as django_settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from articles.conf import settings
from articles.converters import NameSlugConverter
from articles.models import Article, Author, Byline, Section, tags_in_print

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


class StorySitemap(Sitemap):
    def items(self):
        # Only the columns the address and lastmod need: this part can list
        # tens of thousands of stories.
        return (
            Article.objects.published()
            .only("slug", "published_at", "created_at", "updated_at")
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # One aggregate instead of Django's default, which loads every story.
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class SectionSitemap(Sitemap):
    """Sections with at least one published story: an empty section page is not worth a crawl."""

    def items(self):
        in_print = Article.objects.published().filter(section=OuterRef("pk"))
        return Section.objects.filter(Exists(in_print)).order_by("position", "name")


class TagSitemap(Sitemap):
    """Tags on at least one published story: a tag used only on drafts has no page worth indexing.

    Taggit's table has no check on slugs; a tag whose slug no address can
    carry (empty, or with a "/", written past taggit's ``save()``) has no page
    and is left out, rather than failing the whole sitemap.
    """

    def items(self):
        return tags_in_print().filter(slug__regex=NameSlugConverter.db_regex).order_by("name")

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})


class AuthorSitemap(Sitemap):
    """Authors with a byline on at least one published story."""

    def items(self):
        in_print = Byline.objects.filter(author=OuterRef("pk"), article__in=Article.objects.published())
        return Author.objects.filter(Exists(in_print)).order_by("name")


class NewsSitemap(Sitemap):
    """Google News: stories published in the last 48 hours, newest first.

    Rendered with ``articles/sitemap_news.xml``, which adds the ``news:``
    elements from what ``get_urls`` puts on each entry.
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
            .only("slug", "headline", "published_at", "created_at")
            .order_by("-published_at", "-pk")[:NEWS_LIMIT]
        )

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        publication = {"name": settings.PUBLICATION_NAME, "language": publication_language()}
        for url in urls:
            story = url["item"]
            url["publication"] = publication
            url["title"] = story.headline
            # W3C datetime with the offset, without microseconds.
            url["publication_date"] = timezone.localtime(story.published_at).replace(microsecond=0).isoformat()
        return urls


SITEMAPS = {
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}

# The index also lists the News sitemap; its route comes before the generic
# ``sitemap-<section>.xml`` one, so the index's link to "news" reaches it.
INDEX_SITEMAPS = {**SITEMAPS, "news": NewsSitemap}
