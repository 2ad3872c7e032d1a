"""Datelines and datetime attributes formatted once per moment (articles.dates) read as Django formats them."""

import datetime
from unittest import mock

from django.template import Context, Template
from django.test import override_settings
from django.utils import formats, timezone, translation

from articles import dates

MOMENT = datetime.datetime(2017, 4, 7, 7, 15, tzinfo=datetime.UTC)


def django_formats(moment):
    local = timezone.localtime(moment)
    return formats.date_format(local, str(dates.DATELINE)), formats.date_format(local, dates.MACHINE)


def test_the_same_text_as_django_in_each_language_and_zone():
    for zone in ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata"):
        with override_settings(TIME_ZONE=zone):
            for language in ("en", "de", "fr"):
                with translation.override(language):
                    assert (dates.dateline(MOMENT), dates.machine(MOMENT)) == django_formats(MOMENT)
    with override_settings(TIME_ZONE="Europe/Berlin"), translation.override("de"):
        assert dates.dateline(MOMENT) == "7. April 2017, 09:15 Uhr"
        assert dates.machine(MOMENT) == "2017-04-07T09:15:00+0200"
    with timezone.override(datetime.timezone(datetime.timedelta(hours=-3))):
        assert dates.machine(MOMENT) == "2017-04-07T04:15:00-0300"


def test_a_moment_is_formatted_once_per_language_and_zone():
    dates._formatted.cache_clear()
    with mock.patch("articles.dates.formats.date_format", wraps=formats.date_format) as formatting:
        for _ in range(3):
            dates.dateline(MOMENT)
            dates.machine(MOMENT)
        assert formatting.call_count == 2
        with translation.override("de"):
            dates.dateline(MOMENT)
        with override_settings(TIME_ZONE="Asia/Kolkata"):
            dates.dateline(MOMENT)
        assert formatting.call_count == 4


def test_the_templates_filters():
    template = Template(
        "{% load articles_dates %}{{ when|machine_datetime }} {{ when|dateline }}|{{ nothing|dateline }}"
    )
    with override_settings(TIME_ZONE="Europe/London"):
        assert template.render(Context({"when": MOMENT, "nothing": None})) == (
            "2017-04-07T08:15:00+0100 7 April 2017, 08:15 BST|"
        )
