"""App settings: every knob is ``ARTICLES_<NAME>`` in the project settings."""

import datetime

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    # Shown in page titles, feeds and structured data.
    "PUBLICATION_NAME": "The Newsroom",
    # The site's base template that articles/base.html extends: it must define
    # the blocks title, head and content (README "Templates"). The default is
    # a minimal complete page shipped with the app.
    "BASE_TEMPLATE": "articles/site_base.html",
    # The publisher's logo in structured data (absolute, or a path on this
    # site); Google wants one for news results. Empty: no logo is given.
    "PUBLISHER_LOGO_URL": "",
    # The picture social cards show for a story without a lead image: a
    # static file's path (1200x630, e.g. "newsroom/share.png"). Empty: such
    # stories are shared without a picture.
    "DEFAULT_SHARE_IMAGE": "",
    # Stories per page on listing pages.
    "PAGINATE_BY": 20,
    # Stories in each RSS/Atom feed: a day's output for a busy desk.
    "FEED_SIZE": 30,
    # Google News wants an ISO 639 code ("en", not "en-gb"). None derives it
    # from LANGUAGE_CODE (articles.syndication.sitemaps.publication_language).
    "PUBLICATION_LANGUAGE": None,
    # Related stories (most shared tags) under a story.
    "RELATED_COUNT": 4,
    # How long a shared preview link opens a draft for someone without an
    # account (a timedelta or seconds). Long enough for a source to check a
    # quote over a weekend, short enough that a forwarded link goes stale.
    "PREVIEW_MAX_AGE": datetime.timedelta(hours=48),
    # What an editor may type in a rich-text block. The prose editor's toolbar
    # and the server-side nh3 allow-list are both derived from this one dict,
    # so the editor can never produce markup the sanitiser would strip.
    "RICHTEXT_EXTENSIONS": {
        "Bold": True,
        "Italic": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
        "Heading": {"levels": [2, 3]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "HardBreak": True,
    },
    # Seconds browsers and shared caches may keep a reader page without
    # asking again (Cache-Control: max-age, anonymous readers only).
    "READER_MAX_AGE": 60,
    # The cache alias (settings.CACHES) for rendered reader pages; None turns
    # the page cache off.
    "PAGE_CACHE": "default",
    # Upper bound on how long a rendered reader page is kept. A change to
    # what a page shows replaces it at once (articles.delivery); this bounds
    # what no change announces.
    "PAGE_CACHE_SECONDS": 300,
    # How long a shared cache in front of the site (Varnish, Fastly,
    # Cloudflare) may keep a reader page (Surrogate-Control: max-age). Long:
    # a change purges exactly the pages it touches (ARTICLES_PURGERS); this
    # bounds only what no purge reaches (a purge that failed for good).
    "EDGE_MAX_AGE": 86400,
    # Stored story renders to render again in the request that saved a
    # change (a widget placed in many stories); the others render on their
    # next read. The story an editor saved is always among the first.
    "RENDER_AT_SAVE": 20,
    # Pages each process also keeps in its own memory, in front of the cache
    # above (articles.delivery.page_cache): a hit then needs no round trip to
    # a shared cache. Still checked against the database on every request.
    # 0 turns it off.
    "PAGE_CACHE_PROCESS_ENTRIES": 500,
    # After the cache fails, how long each process serves pages without
    # asking it (articles.delivery.resilient_cache). Without a pause every request
    # during an outage would wait out a connection timeout first; 5 s keeps
    # that to one request per process every 5 s, and is short enough that
    # the page cache is back within seconds of the cache answering again.
    "CACHE_BACKOFF_SECONDS": 5,
    # Content-Security-Policy per area of the site: a URL namespace or view
    # name -> directives (articles.content_security). Pages no area claims
    # get django-csp's CONTENT_SECURITY_POLICY. None: the admin gets
    # articles.content_security.ADMIN, everything else the site's policy.
    "CSP_AREAS": None,
    # The edge caches (Varnish, Fastly, Cloudflare) that a committed change
    # purges by key: a list shaped like CACHES, e.g.
    # [{"BACKEND": "articles.delivery.purging.VarnishPurger",
    #   "OPTIONS": {"urls": ["http://127.0.0.1:6081"], "secret": "…"}}].
    # Empty: no edge cache, and articles.delivery.purging.purge() does nothing.
    "PURGERS": [],
    # What this deploy is, in every page cache key and ETag, so a deploy with
    # other templates serves no page made before it (articles.delivery.
    # fingerprint). A string that changes on every deploy, the same on every
    # server: the git commit, a release tag. None derives it once per process
    # from the static files manifest and the template files' contents.
    "DEPLOY_VERSION": None,
    # -- embeds (issue 12)
    # Providers added to the built-in ones (articles.embeds.providers): each a
    # dotted path to an articles.embeds.Provider (or a function returning one),
    # or a dict of its fields, e.g. {"name": "Podcasts", "pattern":
    # r"podcasts\.example\.com/episode/(?P<id>\d+)", "embed_url":
    # "https://player.example.com/{id}", "height": 200}. One with a built-in's
    # key ("youtube", "vimeo", …) replaces it. Their origins join frame-src.
    "EMBED_PROVIDERS": [],
    # Mastodon instances whose posts may be embedded (https://<instance>/@user/id).
    # Each is a different site: list only those the newsroom trusts. Empty: no Mastodon.
    "EMBED_MASTODON_INSTANCES": ["mastodon.social", "mastodon.online"],
    # -- import (issue 10)
    # Stories rendered right after each import batch commits (the rest render on
    # their first read, as every story without a stored render does): 0 keeps an
    # import's time for writing.
    "IMPORT_RENDER_AT_SAVE": 0,
    # -- search (issue 10)
    # PostgreSQL text-search configuration (stemming and stop words) for the
    # search documents and queries, e.g. "english", "german", "simple". None
    # derives it from the publication language (articles.search.search_config).
    # Changing it needs `manage.py rebuild_search_index`.
    "SEARCH_CONFIG": None,
    # "Best match" ranks only the newest this many matches of a search, so
    # ranking costs the same in a ten-year archive as in a one-month one;
    # older matches are still listed under "Newest first".
    "SEARCH_RANK_WINDOW": 1000,
    # Searches ordered by date or headline with at most this many matches are
    # listed from their ids, read through the text index (articles.search.query.
    # TextSearch.shortlist); more matches than this means a word common enough
    # for the newest-first walk to fill a page quickly.
    "SEARCH_SHORTLIST": 10000,
    # A search's matches are first read among the newest this many stories in
    # print, then range by range further back, each range sized from how many
    # matches the ones before held (articles.search.query.TextSearch.
    # newest_matches): a word in a few percent of stories is then read through
    # the text index instead of document by document along the date index.
    # 0 reads every search along the date index (the planner's choice).
    "SEARCH_RECENT_STORIES": 2000,
    # A phrase is looked for among the newest this many stories holding all
    # its words (articles.search.query.TextSearch.filter): checking a phrase
    # reads each candidate's whole document.
    "SEARCH_PHRASE_CANDIDATES": 2000,
    # -- editing sessions (issue 13): autosave and presence (articles.editing)
    # Autosave, recovery and "who else is editing" on the story form. False
    # leaves the form without them (no periodic requests while it is open).
    "EDITING_SESSION": True,
    # Seconds after an editor's last keystroke before the form is autosaved.
    "AUTOSAVE_DELAY": 3,
    # The largest autosave accepted, in bytes of form data: a long story with
    # many blocks is well under it; more is refused (413) and said on the page.
    "AUTOSAVE_MAX_BYTES": 1_000_000,
    # How long an editor's unsaved draft is kept for recovery (a timedelta).
    "AUTOSAVE_MAX_AGE": datetime.timedelta(days=30),
    # Seconds between an open change form's "who else is here" requests.
    "PRESENCE_INTERVAL": 15,
    # Seconds without such a request after which an editor counts as gone.
    "PRESENCE_TIMEOUT": 45,
    # -- archive (issue 10)
    # What list pages (home, section, tag, author, search) prefetch beyond what
    # the story card shows (ArticleQuerySet.for_lists): a site whose own
    # articles/includes/story_card.html shows a story's tags sets ["tags"].
    "CARD_PREFETCH": [],
    # Stories whose cards each process keeps drawn (articles.delivery.cards),
    # the least recently shown dropped first: a list or a search then draws
    # only the cards of stories that changed. A card is still checked against
    # the database on every page. About 3 KB a story; 0 turns it off.
    "KEPT_CARDS": 2000,
    # Listing pages count no further than this many pages (articles.pagination):
    # "Page 3 of more than 100", and pages past it are 404s. The count reads at
    # most MAX_PAGES x PAGINATE_BY + 1 ids, so the cost stays flat as the archive grows.
    "MAX_PAGES": 100,
    # URLs per story sitemap part (articles.syndication.sitemaps): a month of
    # stories is one part, or several of at most this many. The sitemaps
    # protocol allows 50,000; 10,000 keeps a part quick to render and fetch.
    "SITEMAP_PART_SIZE": 10000,
    # The site's address, e.g. "https://cms.example.com": for links in mail to
    # the newsroom (review requests), the domain of feed item ids (which must
    # not change with the host a feed was fetched through), and the absolute
    # addresses and ninjs uri of syndicated copy (feeds' full text,
    # articles.syndication). Empty: the address the request came to (for feed
    # ids, django.contrib.sites' domain when that app is installed).
    "SITE_URL": "",
    # -- writing aids (issue 13)
    # Recommended lengths, in characters, that the story form's counters
    # show; past one the counter turns to a warning, nothing is refused.
    # Headline: what search results and news carousels show whole (Google's
    # article structured data guidance has said 110); SEO title and
    # description: what a search result shows before cutting; standfirst:
    # two sentences. A field left out has no counter.
    "WRITING_LIMITS": {"headline": 110, "seo_title": 60, "seo_description": 155, "standfirst": 200},
    # Reading speed for the reading time shown under the body editor: an
    # adult's silent reading of news prose (Brysbaert 2019: about 238).
    "READING_WORDS_PER_MINUTE": 230,
}


class ArticlesSettings:
    """``settings.NAME`` → ``ARTICLES_NAME`` or its default, remembered until settings change.

    Reader requests read several of these; a missing Django setting costs an
    exception each time it is looked up, so the answers are kept.
    """

    def __init__(self):
        self._values = {}

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown articles setting: {name}")
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = getattr(django_settings, f"ARTICLES_{name}", DEFAULTS[name])
            return value

    def reload(self):
        self._values.clear()


settings = ArticlesSettings()


@receiver(setting_changed)
def _reload(*, setting, **kwargs):
    if setting.startswith("ARTICLES_"):
        settings.reload()
