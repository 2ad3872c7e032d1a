"""Restoring a revision: the content comes back, the publication state stays.

A revision (``articles.revisions``) holds the whole story, its status,
publication time and slug included. Putting those back with the content
took live stories offline: an older revision of a published story is often
"in review" with no publication time, so its old and new addresses both
answered 404. A restore therefore brings back the content — headline,
kicker, standfirst, body blocks (widget placements among them), bylines,
tags and the other content fields — and keeps the publication state the
story has now. An editor who wants the revision's publication state too
asks for it on the restore form; it is then applied as an ordinary edit,
through the workflow rules and ``Article.save()`` (which keeps old
addresses redirecting).

Corrections and updates are in every revision, for the record and for
comparing revisions, but a restore never adds, removes or rewrites one: a
correction is a public statement about the story, made at its date, and
going back to older content does not withdraw it (an old revision that
brings back the error the correction was about makes the correction more
relevant, not less). Those published since the revision stay; those
deleted since stay deleted; their wording is today's.

The admin side is ``articles.admin_revisions``.
"""

import contextlib
import contextvars
import dataclasses
import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.deletion import Collector
from django.db.models.signals import pre_save
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from reversion.models import Revision
from taggit.models import Tag

from articles import dates, revisions, workflow
from articles.models import Article, Byline, Correction, TaggedArticle

PUBLICATION_FIELDS = ("status", "published_at", "slug")
PUBLICATION_CHOICE_LABEL = gettext_lazy("Also restore the publication state (status, time, address) of this revision")
# Who saved the story when. The stale-save check (articles.locking) compares
# updated_at with the token on the form, so the row must keep the current
# value through a restore, not the revision's.
BOOKKEEPING_FIELDS = (
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    # The latest hand-over for review (articles.workflow): the queue's, not the content's.
    "review_requested_by",
    "review_requested_at",
    "review_note",
)
# In every revision, left as they are by a restore: a public record (see above).
KEPT_BY_RESTORE = (Correction,)


def _when(moment):
    return dates.day_time(moment)


def _quoted(text):
    # Each language quotes its own way: “…”, „…“, « … ».
    if not text:
        return _("nothing")
    return pgettext("a quoted field value", "“%(text)s”") % {"text": Truncator(text).chars(80)}


# --- what a story holds -------------------------------------------------------


def content_fields():
    """The story's own fields a restore brings back (not publication, not bookkeeping)."""
    return [
        field
        for field in Article._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in PUBLICATION_FIELDS
    ]


@dataclasses.dataclass(frozen=True)
class StoryContent:
    """A story's content as stored, in comparable form."""

    fields: dict  # name -> (comparable value, text for the editor)
    blocks: dict  # (block model label, pk) -> its stored values
    bylines: tuple
    tags: frozenset

    @classmethod
    def read(cls, article_pk, using=None):
        """One query for the story, bylines and tags each, and one per block type (not per block)."""
        fields = content_fields()
        related = [field.name for field in fields if field.is_relation]
        article = Article._base_manager.db_manager(using).select_related(*related).get(pk=article_pk)
        values = {}
        for field in fields:
            if field.is_relation:
                text = str(getattr(article, field.name) or "")
            elif field.choices:
                text = str(getattr(article, f"get_{field.name}_display")())
            else:
                text = field.value_to_string(article)
            values[field.name] = (field.value_to_string(article), text)
        blocks = {}
        for model in revisions.block_models():
            for row in model._base_manager.db_manager(using).filter(parent_id=article_pk).values():
                key = (model._meta.label, row.pop("id"))
                row.pop("parent_id")
                blocks[key] = row
        bylines = Byline.objects.db_manager(using).filter(article_id=article_pk).select_related("author")
        tags = TaggedArticle.objects.db_manager(using).filter(content_object_id=article_pk)
        return cls(
            fields=values,
            blocks=blocks,
            bylines=tuple(str(byline) for byline in bylines.order_by("position", "pk")),
            tags=frozenset(tags.values_list("tag__name", flat=True)),
        )

    def changes(self, other):
        """What going from this content to ``other`` changes: ``[(name, detail)]``, in form order."""
        changes = []
        for field in content_fields():
            (old, old_text), (new, new_text) = self.fields[field.name], other.fields[field.name]
            if old != new:
                detail = _("from %(old)s to %(new)s") % {"old": _quoted(old_text), "new": _quoted(new_text)}
                changes.append((str(field.verbose_name), detail))
        if self.blocks != other.blocks:
            before, after = len(self.blocks), len(other.blocks)
            detail = ngettext("%(before)d block → %(after)d", "%(before)d blocks → %(after)d", before) % {
                "before": before,
                "after": after,
            }
            edited = sum(1 for key, row in other.blocks.items() if key in self.blocks and self.blocks[key] != row)
            if edited:
                detail += "; " + ngettext("%(count)d edited or moved", "%(count)d edited or moved", edited) % {
                    "count": edited
                }
            changes.append((_("body"), detail))
        if self.bylines != other.bylines:
            detail = _("from %(old)s to %(new)s") % {
                "old": "; ".join(self.bylines) or _("none"),
                "new": "; ".join(other.bylines) or _("none"),
            }
            changes.append((_("bylines"), detail))
        if self.tags != other.tags:
            added = [f"+{name}" for name in sorted(other.tags - self.tags, key=str.lower)]
            removed = [f"\N{MINUS SIGN}{name}" for name in sorted(self.tags - other.tags, key=str.lower)]
            changes.append((_("tags"), ", ".join(added + removed)))
        return changes


@dataclasses.dataclass(frozen=True)
class PublicationState:
    """Where and whether readers find a story: status, publication time, slug."""

    status: str
    published_at: datetime.datetime | None
    slug: str
    created_at: datetime.datetime  # dates the address of a story never published

    @classmethod
    def of(cls, article):
        return cls(article.status, article.published_at, article.slug, article.created_at)

    def _story(self):
        return Article(status=self.status, published_at=self.published_at, slug=self.slug, created_at=self.created_at)

    @property
    def status_text(self):
        return str(self._story().get_public_status_display())

    @property
    def time_text(self):
        return _when(self.published_at) if self.published_at else _("none")

    @property
    def address(self):
        return self._story().get_absolute_url()

    @property
    def is_live(self):
        return self._story().is_visible

    def describe(self):
        return _("status %(status)s, publication time %(time)s, address %(address)s") % {
            "status": self.status_text,
            "time": self.time_text,
            "address": self.address,
        }

    def changes_to(self, other):
        """``["status published → in review", …]`` for what differs."""
        changes = []
        if self.status_text != other.status_text:
            changes.append(_("status %(old)s → %(new)s") % {"old": self.status_text, "new": other.status_text})
        if self.published_at != other.published_at:
            changes.append(_("publication time %(old)s → %(new)s") % {"old": self.time_text, "new": other.time_text})
        if self.address != other.address:
            changes.append(_("address %(old)s → %(new)s") % {"old": self.address, "new": other.address})
        return changes


# --- the restore ----------------------------------------------------------------

_reverting = contextvars.ContextVar("articles_reverting", default=None)


@contextlib.contextmanager
def _raw_saves_keep(article_pk, values):
    """Make reversion's raw save of the story write ``values`` instead of the revision's.

    Reversion writes each row of a revision with a raw save that skips
    ``Article.save()``. Patching the instance on its way in means the row
    never holds the revision's slug, not even inside the transaction (another
    story may have taken that address since, and the write would fail). The
    receiver acts only in this context, so other requests' saves are untouched.
    """
    marker = object()

    def keep(sender, instance, raw=False, **kwargs):
        if raw and _reverting.get() is marker and instance.pk == article_pk:
            for attname, value in values.items():
                setattr(instance, attname, value)

    token = _reverting.set(marker)
    pre_save.connect(keep, sender=Article, weak=False)
    try:
        yield
    finally:
        pre_save.disconnect(keep, sender=Article)
        _reverting.reset(token)


class _RevisionWithout:
    """``revision`` minus some of its versions, for ``Revision.revert``.

    ``Revision.revert`` reads nothing of the revision but ``version_set``;
    handing it a narrower set is how a restore leaves out rows that can no
    longer be written back.
    """

    def __init__(self, revision, version_pks):
        self.version_set = revision.version_set.exclude(pk__in=version_pks)


def _versions_of_deleted_tags(revision, using=None):
    """The revision's tag rows whose tag has been deleted since.

    A tag only unreleased stories carry may be deleted (``TaggedArticle``'s
    ``on_delete``); revisions keep the tag by id, not by name, so such a row
    cannot come back. Written back anyway, it points at nothing: a 500, or a
    failed commit on PostgreSQL.
    """
    versions = [
        version for version in revision.version_set.all() if version.content_type.model_class() is TaggedArticle
    ]
    tag_ids = {version.field_dict["tag_id"] for version in versions}
    existing = set(Tag.objects.db_manager(using).filter(pk__in=tag_ids).values_list("pk", flat=True))
    return [version.pk for version in versions if version.field_dict["tag_id"] not in existing]


def _versions_kept_by_restore(revision):
    kept = {ContentType.objects.get_for_model(model).pk for model in KEPT_BY_RESTORE}
    return list(revision.version_set.filter(content_type__in=kept).values_list("pk", flat=True))


def _delete_parts_not_in(revision, article):
    """Delete the story's parts the revision does not hold, except those a restore keeps.

    What ``Revision.revert(delete=True)`` does, which would also delete
    every correction published since the revision. The article follows
    its parts one level deep (``articles.revisions``), so its followed
    relations are all there is to look at.
    """
    using = article._state.db
    in_revision = set(revision.version_set.values_list("content_type_id", "object_id"))
    collector = Collector(using=using)
    for name in revisions.article_follow():
        parts = getattr(article, name).all()
        if parts.model in KEPT_BY_RESTORE:
            continue
        content_type = ContentType.objects.db_manager(using).get_for_model(parts.model)
        gone = [part for part in parts if (content_type.pk, str(part.pk)) not in in_revision]
        if gone:
            collector.collect(gone)
    collector.delete()


def revert_content(revision, article, using=None):
    """Write ``revision`` back, keeping ``article``'s publication state, bookkeeping and corrections.

    Returns how many of the revision's tags were left out because they were deleted since.
    """
    attnames = [Article._meta.get_field(name).attname for name in PUBLICATION_FIELDS + BOOKKEEPING_FIELDS]
    kept = {attname: getattr(article, attname) for attname in attnames}
    deleted_tags = _versions_of_deleted_tags(revision, using)
    _delete_parts_not_in(revision, article)
    with _raw_saves_keep(article.pk, kept):
        Revision.revert(_RevisionWithout(revision, deleted_tags + _versions_kept_by_restore(revision)), delete=False)
    # Certain even if the receiver did not run: reversion mutes every model
    # signal, process-wide, while any request looks at an old revision.
    Article._base_manager.db_manager(using).filter(pk=article.pk).update(**kept)
    return len(deleted_tags)


class Restore:
    """One restore of a story to a revision, from the revert form to the message after saving.

    :meth:`begin` writes the revision's content back inside the caller's
    transaction (the admin rolls it back when it only shows the form);
    the story keeps its publication state unless :meth:`apply_publication`
    is asked for.
    """

    def __init__(self, version, article, user, content_before, content_after, deleted_tags=0, corrections=0):
        self.version = version
        self.deleted_tags = deleted_tags
        self.corrections = corrections  # the story's, which the restore keeps
        self.article_pk = article.pk
        self.user = user
        self.content_before = content_before
        self.publication_now = PublicationState.of(article)
        stored = version.field_dict
        self.publication_then = PublicationState(
            status=stored.get("status", article.status),
            published_at=stored.get("published_at", article.published_at),
            slug=stored.get("slug", article.slug),
            created_at=article.created_at,
        )
        # What the revert form shows, compared with the story as it is now.
        self.changes = content_before.changes(content_after)

    @classmethod
    def begin(cls, version, user):
        """Lock the story, note what it holds now and revert to ``version``'s revision.

        Returns ``None`` when the story no longer exists.
        """
        using = version.db
        article = Article._base_manager.using(using).select_for_update().filter(pk=version.object_id).first()
        if article is None:
            return None
        before = StoryContent.read(article.pk, using)
        corrections = Correction.objects.db_manager(using).filter(article=article).count()
        deleted_tags = revert_content(version.revision, article, using)
        after = StoryContent.read(article.pk, using)
        return cls(version, article, user, before, after, deleted_tags, corrections)

    @property
    def deleted_tags_text(self):
        if not self.deleted_tags:
            return ""
        return ngettext(
            "%(count)d tag of this revision has been deleted since and is left out.",
            "%(count)d tags of this revision have been deleted since and are left out.",
            self.deleted_tags,
        ) % {"count": self.deleted_tags}

    @property
    def revision_date(self):
        return _when(self.version.revision.date_created)

    @property
    def publication_differs(self):
        return self.publication_now.changes_to(self.publication_then) != []

    # --- the editor's choice: the revision's publication state too -----------

    def check_publication(self, article):
        """Raise ValidationError if the revision's publication state may not be restored."""
        then = self.publication_then
        try:
            workflow.check_publication_change(self.user, article, status=then.status, published_at=then.published_at)
        except PermissionDenied as exc:
            raise ValidationError(str(exc), code="workflow") from exc
        if then.slug != article.slug and Article._base_manager.filter(slug=then.slug).exclude(pk=article.pk).exists():
            raise ValidationError(
                _(
                    "The address of this revision, %(address)s, now belongs to another story. "
                    "Restore the content only, or give that story another address first."
                ),
                code="slug_taken",
                params={"address": then.address},
            )

    def apply_publication(self, article):
        """Give ``article`` the revision's publication state; ``save()`` then redirects the old address."""
        article.status = self.publication_then.status
        article.published_at = self.publication_then.published_at
        article.slug = self.publication_then.slug

    # --- what the editor is told -------------------------------------------

    def summary(self):
        """The revert form's sentences: what will change, what stays."""
        sentences = []
        if self.changes:
            changes = "; ".join(
                _("%(name)s (%(detail)s)") % {"name": name, "detail": detail} for name, detail in self.changes
            )
            sentences.append(_("Restoring this revision will change: %(changes)s.") % {"changes": changes})
        else:
            sentences.append(_("This revision's content is the same as the story's; restoring it changes nothing."))
        if self.deleted_tags:
            sentences.append(self.deleted_tags_text)
        if self.corrections:
            sentences.append(
                ngettext(
                    "The story's correction or update stays as it is: it is a public record.",
                    "The story's %(count)d corrections and updates stay as they are: they are a public record.",
                    self.corrections,
                )
                % {"count": self.corrections}
            )
        sentences.append(_("It keeps the publication state: %(state)s.") % {"state": self.publication_now.describe()})
        if self.publication_differs:
            sentences.append(
                _(
                    "In this revision the story had %(state)s. To go back to that too, tick “%(label)s” "
                    "(in the Publishing section) before saving."
                )
                % {"state": self.publication_then.describe(), "label": PUBLICATION_CHOICE_LABEL}
            )
        return sentences

    def comment(self, article):
        """The new revision's comment in the story's history."""
        params = {"datetime": self.revision_date}
        if PublicationState.of(article) == self.publication_now:
            return _("Reverted to previous version, saved on %(datetime)s; publication state kept") % params
        return _("Reverted to previous version, saved on %(datetime)s, publication state included") % params

    def done_message(self, article):
        """The message after saving: what was restored, and where the story stands."""
        changes = self.content_before.changes(StoryContent.read(article.pk, article._state.db))
        if changes:
            message = _("Restored the revision saved on %(date)s: %(changes)s.") % {
                "date": self.revision_date,
                "changes": ", ".join(name for name, _detail in changes),
            }
        else:
            message = _("Restored the revision saved on %(date)s; its content was the same as the story's.") % {
                "date": self.revision_date
            }
        after = PublicationState.of(article)
        moved = self.publication_now.changes_to(after)
        if not moved and after.is_live:
            state = _("The story stayed live at %(address)s (%(state)s).") % {
                "address": after.address,
                "state": after.describe(),
            }
        elif not moved:
            state = _("Its publication state was kept: %(state)s.") % {"state": after.describe()}
        else:
            state = _("Its publication state was restored too: %(changes)s.") % {"changes": "; ".join(moved)}
            if self.publication_now.is_live and not after.is_live:
                state += " " + _("Readers no longer see it.")
        return " ".join(part for part in (message, self.deleted_tags_text, state) if part)
