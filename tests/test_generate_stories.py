"""The benchmark's story generator makes stories of the promised shape (not a benchmark)."""

import pytest

from articles.models import Article, DeliveryKey, RichText
from benchmarks.generate_stories import generate

pytestmark = pytest.mark.django_db


def test_generated_stories_have_a_newsroom_shape():
    before = set(DeliveryKey.objects.values_list("key", "version"))
    assert generate(12, seed=7, batch_size=5, progress=False) == 12
    stories = Article.objects.prefetch_related("bylines", "tags")
    assert stories.count() == 12
    for story in stories:
        assert 1 <= len(story.bylines.all()) <= 5
        assert 3 <= len(story.tags.all()) <= 10
        assert 5 <= RichText.objects.filter(parent=story).count() <= 15
    # One announcement at the end renewed the lists and the stories' keys.
    after = set(DeliveryKey.objects.values_list("key", "version"))
    assert {"list-home", "stories"} <= {key for key, _ in after - before}
