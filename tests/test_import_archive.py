"""benchmarks/build_archive.py's copy step: a copied story is a whole story of its own (PostgreSQL only)."""

import datetime

import pytest
from django.db import connection

from articles.models import Article, Byline, RichText, TaggedArticle
from benchmarks.build_archive import copied_models, copy_sql
from benchmarks.generate_stories import generate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the copy step is PostgreSQL SQL"),
]


def test_a_copy_has_new_ids_slugs_uids_and_older_times_and_the_last_copy_can_be_partial():
    with connection.cursor() as cursor:
        # A column a migration added by SQL (as the search document is): no model field, copied as it is.
        cursor.execute("ALTER TABLE articles_article ADD COLUMN test_note text")
    pks = generate(6, seed=3, batch_size=6, progress=False, index=False)
    last = max(pks)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET test_note = 'note ' || slug")
        for sql in (copy_sql(model, connection) for model in copied_models()):
            cursor.execute(sql, {"i": 1, "offset": last, "days": 10, "cutoff": pks[3]})
    assert Article.objects.count() == 10
    for pk in pks[:4]:
        original, copy = Article.objects.get(pk=pk), Article.objects.get(pk=pk + last)
        assert copy.slug == f"{original.slug}-c1"
        assert copy.headline == original.headline
        assert copy.preview_key != original.preview_key
        if original.published_at:
            assert original.published_at - copy.published_at == datetime.timedelta(days=10)
        assert list(copy.bylines.values_list("author", "role")) == list(original.bylines.values_list("author", "role"))
        assert sorted(copy.tags.names()) == sorted(original.tags.names())
        texts = list(RichText.objects.filter(parent=copy).order_by("ordering").values_list("text", "ordering"))
        assert texts == list(
            RichText.objects.filter(parent=original).order_by("ordering").values_list("text", "ordering")
        )
        uids = set(RichText.objects.filter(parent=copy).values_list("uid", flat=True))
        assert not uids & set(RichText.objects.filter(parent=original).values_list("uid", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT test_note FROM articles_article WHERE id = %s", [pks[0] + last])
        assert cursor.fetchone()[0] == "note " + Article.objects.get(pk=pks[0]).slug
    assert not Byline.objects.filter(article_id__gt=pks[3] + last).exists()
    assert not TaggedArticle.objects.filter(content_object_id__gt=pks[3] + last).exists()
