"""The benchmarks' parts do what their figures claim (not a benchmark: nothing is timed, Lighthouse never runs)."""

import collections
import io
import random
import subprocess

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PillowImage
from reversion.models import Version

from articles.models import Article, RichText
from benchmarks import lighthouse
from benchmarks.harness import PageCacheLog
from benchmarks.picture_stories import add_stories, camera_photo, next_slugs
from benchmarks.realistic_day import Editor, Zipf


def test_zipf_draws_follow_the_popularity_order():
    zipf = Zipf(range(100), 1.1, random.Random(3))
    counts = collections.Counter(zipf.draw() for _ in range(20_000))
    assert counts[0] > counts[1] > counts[9] > counts[99]
    # Rank 1 gets 1 / H(100, 1.1) of the reads (about 21%); rank 2 about half as many as rank 1.
    expected = 1 / sum(1 / rank**1.1 for rank in range(1, 101))
    assert abs(counts[0] / 20_000 - expected) < 0.02
    assert abs(counts[1] / counts[0] - 2**-1.1) < 0.05


def test_the_same_seed_draws_the_same_reads():
    first = Zipf(range(50), 1.1, random.Random(9))
    second = Zipf(range(50), 1.1, random.Random(9))
    assert [first.draw() for _ in range(200)] == [second.draw() for _ in range(200)]


@pytest.mark.django_db
def test_an_editors_save_changes_one_thing_and_records_a_revision(seed_story):
    paragraphs = {block.pk: block.text for block in RichText.objects.filter(parent=seed_story)}
    editor = Editor([seed_story.pk], random.Random(1))
    for _ in range(6):
        editor.save_one()
    seed_story.refresh_from_db()
    changed = {block.pk: block.text for block in RichText.objects.filter(parent=seed_story)}
    # A later edit of the same text replaces an earlier one's mark instead of piling them up.
    assert seed_story.headline.count("(update ") <= 1
    assert all(text.count("(Update ") <= 1 for text in changed.values())
    assert set(changed) == set(paragraphs)
    assert editor.saves == 6
    assert Version.objects.get_for_object(seed_story).count() == 6
    _story, mark = editor.last
    assert mark == "(update 6)" or any("(Update 6.)" in text for text in changed.values())


def test_page_cache_log_counts_hits_misses_and_stale(client, seed_story):
    url = seed_story.get_absolute_url()
    client.get(url)  # before listening: not counted
    log = PageCacheLog()
    with log.listening():
        client.get("/")  # miss
        client.get("/")  # hit
        client.get(url)  # hit
        seed_story.save()
        client.get(url)  # stale
    assert log.counts == {"hit": 2, "miss": 1, "stale": 1}


def test_camera_photo_is_a_noisy_jpeg_of_the_size_asked():
    photo = camera_photo(random.Random(1), 800, 600)
    with PillowImage.open(io.BytesIO(photo)) as image:
        assert (image.format, image.size) == ("JPEG", (800, 600))
        # Drawn structure, not one colour: a flat picture would have a handful of colours.
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or ()) > 10_000
    # Sensor noise at a camera's quality weighs what a photo does (about 0.35 bytes a pixel at
    # 4000x3000, 4.2 MB); a flat picture of this size is a few KB.
    assert len(photo) > 0.2 * 800 * 600


def test_picture_story_slugs_number_on_from_the_highest_there():
    assert next_slugs(2, []) == ["picture-story-1", "picture-story-2"]
    assert next_slugs(1, ["picture-story-2", "picture-story-10", "picture-story-x"]) == ["picture-story-11"]


def test_picture_stories_are_newest_in_the_seed_storys_topics_with_library_pictures(client, seed_story):
    out = io.StringIO()
    newest, older = add_stories(2, random.Random(5), out=out, size=(640, 480))
    assert newest.published_at > older.published_at > seed_story.published_at
    for story in (newest, older):
        assert story.status == Article.Status.PUBLISHED and story.section == seed_story.section
        assert set(story.tags.all()) == set(seed_story.tags.all())
        assert [b.author for b in story.bylines.all()] == [b.author for b in seed_story.bylines.all()]
        assert story.lead_image.alt and story.lead_image.content_hash
        # The library made its renditions at save, as for an upload in the admin.
        assert default_storage.exists(story.lead_image.file.card800_webp.removeprefix(default_storage.base_url))
    assert f"added {newest.get_absolute_url()}" in out.getvalue()
    home = client.get("/").content.decode()
    assert home.index(newest.get_absolute_url()) < home.index(seed_story.get_absolute_url())
    topic = client.get(f"/tag/{seed_story.tags.first().slug}/").content.decode()
    assert topic.count('<img class="story-card__picture"') == 2


def test_lighthouse_median_run_and_its_lcp_element():
    def report(score, snippet):
        # Lighthouse 12's shape: the element in a table nested under the LCP breakdown.
        element = {"type": "table", "items": [{"node": {"type": "node", "snippet": snippet}}]}
        audits = {"largest-contentful-paint-element": {"details": {"type": "list", "items": [element]}}}
        return {"categories": {"performance": {"score": score}}, "audits": audits}

    runs = [report(0.99, "<h1>"), report(0.91, '<img class="a">'), report(0.95, '<img class="b">')]
    assert lighthouse.score(lighthouse.median(runs)) == 95
    assert lighthouse.lcp_element(lighthouse.median(runs)) == '<img class="b">'
    assert lighthouse.median(runs[:2]) is runs[1]  # of two, the lower: a benchmark does not round up
    assert lighthouse.lcp_element({"audits": {}}) == "?"


def test_lighthouse_finds_every_picture_file_a_page_names():
    html = (
        '<picture><source type="image/webp" srcset="/m/a-400.webp 400w, /m/a-800.webp 800w">'
        '<img class="x" src="/m/a-800.jpg" srcset="/m/a-400.jpg 400w" alt=""></picture><img src="/s/logo.png" alt="">'
    )
    assert lighthouse.picture_urls(html) == [
        "/m/a-400.webp",
        "/m/a-800.webp",
        "/m/a-800.jpg",
        "/m/a-400.jpg",
        "/s/logo.png",
    ]
    assert len(lighthouse.pictures(html)) == 2


def test_lighthouse_site_runs_as_production_with_its_own_files(tmp_path):
    env = lighthouse.site_environment(tmp_path, 8123)
    assert env["DEBUG"] == "0" and env["SERVE_MEDIA"] == "1" and len(env["SECRET_KEY"]) >= 50
    assert env["BIND"] == "127.0.0.1:8123" and env["CACHE_URL"] == "locmem://"
    for name in ("DATABASE_URL", "MEDIA_ROOT", "STATIC_ROOT"):
        assert str(tmp_path) in env[name]


def test_a_failed_lighthouse_run_is_run_again_but_not_forever(monkeypatch):
    calls = []

    def flaky(url, keep):
        calls.append(url)
        if len(calls) < 3:
            raise subprocess.CalledProcessError(1, ["lighthouse"])
        return {"ok": True}

    monkeypatch.setattr(lighthouse, "lighthouse_run", flaky)
    assert lighthouse.lighthouse("http://x/", attempts=3) == {"ok": True}
    calls.clear()
    with pytest.raises(subprocess.CalledProcessError):
        lighthouse.lighthouse("http://x/", attempts=2)
    assert len(calls) == 2


def test_a_deep_page_the_baseline_lacks_is_compared_with_its_first_page():
    from benchmarks.archive_pages import _first_page

    names = ["section, page 1", "section, page 50", "most-used tag", "most-used tag, page 50", "home"]
    assert _first_page("section, page 50", names) == "section, page 1"
    assert _first_page("most-used tag, page 50", names) == "most-used tag"
    assert _first_page("section, page 1", names) is None
    assert _first_page("home", names) is None


def test_query_timer_counts_the_queries_and_their_time(seed_story):
    from django.db import connection

    from articles.models import Article
    from benchmarks.harness import QueryTimer

    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        assert Article.objects.count() == 1
        list(Article.objects.all())
    assert timer.count == 2
    assert 0 < timer.seconds < 10
