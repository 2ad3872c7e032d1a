"""How the app writes dates and times, in the active language.

Django's named formats are the site's and say too little for a newsroom:
English's ``DATETIME_FORMAT`` gives "27 Nov 2026, 8:15 a.m.", not the
dateline "27 November 2026, 08:15 GMT". So the app's formats are
translatable strings (Django's own date filter syntax), and each language's
catalog says how its newsrooms date a story: "27. November 2026, 08:15 Uhr",
"27 novembre 2026 à 08h15". A site that wants another style overrides the
string in its own catalog (``LOCALE_PATHS`` comes before the app's). Month
and day names come from Django's translations either way.
"""

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext_lazy

# The context tells translators these are formats, not prose; see
# https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date
DATELINE = pgettext_lazy("date format (Django date filter): when a story was published or updated", "j F Y, H:i T")
DAY = pgettext_lazy("date format (Django date filter): a day", "j F Y")
DAY_TIME = pgettext_lazy("date format (Django date filter): a day and time in the admin", "j F Y, H:i")
TIME = pgettext_lazy("date format (Django date filter): a time of day in the admin", "H:i")


# What ``<time datetime="…">`` carries: ISO 8601 with the offset, in the current time zone.
MACHINE = r"Y-m-d\TH:i:sO"


@functools.lru_cache(maxsize=4096)
def _formatted(moment, format_string, language, zone):
    # Django's date formatting costs about 0.1 ms a call, two calls a story
    # card: a tenth of a list page. A list shows the same few hundred stories
    # to every reader, so each moment is formatted once per language, format
    # and zone. Month and day names follow the language (the key).
    return formats.date_format(moment.astimezone(zone), format_string)


@receiver(setting_changed)
def _forget_formatted(*, setting, **kwargs):
    # A format or a month's name can change with the catalogs; the zone is in the key.
    if setting in ("LANGUAGE_CODE", "LANGUAGES", "USE_I18N", "LOCALE_PATHS", "INSTALLED_APPS", "FORMAT_MODULE_PATH"):
        _formatted.cache_clear()


def dateline(moment):
    """``moment`` (aware) as readers see a publication time, in the current time zone."""
    return _formatted(moment, str(DATELINE), get_language(), timezone.get_current_timezone())


def machine(moment):
    """``moment`` (aware) for a ``datetime`` attribute: "2017-04-07T08:15:00+0100", in the current time zone."""
    return _formatted(moment, MACHINE, get_language(), timezone.get_current_timezone())


def day(value):
    return formats.date_format(value, str(DAY))


def month(value):
    # Django's own named format: "November 2026", "novembre 2026".
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def day_time(moment):
    """``moment`` (aware) as the admin's messages name it, in the current time zone."""
    return formats.date_format(timezone.localtime(moment), str(DAY_TIME))


def time_of_day(moment):
    return formats.time_format(timezone.localtime(moment), str(TIME))
