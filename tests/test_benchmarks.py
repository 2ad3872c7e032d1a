"""The realistic-day benchmark's parts do what its figures claim (not a benchmark: nothing is timed)."""

import collections
import random

import pytest
from reversion.models import Version

from articles.models import RichText
from benchmarks.harness import PageCacheLog
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
