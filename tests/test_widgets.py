import pytest
from django.db import models
from django.db.models import ProtectedError
from django.test.utils import isolate_apps

from articles import checks, widgets
from articles.models import Profile, Timeline
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("block_factory", "model"),
    [(factories.TimelineBlockFactory, Timeline), (factories.ProfileBlockFactory, Profile)],
)
def test_a_widget_in_use_cannot_be_deleted(block_factory, model):
    block = block_factory()
    with pytest.raises(ProtectedError):
        block.widget.delete()
    assert model.objects.filter(pk=block.widget.pk).exists()


def test_an_unused_widget_can_be_deleted():
    timeline = factories.TimelineFactory()
    factories.TimelineEventFactory(timeline=timeline)
    timeline.delete()
    assert not Timeline.objects.exists()


def test_a_widget_placed_twice_renders_twice(client):
    article = factories.ArticleFactory()
    timeline = factories.TimelineFactory(title="Shared timeline")
    factories.TimelineEventFactory(timeline=timeline, title="Only event")
    factories.TimelineBlockFactory(parent=article, widget=timeline, ordering=10)
    factories.RichTextFactory(parent=article, ordering=20)
    factories.TimelineBlockFactory(parent=article, widget=timeline, ordering=30)
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count("Only event") == 2


def test_registered_kinds_pass_the_checks():
    assert checks.check_widget_kinds(None) == []
    assert {kind.model for kind in widgets.kinds()} >= {Timeline, Profile}


@isolate_apps("articles")
def test_a_misconfigured_kind_is_reported_as_E001(monkeypatch):
    class Broken(models.Model):
        class Meta:
            app_label = "articles"

    class BrokenBlock(models.Model):
        class Meta:
            app_label = "articles"

    monkeypatch.setattr(widgets, "_kinds", dict(widgets._kinds))
    widgets.register(Broken, BrokenBlock)
    errors = [e for e in checks.check_widget_kinds(None) if "broken" in e.msg]
    assert {e.id for e in errors} == {"articles.E001"}
    messages = " ".join(e.msg for e in errors)
    assert "no 'widget' field" in messages
    assert "ModelAdmin" in messages
    assert "does not exist" in messages
