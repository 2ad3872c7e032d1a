"""App settings: every knob is ``ARTICLES_<NAME>`` in the project settings."""

import datetime

from django.conf import settings as django_settings

DEFAULTS = {
    # Shown in page titles, feeds and structured data.
    "PUBLICATION_NAME": "The Newsroom",
    # Stories per page on listing pages.
    "PAGINATE_BY": 20,
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
}


class ArticlesSettings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown articles setting: {name}")
        return getattr(django_settings, f"ARTICLES_{name}", DEFAULTS[name])


settings = ArticlesSettings()
