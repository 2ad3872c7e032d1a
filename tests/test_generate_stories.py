"""The benchmark's story generator makes stories of the promised shape (not a benchmark)."""

import pytest

from articles.models import Article, ContentVersion, RichText
from benchmarks.generate_stories import generate

pytestmark = pytest.mark.django_db


def test_generated_stories_have_a_newsroom_shape():
    before = ContentVersion.objects.get().token
    assert generate(12, seed=7, batch_size=5, progress=False) == 12
    stories = Article.objects.prefetch_related("bylines", "tags")
    assert stories.count() == 12
    for story in stories:
        assert 1 <= len(story.bylines.all()) <= 5
        assert 3 <= len(story.tags.all()) <= 10
        assert 5 <= RichText.objects.filter(parent=story).count() <= 15
    assert ContentVersion.objects.get().token != before
