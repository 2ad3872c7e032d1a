"""The app's signals, and the handlers that keep the content version current.

Declared here, connected in ``ArticlesConfig.ready()`` by :func:`connect`.

``content_changed`` is sent once the content version (``ContentVersion``)
has moved on and the change is committed, e.g. for a project that wants to
purge a CDN: a purge sent before the commit could be refilled with the old
page, and a change rolled back (such as the revert form's preview of a
revision) is never announced. Receivers get ``using`` (the database alias).

Every ``post_save``, ``post_delete`` and ``m2m_changed`` of a model in the
``articles`` app (stories, bylines, authors, sections, body blocks, widgets
and their events and facts, corrections, tags on stories) and of taggit's
``Tag`` replaces the version's token. Reader pages compare that token
(``articles.http``), so an edit anywhere shows on every page at once.

Not caught, because Django sends no signal for them: ``QuerySet.update()``,
``bulk_create()``, ``QuerySet.delete()`` of related rows without cascading
signals, and raw SQL. Code that writes that way calls
:func:`mark_content_changed` itself, as ``articles.locking.save_if_unchanged``
(the admin's bulk actions) does; otherwise the page cache timeout and
``max-age`` bound how long readers see the old page. A story withdrawn that
way still disappears from its own page at once (``articles.http`` reads the
story through ``Article.objects.published()`` on every request).

One more receiver: raw saves of ``Article`` (``loaddata``, revision restores)
go past ``Article.save()``, so a ``pre_save`` receiver applies its preview-key
rule to them (``Article.settle_preview_key``).
"""

import contextlib
import contextvars
import uuid

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save
from django.dispatch import Signal
from django.utils import timezone

content_changed = Signal()

# Inside batched_changes(): how many batches are open (imports bump once, at the end).
_batch_depth = contextvars.ContextVar("articles_batch_depth", default=0)


def mark_content_changed(using=None):
    """Give readers' pages a new content version (one UPDATE)."""
    from articles.models import ContentVersion

    using = using or router.db_for_write(ContentVersion)
    values = {"token": uuid.uuid4(), "changed_at": timezone.now()}
    if not ContentVersion.objects.using(using).filter(pk=ContentVersion.SINGLETON).update(**values):
        # The row is missing (a flushed test database): create it.
        ContentVersion.objects.using(using).update_or_create(pk=ContentVersion.SINGLETON, defaults=values)
    transaction.on_commit(lambda: content_changed.send(sender=ContentVersion, using=using), using=using)


@contextlib.contextmanager
def batched_changes(using=None):
    """Change the content version once for a whole batch of writes.

    For imports and generators that save thousands of rows: without it every
    save would rewrite the version row.
    """
    token = _batch_depth.set(_batch_depth.get() + 1)
    try:
        yield
    finally:
        _batch_depth.reset(token)
        if not _batch_depth.get():
            mark_content_changed(using)


def _on_change(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed fires before and after; the "post_" half is enough
    if _batch_depth.get():
        return
    mark_content_changed(using)


def _ensure_version_row(using=DEFAULT_DB_ALIAS, **kwargs):
    """After migrate (and after a test flush, which re-sends post_migrate)."""
    from articles.models import ContentVersion

    if router.allow_migrate_model(using, ContentVersion):
        ContentVersion.objects.using(using).get_or_create(pk=ContentVersion.SINGLETON)


def _settle_preview_key_of_raw_save(sender, instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    """``loaddata`` and revision restores save raw, past ``Article.save()``: apply its key rule.

    Without it a reload or a restore would give the story a new key (its
    deserialised copy has the field's default), revoking its links by surprise.
    """
    if raw:
        instance.settle_preview_key(using=using)


def watched_models():
    """The models whose rows readers see, directly or on another story's page."""
    from articles.models import ContentVersion

    models = [model for model in apps.get_app_config("articles").get_models() if model is not ContentVersion]
    if apps.is_installed("taggit"):
        models.append(apps.get_model("taggit", "Tag"))
    return models


def connect(app_config):
    from articles.models import Article

    for model in watched_models():
        uid = f"articles.content_version.{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"{uid}.{field.name}")
    pre_save.connect(
        _settle_preview_key_of_raw_save,
        sender=Article,
        dispatch_uid="articles.preview_key.raw_save",
    )
    post_migrate.connect(_ensure_version_row, sender=app_config, dispatch_uid="articles.content_version.row")
