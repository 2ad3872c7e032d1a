"""The story sitemap by month: parts, their split, their lastmod, the summary behind the index."""

import datetime
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import set_script_prefix
from django.utils import timezone

from articles.models import Article, DeliveryKey, SitemapPart
from articles.syndication import parts
from tests import factories

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# Key versions + next scheduled story + summary + stories due since + sections, tags, authors counts.
# (One fewer when no month was summed up before it ended: no "due since" query.)
INDEX_QUERIES = 7


def at(year, month, day=10, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def story(when, **fields):
    return factories.ArticleFactory(published_at=when, **fields)


def index(client):
    """The index's story parts: {path: lastmod}."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    found = {}
    for entry in root.iterfind("sm:sitemap", NS):
        path = entry.find("sm:loc", NS).text.removeprefix("http://testserver")
        if path.startswith("/sitemap-stories-"):
            found[path] = entry.find("sm:lastmod", NS).text
    return found


def part(client, path):
    """The story addresses a part lists, in order."""
    response = client.get(path)
    assert response.status_code == 200, path
    return [
        loc.text.removeprefix("http://testserver")
        for loc in ET.fromstring(response.content).iterfind("sm:url/sm:loc", NS)
    ]


def test_one_part_per_month_each_listing_its_own_stories_oldest_first(client):
    july = [story(at(2017, 7, 20)), story(at(2017, 7, 3))]
    august = story(at(2017, 8, 1, 0))
    assert list(index(client)) == ["/sitemap-stories-2017-08.xml", "/sitemap-stories-2017-07.xml"]
    assert part(client, "/sitemap-stories-2017-07.xml") == [july[1].get_absolute_url(), july[0].get_absolute_url()]
    assert part(client, "/sitemap-stories-2017-08.xml") == [august.get_absolute_url()]


def test_months_follow_the_site_time_zone(client, settings):
    # 23:30 on 31 July in London is 22:30 UTC: a July story, dated 31 July in its address.
    settings.TIME_ZONE = "Europe/London"
    late = story(timezone.make_aware(datetime.datetime(2017, 7, 31, 22, 30), datetime.UTC))
    assert list(index(client)) == ["/sitemap-stories-2017-07.xml"]
    assert part(client, "/sitemap-stories-2017-07.xml") == [late.get_absolute_url()]
    assert "/2017/07/31/" in late.get_absolute_url()


def test_a_busy_month_splits_into_stable_parts(client, settings):
    settings.ARTICLES_SITEMAP_PART_SIZE = 3
    stories = [story(at(2017, 7, day)) for day in (9, 2, 5, 1, 7, 3, 8)]
    oldest_first = [s.get_absolute_url() for s in sorted(stories, key=lambda s: s.published_at)]
    assert list(index(client)) == [
        "/sitemap-stories-2017-07.xml",
        "/sitemap-stories-2017-07-2.xml",
        "/sitemap-stories-2017-07-3.xml",
    ]
    listed = [part(client, path) for path in index(client)]
    assert listed == [oldest_first[:3], oldest_first[3:6], oldest_first[6:]]
    assert client.get("/sitemap-stories-2017-07-4.xml").status_code == 404
    # A new story at the end of the month goes at the end of the last part; the others stay as they were.
    newest = story(at(2017, 7, 30))
    assert [part(client, path) for path in index(client)] == [*listed[:2], [*listed[2], newest.get_absolute_url()]]


def test_each_part_has_its_own_lastmod(client, settings):
    settings.ARTICLES_SITEMAP_PART_SIZE = 2
    _first, second, third = (story(at(2017, 7, day)) for day in (1, 2, 3))
    second.save()  # edited last: part 1's lastmod
    lastmods = index(client)
    assert datetime.datetime.fromisoformat(lastmods["/sitemap-stories-2017-07.xml"]) == second.updated_at.replace(
        microsecond=0
    )
    assert datetime.datetime.fromisoformat(lastmods["/sitemap-stories-2017-07-2.xml"]) == third.updated_at.replace(
        microsecond=0
    )


def test_lastmod_has_time_and_zone(client, settings):
    settings.TIME_ZONE = "America/New_York"
    listed = story(at(2017, 7, 4))
    (lastmod,) = index(client).values()
    assert lastmod == timezone.localtime(listed.updated_at).replace(microsecond=0).isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00", lastmod)
    url_lastmod = ET.fromstring(client.get("/sitemap-stories-2017-07.xml").content).find("sm:url/sm:lastmod", NS).text
    assert url_lastmod == lastmod


def test_an_edit_changes_only_its_months_lastmod(client, monkeypatch):
    july, august = story(at(2017, 7)), story(at(2017, 8))
    before = index(client)
    later = timezone.now() + datetime.timedelta(minutes=5)  # lastmod is to the second
    monkeypatch.setattr(timezone, "now", lambda: later)
    july.headline = "Corrected headline"
    july.save()
    after = index(client)
    assert after["/sitemap-stories-2017-08.xml"] == before["/sitemap-stories-2017-08.xml"]
    assert after["/sitemap-stories-2017-07.xml"] != before["/sitemap-stories-2017-07.xml"]
    assert datetime.datetime.fromisoformat(after["/sitemap-stories-2017-07.xml"]) == july.updated_at.replace(
        microsecond=0
    )
    assert august.updated_at < july.updated_at


def test_an_edit_renews_only_its_months_part_in_the_page_cache(client):
    july = story(at(2017, 7))
    story(at(2017, 8))
    keys = client.get("/sitemap-stories-2017-07.xml")["xkey"].split()
    assert "stories-2017-07" in keys
    assert "stories-2017-08" not in keys
    assert "stories" not in keys  # an edit elsewhere in the archive leaves this part's cache entry alone

    def version(key):
        return DeliveryKey.objects.get(key=key).version

    august_before, july_before = version("stories-2017-08"), version("stories-2017-07")
    july.save()
    assert version("stories-2017-08") == august_before
    assert version("stories-2017-07") != july_before


def test_a_re_dated_story_moves_months(client):
    moved, stays = story(at(2017, 7, 1)), story(at(2017, 7, 2))
    part(client, "/sitemap-stories-2017-07.xml")  # cached in the page cache
    moved.published_at = at(2018, 3, 5)
    moved.save()
    assert list(index(client)) == ["/sitemap-stories-2018-03.xml", "/sitemap-stories-2017-07.xml"]
    assert part(client, "/sitemap-stories-2017-07.xml") == [stays.get_absolute_url()]
    assert part(client, "/sitemap-stories-2018-03.xml") == [moved.get_absolute_url()]
    assert SitemapPart.objects.get(month=datetime.date(2017, 7, 1)).count == 1


def test_a_re_dated_story_through_update_moves_months(client):
    moved = story(at(2017, 7, 1))
    Article.objects.filter(pk=moved.pk).update(published_at=at(2018, 3, 5))
    assert list(index(client)) == ["/sitemap-stories-2018-03.xml"]


def test_a_deleted_or_withdrawn_story_leaves_its_part(client):
    gone, withdrawn, kept = story(at(2017, 7, 1)), story(at(2017, 8, 1)), story(at(2017, 8, 2))
    gone.delete()
    withdrawn.status = Article.Status.UNPUBLISHED
    withdrawn.save()
    assert list(index(client)) == ["/sitemap-stories-2017-08.xml"]
    assert client.get("/sitemap-stories-2017-07.xml").status_code == 404
    assert part(client, "/sitemap-stories-2017-08.xml") == [kept.get_absolute_url()]


def test_drafts_and_scheduled_stories_are_in_no_part(client):
    factories.ArticleFactory(draft=True)
    factories.ArticleFactory(scheduled=True)
    assert index(client) == {}


def test_a_scheduled_story_appears_when_due_without_a_save(client, settings, monkeypatch):
    settings.ARTICLES_PAGE_CACHE = None
    due = factories.ArticleFactory(published_at=timezone.now() + datetime.timedelta(hours=1))
    assert index(client) == {}
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    path = f"/sitemap-stories-{timezone.localtime(due.published_at):%Y-%m}.xml"
    assert list(index(client)) == [path]
    assert part(client, path) == [due.get_absolute_url()]


def test_rebuild_command_restores_the_summary(client, settings):
    settings.ARTICLES_PAGE_CACHE = None  # the summary is written behind the page cache's back
    settings.ARTICLES_SITEMAP_PART_SIZE = 2
    for day in (1, 2, 3):
        story(at(2017, 7, day))
    story(at(2019, 1))
    expected = index(client)
    SitemapPart.objects.all().delete()
    SitemapPart.objects.create(
        month=datetime.date(2000, 1, 1), count=5, last_modified=timezone.now(), computed_at=timezone.now()
    )
    assert list(index(client)) == ["/sitemap-stories-2000-01.xml"]
    call_command("rebuild_sitemap_parts", verbosity=0)
    assert index(client) == expected
    assert SitemapPart.objects.count() == 3


def test_rebuild_command_for_one_month(client, settings):
    settings.ARTICLES_PAGE_CACHE = None  # the summary is written behind the page cache's back
    story(at(2017, 7))
    SitemapPart.objects.all().delete()
    call_command("rebuild_sitemap_parts", "--month", "2017-07", verbosity=0)
    assert list(index(client)) == ["/sitemap-stories-2017-07.xml"]


def test_rebuild_command_refuses_a_bad_month():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("rebuild_sitemap_parts", "--month", "July")


def test_an_announcement_of_everything_rebuilds_the_summary(client):
    from articles.delivery.changes import announce

    story(at(2017, 7))
    SitemapPart.objects.all().delete()
    SitemapPart.objects.create(
        month=datetime.date(2000, 1, 1), count=5, last_modified=timezone.now(), computed_at=timezone.now()
    )
    announce()  # "site": a bulk write that could not say what it touched
    assert list(index(client)) == ["/sitemap-stories-2017-07.xml"]


def test_an_empty_summary_is_read_from_the_stories(client, settings, caplog):
    settings.ARTICLES_PAGE_CACHE = None  # the summary is written behind the page cache's back
    story(at(2017, 7))
    SitemapPart.objects.all().delete()
    assert list(index(client)) == ["/sitemap-stories-2017-07.xml"]
    assert "rebuild_sitemap_parts" in caplog.text


def test_a_failing_summary_never_breaks_a_save(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(parts, "rebuild_months", broken)
    saved = story(at(2017, 7))
    assert Article.objects.filter(pk=saved.pk).exists()
    assert "Could not update the story sitemap summary" in caplog.text


@pytest.mark.parametrize("months", [1, 24])
def test_index_query_count_does_not_grow_with_months(client, django_assert_num_queries, months):
    for n in range(months):
        story(at(2015 + n // 12, n % 12 + 1))
    story(timezone.now() - datetime.timedelta(minutes=1))  # the current month, still open
    with django_assert_num_queries(INDEX_QUERIES):
        assert len(index(client)) == months + 1


# -- the sitemaps protocol's schemas


def _schemas():
    # The official schema files, vendored (tests/schemas/SOURCES.md says from where).
    return Path(__file__).resolve().parent / "schemas"


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("siteindex.xsd", "/sitemap.xml"),
        ("sitemap.xsd", "/sitemap-stories-2017-07.xml"),
        ("sitemap.xsd", "/sitemap-stories-2017-07-2.xml"),
        ("sitemap-with-news.xsd", "/sitemap-news.xml"),
    ],
)
def test_index_parts_and_news_match_the_protocols_schema(client, settings, schema, path):
    xmlschema = pytest.importorskip("xmlschema")
    settings.ARTICLES_SITEMAP_PART_SIZE = 2
    for day in (1, 2, 3):
        story(at(2017, 7, day), slug=f"q-and-a-{day}")
    factories.ArticleFactory(headline="Q&A: <b>not</b> markup & “quotes”")  # in the News sitemap
    validator = xmlschema.XMLSchema(str(_schemas() / schema))
    body = client.get(path).content.decode()
    validator.validate(body)
    assert "<url>" in body or "<sitemap>" in body


def test_index_pages_tags_past_the_sitemap_limit(client, monkeypatch):
    from articles.syndication.sitemaps import TagSitemap

    monkeypatch.setattr(TagSitemap, "limit", 2)
    tagged = factories.ArticleFactory()
    for n in range(5):
        factories.TaggedArticleFactory(content_object=tagged, tag=factories.TagFactory(slug=f"topic-{n}"))
    factories.TagFactory(slug="unused")  # six tags, five in print: three pages of two
    root = ET.fromstring(client.get("/sitemap.xml").content)
    listed = [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", NS) if "sitemap-tags" in loc.text]
    assert listed == [f"http://testserver/sitemap-tags.xml{query}" for query in ("", "?p=2", "?p=3")]
    for url in listed:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"])
def test_a_month_summed_up_before_its_end_is_told_right_in_every_zone(settings, zone):
    # The index tells most months by the date alone (parts._summed_before_end): near
    # the end, in zones 14 hours ahead or 11 behind UTC, it must agree with the exact bounds.
    settings.TIME_ZONE = zone
    month = datetime.date(2017, 7, 1)
    end = parts.month_bounds(month)[1]
    for offset in (-30, -1, 0, 1, 30, 60 * 24, 60 * 48):
        computed_at = (end + datetime.timedelta(minutes=offset)).astimezone(datetime.UTC)
        assert parts._summed_before_end(month, computed_at) == (computed_at < end), (zone, offset)
    december = datetime.date(2017, 12, 1)
    december_end = parts.month_bounds(december)[1]
    assert parts._summed_before_end(december, december_end - datetime.timedelta(seconds=1))
    assert not parts._summed_before_end(december, december_end)


# -- a part's entries kept on its row (parts.kept, parts.keep)


def kept_entries(month):
    return SitemapPart.objects.get(month=month, number=1).rendered


def test_a_parts_entries_are_kept_and_served_from_its_row(client, settings, django_assert_num_queries):
    settings.ARTICLES_PAGE_CACHE = None
    stories = [story(at(2017, 7, day)) for day in (3, 4, 5)]
    path = "/sitemap-stories-2017-07.xml"
    first = client.get(path).content
    assert kept_entries(datetime.date(2017, 7, 1)).count("<url>") == 3
    with django_assert_num_queries(2):  # the row, and whether a story came due since
        assert client.get(path).content == first
    assert part(client, path) == [s.get_absolute_url() for s in stories]


def test_each_host_gets_its_own_origin_from_the_kept_entries(client, settings):
    settings.ARTICLES_PAGE_CACHE = None
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    story(at(2017, 7))
    path = "/sitemap-stories-2017-07.xml"
    assert b"<loc>http://a.example/2017/07/" in client.get(path, HTTP_HOST="a.example").content
    assert b"<loc>http://b.example/2017/07/" in client.get(path, HTTP_HOST="b.example").content
    assert b"a.example" not in client.get(path, HTTP_HOST="b.example").content


def test_an_edit_replaces_the_kept_entries(client, settings):
    settings.ARTICLES_PAGE_CACHE = None
    edited = story(at(2017, 7, 3))
    path = "/sitemap-stories-2017-07.xml"
    assert part(client, path) == [edited.get_absolute_url()]
    edited.slug = "a-better-slug"
    edited.save()
    assert kept_entries(datetime.date(2017, 7, 1)) == ""  # the change replaced the row
    assert part(client, path) == ["/2017/07/03/a-better-slug/"]
    other = story(at(2017, 7, 4))
    assert part(client, path) == ["/2017/07/03/a-better-slug/", other.get_absolute_url()]


def test_a_story_come_due_after_the_entries_were_kept_is_listed_without_a_save(client, settings, monkeypatch):
    settings.ARTICLES_PAGE_CACHE = None
    now = timezone.now()
    listed = story(now - datetime.timedelta(minutes=5))
    due = factories.ArticleFactory(published_at=now + datetime.timedelta(minutes=1))
    path = f"/sitemap-stories-{timezone.localtime(now):%Y-%m}.xml"
    if timezone.localtime(due.published_at).month != timezone.localtime(now).month:
        pytest.skip("the scheduled story falls in the next month (run at a month's end)")
    assert part(client, path) == [listed.get_absolute_url()]
    assert SitemapPart.objects.get(number=1).rendered_at is not None
    later = now + datetime.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert part(client, path) == [listed.get_absolute_url(), due.get_absolute_url()]


def test_entries_kept_under_another_time_zone_are_rendered_again(client, settings):
    settings.ARTICLES_PAGE_CACHE = None
    story(at(2017, 7, 10, 12))
    path = "/sitemap-stories-2017-07.xml"
    assert b"+00:00</lastmod>" in client.get(path).content
    settings.TIME_ZONE = "Europe/Berlin"
    content = client.get(path).content  # the story's last change: summer or winter time
    assert b"+00:00</lastmod>" not in content
    assert b"+01:00</lastmod>" in content or b"+02:00</lastmod>" in content


def test_entries_kept_under_another_script_prefix_are_rendered_again(client, settings):
    settings.ARTICLES_PAGE_CACHE = None
    story(at(2017, 7, 3))
    path = "/sitemap-stories-2017-07.xml"
    assert part(client, path)[0].startswith("/2017/07/03/")
    # Another mount point (a proxy's SCRIPT_NAME): other addresses, not the kept ones.
    try:
        set_script_prefix("/news/")
        response = client.get(path)
    finally:
        set_script_prefix("/")
    assert b"<loc>http://testserver/news/2017/07/03/" in response.content
    assert part(client, path)[0].startswith("/2017/07/03/")


def test_a_row_replaced_while_rendering_keeps_nothing(client, settings, monkeypatch):
    settings.ARTICLES_PAGE_CACHE = None
    story(at(2017, 7, 3))
    real = parts.keep

    def replaced_meanwhile(row, *args):
        parts.rebuild_months([datetime.date(2017, 7, 1)])  # a change committed during the render
        real(row, *args)

    monkeypatch.setattr(parts, "keep", replaced_meanwhile)
    assert client.get("/sitemap-stories-2017-07.xml").status_code == 200
    assert kept_entries(datetime.date(2017, 7, 1)) == ""


def test_a_failed_keep_still_serves_the_part(client, settings, monkeypatch, caplog):
    from django.db import DatabaseError
    from django.db.models import QuerySet

    settings.ARTICLES_PAGE_CACHE = None
    listed = story(at(2017, 7, 3))

    def locked(self, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(QuerySet, "update", locked)
    assert part(client, "/sitemap-stories-2017-07.xml") == [listed.get_absolute_url()]
    assert "Could not keep the entries of sitemap part" in caplog.text


def test_a_half_kept_row_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    row = SitemapPart.objects.create(month=datetime.date(2017, 7, 1), computed_at=timezone.now(), count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SitemapPart.objects.filter(pk=row.pk).update(rendered="<url></url>")
    with pytest.raises(IntegrityError), transaction.atomic():
        SitemapPart.objects.filter(pk=row.pk).update(rendered_at=timezone.now(), rendered_latest=timezone.now())


@pytest.mark.parametrize("how", ["delete", "withdraw", "re-date", "update"])
def test_a_story_that_leaves_a_kept_part_is_gone_from_it(client, settings, how):
    settings.ARTICLES_PAGE_CACHE = None
    leaving, staying = story(at(2017, 7, 3)), story(at(2017, 7, 4))
    path = "/sitemap-stories-2017-07.xml"
    assert part(client, path) == [leaving.get_absolute_url(), staying.get_absolute_url()]
    assert kept_entries(datetime.date(2017, 7, 1))
    if how == "delete":
        leaving.delete()
    elif how == "withdraw":
        leaving.status = Article.Status.UNPUBLISHED
        leaving.save()
    elif how == "re-date":
        leaving.published_at = at(2018, 3, 5)
        leaving.save()
    else:
        Article.objects.filter(pk=leaving.pk).update(status=Article.Status.DRAFT)
    assert part(client, path) == [staying.get_absolute_url()]
