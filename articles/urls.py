from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path, register_converter

from articles import feeds, preview, views
from articles.converters import NameSlugConverter
from articles.delivery import keys
from articles.delivery.pages import reader_page
from articles.syndication import ninjs, sitemaps

register_converter(NameSlugConverter, "nameslug")

app_name = "articles"

# Sitemaps list every story, section, topic and author in print.
SITEMAP_KEYS = (keys.STORIES, keys.SECTIONS, keys.TAGS, keys.AUTHORS, keys.LIST_HOME)

urlpatterns = [
    path("", reader_page(views.HomeView.as_view()), name="home"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        reader_page(views.ArticleDetailView.as_view()),
        name="article",
    ),
    # A story as an IPTC ninjs document (?version=2.1 for 2.1): articles.syndication.ninjs.
    re_path(r"^ninjs/(?P<slug>[-\w]+)\.json$", reader_page(ninjs.story_ninjs), name="story_ninjs"),
    path("section/<nameslug:slug>/", reader_page(views.SectionView.as_view()), name="section"),
    path("tag/<nameslug:slug>/", reader_page(views.TagView.as_view()), name="tag"),
    path("author/<nameslug:slug>/", reader_page(views.AuthorView.as_view()), name="author"),
    path("search/", reader_page(views.SearchView.as_view(), page_cache_on=False), name="search"),
    # The read API and its OpenAPI schema (articles.api).
    path("api/", include("articles.api.urls")),
    path("preview/<int:pk>/", preview.StaffPreviewView.as_view(), name="preview"),
    path("preview/shared/<str:token>/", preview.SharedPreviewView.as_view(), name="shared_preview"),
    path("feeds/rss/", reader_page(feeds.LatestStoriesFeed()), name="feed_rss"),
    path("feeds/atom/", reader_page(feeds.LatestStoriesAtomFeed()), name="feed_atom"),
    path("feeds/section/<nameslug:slug>/rss/", reader_page(feeds.SectionFeed()), name="section_feed_rss"),
    path("feeds/section/<nameslug:slug>/atom/", reader_page(feeds.SectionAtomFeed()), name="section_feed_atom"),
    path("feeds/tag/<nameslug:slug>/rss/", reader_page(feeds.TagFeed()), name="tag_feed_rss"),
    path("feeds/tag/<nameslug:slug>/atom/", reader_page(feeds.TagAtomFeed()), name="tag_feed_atom"),
    path("feeds/author/<nameslug:slug>/rss/", reader_page(feeds.AuthorFeed()), name="author_feed_rss"),
    path("feeds/author/<nameslug:slug>/atom/", reader_page(feeds.AuthorAtomFeed()), name="author_feed_atom"),
    # The index reads the parts' summary (its own key, renewed once the summary
    # caught up with a change) and counts sections, tags and authors.
    path(
        "sitemap.xml",
        reader_page(sitemaps.sitemap_index, keys=SITEMAP_KEYS, scheduled=True),
        name="sitemap_index",
    ),
    # A month's stories: the part shows its month's key (keys.stories_month),
    # so an edit renews only the part of its month.
    re_path(
        r"^sitemap-stories-(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.xml$",
        reader_page(sitemaps.story_sitemap),
        name="story_sitemap",
    ),
    re_path(
        r"^sitemap-stories-(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<part>[2-9]|[1-9][0-9]+)\.xml$",
        reader_page(sitemaps.story_sitemap),
        name="story_sitemap_part",
    ),
    # Before the generic route below, which would also match "news".
    path(
        "sitemap-news.xml",
        reader_page(sitemaps.news_sitemap, keys=SITEMAP_KEYS, scheduled=True),
        name="news_sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        reader_page(sitemap_views.sitemap, keys=SITEMAP_KEYS, scheduled=True),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
]
# robots.txt is not here: it belongs at the site's root, which this urlconf
# may not be mounted at (articles/urls_root.py).
