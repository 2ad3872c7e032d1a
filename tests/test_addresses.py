"""Reader addresses filled into a template (articles.addresses) equal reverse()'s, wherever the app is mounted."""

import datetime
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, include, path, re_path, reverse, set_script_prefix
from django.utils import translation
from taggit.models import Tag

from articles import addresses
from articles.models import tag_url
from tests.factories import ArticleFactory, AuthorFactory, BylineFactory, SectionFactory, TagFactory


def expected(name, **kwargs):
    return reverse(f"articles:{name}", kwargs=kwargs)


CASES = [
    (addresses.story, "article", {"year": "2017", "month": "04", "day": "07", "slug": "no-fly-zones"}),
    (addresses.story, "article", {"year": "1999", "month": "12", "day": "31", "slug": "x_y-2"}),
    (addresses.section, "section", {"slug": "world"}),
    (addresses.author, "author", {"slug": "jane-hack"}),
    # Taggit makes Unicode slugs, and a tag slug may hold what a path must quote.
    (addresses.tag, "tag", {"slug": "café-société"}),
    (addresses.tag, "tag", {"slug": "a b?c#d%e&f"}),
    (addresses.story_sitemap, "story_sitemap", {"year": "2017", "month": "07"}),
    (addresses.story_sitemap_part, "story_sitemap_part", {"year": "2017", "month": "07", "part": "2"}),
    (addresses.story_sitemap_part, "story_sitemap_part", {"year": "1999", "month": "12", "part": "31"}),
]


def assert_same(route, name, values):
    assert route(**values) == expected(name, **values)


@pytest.mark.parametrize(("route", "name", "values"), CASES)
def test_a_filled_address_is_what_reverse_gives(route, name, values):
    assert_same(route, name, values)
    assert route._build() is not None  # the template is used, not reverse() again


@pytest.mark.parametrize("prefix", ["/news/", "/7373/", "/zq9marker9qz/", "/nach richten/"])
@pytest.mark.parametrize(("route", "name", "values"), CASES)
def test_under_any_script_prefix(prefix, route, name, values):
    # "/7373/" holds the month marker twice and "/zq9marker9qz/" the slug marker:
    # those prefixes get reverse() for each address, still right.
    try:
        set_script_prefix(prefix)
        assert_same(route, name, values)
        assert route(**values).startswith(reverse("articles:home"))
    finally:
        set_script_prefix("/")


class MountedUnderNews:
    urlpatterns = [path("news/", include("articles.urls"))]


class OwnStoryRoute:
    """A site naming its own story addresses (no date) in the articles namespace."""

    urlpatterns = [
        path(
            "",
            include(
                (
                    [
                        re_path(
                            r"^stories/(?P<slug>[-\w]+)-(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})$",
                            lambda request: None,
                            name="article",
                        ),
                        path("people/<slug:slug>/", lambda request: None, name="author"),
                    ],
                    "articles",
                )
            ),
        )
    ]


def test_another_url_configuration_gets_its_own_template():
    values = {"year": "2017", "month": "04", "day": "07", "slug": "no-fly-zones"}
    default = addresses.story(**values)
    with override_settings(ROOT_URLCONF=MountedUnderNews):
        assert addresses.story(**values) == "/news" + default == expected("article", **values)
    with override_settings(ROOT_URLCONF=OwnStoryRoute):
        assert addresses.story(**values) == "/stories/no-fly-zones-20170407" == expected("article", **values)
        assert addresses.author(slug="jane-hack") == "/people/jane-hack/"
        # The site's own pattern refuses what the app's would take: the same error as reverse().
        with pytest.raises(NoReverseMatch):
            addresses.author(slug="café")
    assert addresses.story(**values) == default


def test_a_value_the_route_refuses_raises_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        addresses.story(year="2017", month="04", day="07", slug="bad slug!")
    with pytest.raises(NoReverseMatch):
        addresses.story(year="17", month="04", day="07", slug="ok")
    with pytest.raises(NoReverseMatch):
        addresses.tag(slug="a/b")


@pytest.mark.django_db
def test_models_give_their_addresses_through_the_templates(settings):
    settings.TIME_ZONE = "Europe/London"
    story = ArticleFactory(slug="late-night", published_at=datetime.datetime(2017, 4, 6, 23, 30, tzinfo=datetime.UTC))
    # 23:30 UTC is 00:30 on the 7th in London (summer time): the address has the local day.
    assert story.get_absolute_url() == expected("article", year="2017", month="04", day="07", slug="late-night")
    author, section = AuthorFactory(slug="jane-hack"), SectionFactory(slug="world")
    assert author.get_absolute_url() == expected("author", slug="jane-hack")
    assert section.get_absolute_url() == expected("section", slug="world")
    assert tag_url(TagFactory(name="Café", slug="café")) == expected("tag", slug="café")
    # Taggit's table has no check: a slug no address can carry leaves the tag unlinked.
    assert tag_url(Tag(name="Empty", slug="")) == tag_url(Tag(name="Slash", slug="a/b")) == ""


@pytest.mark.django_db
def test_a_list_page_reverses_no_route_per_story(client):
    from django.urls.resolvers import URLResolver

    original = URLResolver._reverse_with_prefix

    def reverses_for_home(stories):
        for _ in range(stories):
            BylineFactory.create_batch(2, article=ArticleFactory())
        calls = []

        def counted(resolver, *args, **kwargs):
            calls.append(args[0])
            return original(resolver, *args, **kwargs)

        with mock.patch.object(URLResolver, "_reverse_with_prefix", counted):
            assert client.get("/").status_code == 200
        return len(calls)

    reverses_for_home(1)  # the templates are made on first use
    few = reverses_for_home(2)
    many = reverses_for_home(16)
    # Reversing each story and byline gave 3 more per story (48 for 16 stories).
    assert many == few


def test_each_language_gets_its_own_template():
    values = {"slug": "jane-hack"}
    english = addresses.author(**values)
    with translation.override("de"):
        assert addresses.author(**values) == expected("author", **values)
    assert addresses.author(**values) == english


def test_the_story_prefix_for_sitemaps():
    assert addresses.story_prefix() == "/"
    try:
        set_script_prefix("/news/")
        assert addresses.story_prefix() == "/news/"
    finally:
        set_script_prefix("/")
    with override_settings(ROOT_URLCONF=MountedUnderNews):
        assert addresses.story_prefix() == "/news/"
    with override_settings(ROOT_URLCONF=OwnStoryRoute):
        assert addresses.story_prefix() is None  # another shape: each address from the maker


def test_trusted_parts_are_not_checked():
    day = datetime.date(2017, 4, 7)
    assert addresses.story_address("no-fly-zones", day) == "/2017/04/07/no-fly-zones/"
    # The slug is still checked: a bad one is reverse()'s error.
    with pytest.raises(NoReverseMatch):
        addresses.story_address("bad slug!", day)


@pytest.mark.parametrize("prefix", ["/", "/news/", "/8461/"])
def test_the_sitemap_index_part_addresses_are_what_reverse_gives(prefix):
    from articles.syndication.sitemaps import story_part_path, story_part_paths

    try:
        set_script_prefix(prefix)
        path_of = story_part_paths()
        for month, number in [
            (datetime.date(2017, 7, 1), 1),
            (datetime.date(2017, 7, 1), 2),
            (datetime.date(9, 1, 1), 12),
        ]:
            kwargs = {"year": f"{month.year:04d}", "month": f"{month.month:02d}"}
            if number == 1:
                want = reverse("articles:story_sitemap", kwargs=kwargs)
            else:
                want = reverse("articles:story_sitemap_part", kwargs={**kwargs, "part": str(number)})
            assert path_of(month, number) == want == story_part_path(month, number)
    finally:
        set_script_prefix("/")
