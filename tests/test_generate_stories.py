"""The benchmark's story generator makes stories of the promised shape (not a benchmark)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import search
from articles.models import Article, DeliveryKey, ProfileBlock, PullQuote, RichText, TimelineBlock
from benchmarks.generate_stories import generate

pytestmark = pytest.mark.django_db


def test_generated_stories_have_a_newsroom_shape():
    before = set(DeliveryKey.objects.values_list("key", "version"))
    pks = generate(12, seed=7, batch_size=5, progress=False)
    assert len(pks) == 12
    stories = Article.objects.prefetch_related("bylines", "tags")
    assert stories.count() == 12
    for story in stories:
        assert 1 <= len(story.bylines.all()) <= 5
        assert 3 <= len(story.tags.all()) <= 10
        paragraphs = sum(len(re.findall("<p>", block.text)) for block in RichText.objects.filter(parent=story))
        assert 5 <= paragraphs <= 15
        orderings = [
            block.ordering
            for model in (RichText, PullQuote, TimelineBlock, ProfileBlock)
            for block in model.objects.filter(parent=story)
        ]
        assert len(orderings) == len(set(orderings)), "two blocks in one place"
    # Each story was indexed for search: the longest word of its headline finds it.
    for story in stories:
        word = max(re.findall(r"[A-Za-z]+", story.headline), key=len)
        assert search.text_search(word).filter(Article.objects.filter(pk=story.pk)).exists(), word
    # And announced: the lists the stories joined renewed.
    after = set(DeliveryKey.objects.values_list("key", "version"))
    renewed = {key for key, _ in after - before}
    assert {"list-home", "stories"} <= renewed
    # A new story's own key shows on no page yet: not renewed (articles.importing.run.new_story_keys).
    assert not any(key.startswith("article-") for key in renewed)


def test_the_writes_per_batch_do_not_grow_with_the_batch(monkeypatch):
    from articles.delivery import changes

    # The batch's own statements: what applying its keys costs after the commit
    # depends on which lists and months the random stories fall in, not on how many.
    applied = []
    monkeypatch.setattr(changes, "apply", lambda changed, using=None: applied.append(changed))
    generate(2, seed=1, progress=False)  # the pools
    with CaptureQueriesContext(connection) as small:
        generate(3, seed=1, batch_size=3, progress=False)
    with CaptureQueriesContext(connection) as big:
        generate(30, seed=1, batch_size=30, progress=False)
    assert len(big) == len(small)
    assert applied
