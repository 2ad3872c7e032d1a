"""The app's signals, and where their receivers are connected.

Declared here, connected in ``ArticlesConfig.ready()`` by :func:`connect`.

``content_changed`` is sent after a committed change has renewed the keys
it touched (``articles.delivery.changes``), with ``keys`` (a frozenset of
key names such as ``article-42`` or ``list-home``) and ``using`` (the
database alias): for a project that wants to do more on a change than the
configured edge purgers do. It is never sent for a rolled-back change.

Receivers of ``post_save``, ``post_delete`` and ``m2m_changed`` of the
newsroom's models work out the keys each write touches; see
``articles.delivery.changes`` for those, and for writes that send no signal
(:func:`mark_content_changed`, :func:`batched_changes`).

Two more receivers for raw saves (``loaddata``, revision restores), which go
past ``save()``: one applies ``Article``'s preview-key rule
(``Article.settle_preview_key``); one brings the file an ``Image`` row names
into media storage from the fixture's ``media/`` folder, once, and fills its
content hash (``articles.images.library.settle_fixture_file``), before
django-imagefield's ``post_save`` makes its renditions.
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate, pre_save
from django.dispatch import Signal

content_changed = Signal()


def mark_content_changed(*keys, using=None):
    """Announce a write that sent no signal: the keys it touched, or with none, everything."""
    from articles.delivery.changes import announce

    announce(*keys, using=using)


def batched_changes(using=None):
    """Announce a whole batch of writes once, at its end (imports and generators).

    Without it every save would renew its keys and refresh renders one by one.
    """
    from articles.delivery.changes import batched

    return batched(using)


def _settle_preview_key_of_raw_save(sender, instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    """``loaddata`` and revision restores save raw, past ``Article.save()``: apply its key rule.

    Without it a reload or a restore would give the story a new key (its
    deserialised copy has the field's default), revoking its links by surprise.
    """
    if raw:
        instance.settle_preview_key(using=using)


def _settle_file_of_raw_image_save(sender, instance, raw=False, **kwargs):
    """A fixture names its picture by path; the file ships beside it, not in media storage (yet).

    A receiver rather than a command of its own: ``loaddata`` of the site's
    fixtures stays the one step, and its transaction covers the row.
    """
    if raw:
        from articles.images.library import settle_fixture_file

        settle_fixture_file(instance)


def connect(app_config):
    from articles.delivery import changes
    from articles.models import Article, Image, in_print

    changes.connect()
    # A migration that rebuilds a table on SQLite drops its triggers: put back the copies' triggers.
    post_migrate.connect(in_print.ensure, sender=app_config, dispatch_uid="articles.in_print.ensure")
    pre_save.connect(
        _settle_preview_key_of_raw_save,
        sender=Article,
        dispatch_uid="articles.preview_key.raw_save",
    )
    pre_save.connect(
        _settle_file_of_raw_image_save,
        sender=Image,
        dispatch_uid="articles.images.fixture_file.raw_save",
    )
