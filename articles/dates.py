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

from django.utils import formats, timezone
from django.utils.translation import pgettext_lazy

# The context tells translators these are formats, not prose; see
# https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date
DATELINE = pgettext_lazy("date format (Django date filter): when a story was published or updated", "j F Y, H:i T")
DAY = pgettext_lazy("date format (Django date filter): a day", "j F Y")
DAY_TIME = pgettext_lazy("date format (Django date filter): a day and time in the admin", "j F Y, H:i")
TIME = pgettext_lazy("date format (Django date filter): a time of day in the admin", "H:i")


def dateline(moment):
    """``moment`` (aware) as readers see a publication time, in the current time zone."""
    return formats.date_format(timezone.localtime(moment), str(DATELINE))


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
