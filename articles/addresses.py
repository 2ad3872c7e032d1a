"""Reader addresses without a ``reverse()`` per link.

A list page links twenty stories and forty-odd bylines, a feed or a search
page as many, a sitemap part up to 10,000 stories, and ``reverse()`` walks
the URL resolver for each (about 40 µs on the benchmark machine): a tenth
of a list page's time. A :class:`Route` reverses its route once per URL
configuration, script prefix and language with marker values, cuts the
address at the markers into a template, checks the template against
``reverse()`` with other values, and after that fills it in for each link,
quoting each value as ``reverse()`` does.

A value the route's own pattern would refuse, or a route the template
cannot reproduce (a project that names its own ``articles:article`` with
other parts or a narrower pattern, or a prefix that holds a marker), goes to
``reverse()`` as before.
"""

import re
from urllib.parse import quote

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language

from articles.converters import NameSlugConverter

# What reverse() leaves unquoted in a path (RFC 3986 pchar).
_SAFE = RFC3986_SUBDELIMS + "/~:@"


class Route:
    """``route(**values)`` is ``reverse(route.name, kwargs=values)``, worked out once per configuration."""

    def __init__(self, name, *, markers, checks, accepts, plain):
        self.name = name
        self.markers = markers  # values that match the route and appear nowhere else in its address
        # Other values, to test the template against reverse(): the hardest each
        # part accepts (Unicode, characters to quote), so that a project's own
        # route that refuses them (<slug:slug>, say) gets reverse() every time.
        self.checks = checks
        self.accepts = {key: re.compile(pattern) for key, pattern in accepts.items()}
        # Part of what each part accepts that needs no quoting (ASCII slugs, the
        # usual case): one test per value instead of two.
        self.plain = {key: re.compile(pattern, re.ASCII) for key, pattern in plain.items()}
        # (urlconf, script prefix, language, trusted parts) -> (resolver, address maker, template).
        self._made = {}

    def __call__(self, **values):
        return self.current()(**values)

    def current(self, trusted=frozenset()):
        """The address maker for the current URL configuration, script prefix and language.

        ``make = route.current()`` once, then ``make(**values)`` per address,
        for many addresses at once (asking for the configuration, prefix and
        language costs more than filling one in). Values of the ``trusted`` parts are not checked: their caller wrote
        them from numbers (``story_address``: the year, month and day).
        """
        return self._entry(trusted)[1]

    def template(self):
        """The current template: (pieces, part names in order), or None where reverse() makes each address."""
        return self._entry(frozenset())[2]

    def _entry(self, trusted):
        urlconf = get_urlconf()
        resolver = get_resolver(urlconf)
        key = (urlconf, get_script_prefix(), get_language(), trusted)
        made = self._made.get(key)
        # A new resolver (clear_url_caches(), another ROOT_URLCONF) makes a new template.
        if made is None or made[0] is not resolver:
            template = self._build()
            made = self._made[key] = (resolver, self._maker(template, trusted), template)
        return made

    def _maker(self, template, trusted):
        name = self.name
        if template is None:
            return lambda **values: reverse(name, kwargs=values)
        pieces, names = template
        # The template as a format string: "/{year}/{month}/{day}/{slug}/".
        form = pieces[0].replace("{", "{{").replace("}", "}}") + "".join(
            f"{{{key}}}" + piece.replace("{", "{{").replace("}", "}}")
            for key, piece in zip(names, pieces[1:], strict=True)
        )
        checked = [(key, self.plain[key], self.accepts[key]) for key in names if key not in trusted]

        def make(**values):
            filled = values
            for key, plain, accepts in checked:
                value = values[key]
                if not plain.fullmatch(value):
                    if not accepts.fullmatch(value):
                        return reverse(name, kwargs=values)  # the values as given, none quoted
                    if filled is values:
                        filled = dict(values)
                    filled[key] = quote(value, safe=_SAFE)
            return form.format_map(filled)

        return make

    def _build(self):
        try:
            sample = reverse(self.name, kwargs=self.markers)
            expected = reverse(self.name, kwargs=self.checks)
        except NoReverseMatch:
            return None
        if any(sample.count(marker) != 1 for marker in self.markers.values()):
            return None
        found = sorted((sample.index(marker), name) for name, marker in self.markers.items())
        pieces, names, start = [], [], 0
        for position, name in found:
            pieces.append(sample[start:position])
            names.append(name)
            start = position + len(self.markers[name])
        pieces.append(sample[start:])
        template = (pieces, names)
        filled = pieces[0] + "".join(
            quote(self.checks[name], safe=_SAFE) + piece for name, piece in zip(names, pieces[1:], strict=True)
        )
        return template if filled == expected else None


_SLUG = r"[-\w]+"  # the story route's slug group (articles/urls.py); ASCII, it needs no quoting
_MARKER = "zq9marker9qz"

story = Route(
    "articles:article",
    markers={"year": "8461", "month": "73", "day": "95", "slug": _MARKER},
    checks={"year": "2017", "month": "04", "day": "07", "slug": "check_Ä-2"},
    accepts={"year": r"[0-9]{4}", "month": r"[0-9]{2}", "day": r"[0-9]{2}", "slug": _SLUG},
    plain={"year": r"[0-9]{4}", "month": r"[0-9]{2}", "day": r"[0-9]{2}", "slug": _SLUG},
)


def _named(name):
    return Route(
        name,
        markers={"slug": _MARKER},
        checks={"slug": "check_Ä-2 ?#%&"},
        accepts={"slug": NameSlugConverter.regex},
        plain={"slug": _SLUG},
    )


section = _named("articles:section")
author = _named("articles:author")
tag = _named("articles:tag")


# The story sitemap's parts (articles.syndication.sitemaps): the index lists
# one per month of the archive, ten years of them at a million stories.
_MONTH_PARTS = {"year": r"[0-9]{4}", "month": r"[0-9]{2}"}
story_sitemap = Route(
    "articles:story_sitemap",
    markers={"year": "8461", "month": "73"},
    checks={"year": "2017", "month": "04"},
    accepts=_MONTH_PARTS,
    plain=_MONTH_PARTS,
)
_NUMBERED_PARTS = {**_MONTH_PARTS, "part": r"[2-9]|[1-9][0-9]+"}
story_sitemap_part = Route(
    "articles:story_sitemap_part",
    markers={"year": "8461", "month": "73", "part": "9851"},
    checks={"year": "2017", "month": "04", "part": "12"},
    accepts=_NUMBERED_PARTS,
    plain=_NUMBERED_PARTS,
)

# The story route's parts that story_address writes from a date's numbers.
DATE_PARTS = frozenset({"year", "month", "day"})


def story_address(slug, day):
    """A story's address from its slug and its publication ``day`` (a date, in the site's time zone)."""
    # Not strftime ("%Y"): it costs ten times as much, and every story card calls this.
    return story.current(DATE_PARTS)(year=f"{day.year:04d}", month=f"{day.month:02d}", day=f"{day.day:02d}", slug=slug)


def story_prefix():
    """What comes before ``YYYY/MM/DD/slug/`` in every story's address, or None if the route is another shape.

    For a sitemap part's 10,000 addresses from the stories' table, whose
    check constraint holds ASCII slugs only (``slug_check``): an f-string per
    story costs a third of a call to the address maker.
    """
    template = story.template()
    if template is None:
        return None
    pieces, names = template
    if names != ["year", "month", "day", "slug"] or pieces[1:] != ["/", "/", "/", "/"]:
        return None
    return pieces[0]
