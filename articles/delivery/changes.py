"""A committed change → the keys it touches → new key versions, fresh renders, edge purges.

Receivers of ``post_save``, ``post_delete`` and ``m2m_changed`` (connected in
``ArticlesConfig.ready()`` through ``articles.signals.connect``) work out
which keys a write touches (:func:`keys_for_change`) and :func:`announce`
them. Announced keys are gathered per database connection and transaction,
and applied once, after the commit (:func:`apply`):

1. the stored story renders that show a touched key are marked stale and,
   up to ``ARTICLES_RENDER_AT_SAVE`` of them, rendered again at once
   (``articles.delivery.story_render``); the rest render on their next read;
   the story sitemap's month summary (``articles.syndication.parts``) and the
   search documents of the changed stories (``articles.search``) catch up;
2. each key gets a new version (one UPDATE, plus an INSERT for keys never
   seen before), so every page cache entry showing it is stale in every
   process at once (``articles.delivery.page_cache``);
3. the keys are purged at the edge (``articles.delivery.purging``);
4. ``articles.signals.content_changed`` is sent.

Why after the commit: before it, other connections cannot see the change,
so a page rendered in between would be stored as fresh with the old
content; a rolled-back change is never announced; and the key rows are
locked only for one short statement, not for an editor's whole transaction
(two editors saving at once would otherwise queue on ``list-home``). The
page cache refuses to store a page rendered while one of its keys changed
(``page_cache``), which closes the window between commit and :func:`apply`.
If the process dies in that window, readers see the old page until the page
cache timeout and the edge's ``Surrogate-Control`` max-age end.

Writes that send no signal — ``QuerySet.update()`` (except on stories,
whose queryset announces what it touched), ``bulk_create()``, raw SQL —
announce what they touched themselves, the one documented way::

    from articles.delivery.changes import announce, story_keys
    announce(*story_keys(pks))           # stories written in bulk
    announce(keys.author(author.pk))     # anything else by its key
    announce()                           # no idea: everything (key "site")
"""

import contextvars
import logging

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from articles.delivery import keys

logger = logging.getLogger(__name__)

_PENDING = "_articles_delivery_pending"


def announce(*changed, using=None):
    """Renew ``changed`` keys once the current transaction commits (at once outside one).

    With no keys, renews ``site``, which every reader page carries.
    """
    from articles.models import DeliveryKey

    using = using or router.db_for_write(DeliveryKey)
    changed = set(changed) or {keys.SITE}
    batch = (_batches.get() or {}).get(using)
    if batch is not None:
        batch.update(changed)
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        _apply_logged(changed, using)
        return
    pending = connection.__dict__.get(_PENDING)
    # A rollback drops the registered callback with the transaction: start a new collection then.
    if pending is None or not any(func is pending[1] for _, func, _ in connection.run_on_commit):
        collected = set(changed)

        def on_commit():
            connection.__dict__.pop(_PENDING, None)
            apply(collected, using)

        connection.__dict__[_PENDING] = (collected, on_commit)
        # robust: the change is committed; a failure here is logged, never raised at the editor.
        transaction.on_commit(on_commit, using=using, robust=True)
        return
    pending[0].update(changed)


# Per thread and task, not per process: another request's changes must not
# wait for the end of an import running beside it.
_batches = contextvars.ContextVar("articles_delivery_batches", default=None)


class batched:
    """Gather every change inside the block and announce them once at its end (imports, generators)."""

    def __init__(self, using=None):
        self.using = using

    def __enter__(self):
        from articles.models import DeliveryKey

        self.using = self.using or router.db_for_write(DeliveryKey)
        open_batches = _batches.get() or {}
        self.outer = self.using not in open_batches
        if self.outer:
            self.token = _batches.set({**open_batches, self.using: set()})
        return self

    def __exit__(self, *exc):
        if self.outer:
            gathered = _batches.get()[self.using]
            _batches.reset(self.token)
            # Nothing gathered: the batch wrote past the signals (bulk_create), so
            # no one knows what it touched; renew everything rather than nothing.
            announce(*gathered, using=self.using)


def _apply_logged(changed, using):
    try:
        apply(changed, using)
    except Exception:  # the write itself succeeded; a stale cache must not turn it into an error
        logger.exception("Could not renew the delivery keys %s; pages may stay stale until they expire.", changed)


def renew(changed, using=DEFAULT_DB_ALIAS):
    """New versions for ``changed`` keys: one UPDATE, and an INSERT for keys seen the first time."""
    import uuid

    from articles.models import DeliveryKey

    now = timezone.now()
    changed = sorted(changed)
    rows = DeliveryKey.objects.using(using)
    updated = rows.filter(key__in=changed).update(version=uuid.uuid4(), changed_at=now)
    if updated < len(changed):
        known = set(rows.filter(key__in=changed).values_list("key", flat=True))
        rows.bulk_create(
            [DeliveryKey(key=key, changed_at=now) for key in changed if key not in known], ignore_conflicts=True
        )


def apply(changed, using=DEFAULT_DB_ALIAS):
    """Renew the keys, refresh the stored renders that show them, purge the edge, tell receivers."""
    from articles import search
    from articles.delivery import purging, story_render
    from articles.signals import content_changed
    from articles.syndication import parts

    if not changed:
        return
    # Renders first: once a key has its new version, a request that reads it
    # must find the render that shows the key already stale (or fresh again),
    # never the old one marked fresh, or it would store the old page as new.
    story_render.refresh(changed, using)
    # The sitemap index's month summary likewise, before the keys its page shows move.
    parts.refresh(changed, using)
    # And the search documents: a search page rendered once the keys move must find the change.
    search.reindex_changed(keys=changed, using=using)
    renew(changed, using)
    purging.purge(changed, using=using)
    content_changed.send(sender=apply, keys=frozenset(changed), using=using)


# -- What a change touches -------------------------------------------------------------


def story_keys(pks, using=None):
    """Every key a change of these stories can touch: each story, and every list it is or was in."""
    from articles.models import Article, Byline, TaggedArticle

    pks = list(pks)
    if not pks:
        return set()
    stories = Article._base_manager.using(using).filter(pk__in=pks).values_list("section_id", "published_at")
    tagged = TaggedArticle.objects.using(using).filter(content_object__in=pks)
    bylines = Byline.objects.using(using).filter(article__in=pks)
    found = list_keys(
        stories=stories,
        tag_ids=tagged.values_list("tag_id", flat=True),
        author_ids=bylines.values_list("author_id", flat=True),
    )
    found.update(keys.article(pk) for pk in pks)
    return found


def list_keys(stories, tag_ids, author_ids):
    """The lists that stories are in: ``stories`` as ``(section_id, published_at)``, and their tags' and authors' ids.

    Every story is in the home list and the stories' sitemap.
    """
    found = {keys.STORIES, keys.LIST_HOME}
    for section_id, published_at in stories:
        found.add(keys.list_section(section_id))
        if published_at is not None:
            # The month's story sitemap part (articles.syndication).
            found.add(keys.stories_month(published_at))
    found.update(keys.list_tag(pk) for pk in tag_ids)
    found.update(keys.list_author(pk) for pk in author_ids)
    return found


# Article fields whose change moves a story into, out of or within a list.
_LISTED_BY = ("status", "published_at", "section_id", "slug")


# Statuses of stories readers see or saw: a change of any other story (a
# draft, one in review) changes no list and no page but its preview.
_IN_PRINT = ("published", "unpublished")


def _article_keys(instance, created, raw, using):
    stored = instance.__dict__.pop("_stored_before_save", None)
    found = {keys.article(instance.pk)}
    if instance.status not in _IN_PRINT and (stored is None or stored["status"] not in _IN_PRINT):
        return found
    found.add(keys.STORIES)
    # The story sitemap part of its month, and of the month it left when re-dated:
    # any save moves updated_at, which the part shows (articles.syndication).
    for published_at in (instance.published_at, stored and stored["published_at"]):
        if published_at is not None:
            found.add(keys.stories_month(published_at))
    moved = created or raw or stored is None or any(stored[name] != getattr(instance, name) for name in _LISTED_BY)
    if moved:
        # The rows as they are now, and the story's own section: a deleted story's
        # row is gone by the time its post_delete comes (its tags and bylines
        # announce their lists as they are deleted).
        found |= story_keys([instance.pk], using)
        found.add(keys.list_section(instance.section_id))
        if stored is not None:
            found.add(keys.list_section(stored["section_id"]))
    return found


def keys_for_change(sender, instance, *, created=False, raw=False, using=DEFAULT_DB_ALIAS):
    """The keys a saved or deleted ``instance`` of ``sender`` touches (empty for models readers never see)."""
    from articles import widgets
    from articles.models import (
        Article,
        ArticlePlugin,
        Author,
        Byline,
        Correction,
        Image,
        ImageBlock,
        Section,
        SlugRedirect,
        TaggedArticle,
    )

    if sender is Article:
        return _article_keys(instance, created, raw, using)
    if issubclass(sender, ArticlePlugin):
        return {keys.article(instance.parent_id), keys.STORIES}
    if sender in (Correction, SlugRedirect):
        return {keys.article(instance.article_id), keys.STORIES}
    if sender is Byline:
        found = {keys.article(instance.article_id), keys.list_author(instance.author_id), keys.STORIES}
        return found | _left_list(sender, instance)
    if sender is TaggedArticle:
        found = {keys.article(instance.content_object_id), keys.list_tag(instance.tag_id), keys.STORIES}
        return found | _left_list(sender, instance)
    if sender is Image:
        # Every page drawing it carries its key ({% picture %}). The stories
        # whose image blocks show it are named too: their search documents
        # hold the caption (articles.search), which may be the library's.
        blocks = ImageBlock.objects.using(using).filter(image=instance.pk)
        return {keys.image(instance.pk)} | {keys.article(pk) for pk in blocks.values_list("parent_id", flat=True)}
    if sender is Author:
        return {keys.author(instance.pk), keys.AUTHORS}
    if sender is Section:
        return {keys.section(instance.pk), keys.SECTIONS}
    if sender._meta.label_lower == "taggit.tag":
        return {keys.tag(instance.pk), keys.TAGS}
    for kind in widgets.kinds():
        if sender is kind.model:
            return {keys.widget(instance)}
        for name in kind.related:
            relation = kind.model._meta.get_field(name)
            if sender is relation.related_model:
                return {keys.widget_of(kind.model, getattr(instance, relation.field.attname))}
    return set()


def _on_save(sender, instance, created=False, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    changed = keys_for_change(sender, instance, created=created, raw=raw, using=using)
    if changed:
        announce(*changed, using=using)


def _on_delete(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    _on_save(sender, instance, created=True, using=using)


def _on_tags_changed(sender, instance, action, pk_set=None, using=DEFAULT_DB_ALIAS, model=None, **kwargs):
    """``story.tags.add/remove/set/clear``: the story and the lists of the tags it gained or lost."""
    from articles.models import Article, TaggedArticle

    if not isinstance(instance, Article):
        return  # tag.articles.add(story): taggit names the tag; announce its stories
    if action == "pre_clear":
        tagged = TaggedArticle.objects.using(using).filter(content_object=instance)
        instance.__dict__["_tags_before_clear"] = list(tagged.values_list("tag_id", flat=True))
        return
    if not action.startswith("post_"):
        return
    tag_pks = pk_set if pk_set is not None else instance.__dict__.pop("_tags_before_clear", [])
    announce(keys.article(instance.pk), keys.STORIES, *(keys.list_tag(pk) for pk in tag_pks), using=using)


# A row that moves to another story list's owner leaves that list: remember the owner it had.
_MOVABLE = {"articles.byline": ("author_id", keys.list_author), "articles.taggedarticle": ("tag_id", keys.list_tag)}


def _remember_list_owner(sender, instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    """A byline given to another author, a story tag merged into another tag: the first one's list changes too."""
    field, _ = _MOVABLE[sender._meta.label_lower]
    if instance.pk is not None and not raw:
        before = sender._base_manager.using(using).filter(pk=instance.pk).values_list(field, flat=True).first()
        if before is not None and before != getattr(instance, field):
            instance.__dict__["_list_owner_before_save"] = before


def _left_list(sender, instance):
    before = instance.__dict__.pop("_list_owner_before_save", None)
    return set() if before is None else {_MOVABLE[sender._meta.label_lower][1](before)}


def watched_models():
    """The models whose rows readers see, directly or on another story's page."""
    from articles.models import DeliveryKey, RenderDependency, SitemapPart, StoryRender

    # Delivery's own bookkeeping, and the sitemap summary (written after a change, not one itself).
    own = (DeliveryKey, StoryRender, RenderDependency, SitemapPart)
    models = [model for model in apps.get_app_config("articles").get_models() if model not in own]
    if apps.is_installed("taggit"):
        models.append(apps.get_model("taggit", "Tag"))
    return models


def connect():
    from articles.models import Article, Byline, TaggedArticle

    for model in watched_models():
        uid = f"articles.delivery.{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_delete, sender=model, dispatch_uid=uid)
    m2m_changed.connect(_on_tags_changed, sender=Article.tags.through, dispatch_uid="articles.delivery.tags")
    for model in (Byline, TaggedArticle):
        uid = f"articles.delivery.list_owner.{model._meta.label_lower}"
        pre_save.connect(_remember_list_owner, sender=model, dispatch_uid=uid)
