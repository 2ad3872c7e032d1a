import datetime
import uuid

from content_editor.models import Region
from django.conf import settings
from django.db import models, router, transaction
from django.db.models import CASCADE, Exists, OuterRef, ProtectedError
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from articles import addresses
from articles.models.base import Timestamped, slug_check
from articles.models.bylines import Byline, in_print_field
from articles.models.corrections import SlugRedirect
from articles.weblinks import WebURLField, web_url_check

# Saves within this long of publication (typo fixes as the story goes out)
# do not make it "updated" for readers.
UPDATE_GRACE = datetime.timedelta(minutes=5)


# Columns no reader page shows: updating only these announces nothing.
_NOT_SHOWN = {
    "preview_key",
    "updated_by",
    "created_by",
    "editorial_notes",
    "review_requested_by",
    "review_requested_at",
    "review_note",
}


class ArticleQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """``QuerySet.update()``, except that withdrawing stories revokes their preview links.

        Bulk unpublishing (``articles.locking.save_if_unchanged``) and any
        other ORM update that withdraws stories come through here, so a
        withdrawn story's shared links die on every path, not only through
        ``save()``. The stories of one call share the new key; that is still
        safe, as a token also signs its story's id.
        """
        from articles.delivery.changes import announce, story_keys

        if kwargs.get("status") == Article.Status.UNPUBLISHED and "preview_key" not in kwargs:
            kwargs["preview_key"] = uuid.uuid4()
        if set(kwargs) <= _NOT_SHOWN:
            return super().update(**kwargs)
        # No signal reports an UPDATE: announce what readers see change, the lists
        # the stories were in before (read first) and are in after.
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            touched = story_keys(pks, using=self.db)
            count = super().update(**kwargs)
            announce(*touched, *story_keys(pks, using=self.db), using=self.db)
        return count

    def revoke_preview_links(self):
        """Give each story a new preview key; returns how many stories were changed.

        A direct UPDATE: it neither calls ``save()`` nor moves ``updated_at``,
        because revoking links is not an edit of the story (an editor's open
        change form must still save, and readers' pages do not change).
        """
        stories = [self.model(pk=pk, preview_key=uuid.uuid4()) for pk in self.values_list("pk", flat=True)]
        # One UPDATE (a CASE over the ids) with a key of its own for each story.
        return self.model._base_manager.bulk_update(stories, ["preview_key"]) if stories else 0

    def published(self, at=None):
        """What readers may see: published, and not scheduled for later.

        Every public page, feed and sitemap goes through this one method, so
        the rule lives here and nowhere else. Scheduling needs no job: a story
        whose ``published_at`` is in the future simply is not matched yet.
        """
        return self.filter(
            status=Article.Status.PUBLISHED,
            published_at__lte=at or timezone.now(),
        )

    def released(self):
        """Stories an editor has let out: published (live or scheduled) or withdrawn.

        Their tags are part of the record of what readers saw or will see,
        so a tag on one of them cannot be deleted (``protect_released_stories``).
        Drafts and stories in review have never been in print.
        """
        return self.filter(status__in=[Article.Status.PUBLISHED, Article.Status.UNPUBLISHED])

    def scheduled(self, at=None):
        """Published stories whose time has not come yet: they appear without a save."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=at or timezone.now())

    def in_section(self, section):
        return self.filter(section=section)

    def tagged(self, tag):
        # Exists, not a join: chaining tagged() for several tags means "all of them".
        return self.filter(Exists(TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag=tag)))

    def by_author(self, author):
        """Stories with ``author`` in any byline role; a story crediting them twice is listed once."""
        return self.filter(Exists(Byline.objects.filter(article=OuterRef("pk"), author=author)))

    def for_reader(self):
        """Published stories with what every reader page shows prefetched."""
        return self.published().with_page_relations()

    def for_lists(self):
        """Published stories with what a story card shows: its section, lead picture, bylines and their authors.

        Not the tags nor the authors' photos, which a story page shows and a
        card does not: prefetching the tags (taggit builds a queryset per
        story to hold them) cost a list page of twenty cards 7 ms, more than
        drawing the cards. A site whose own card template shows more names
        the lookups in ``ARTICLES_CARD_PREFETCH`` (``["tags"]``).
        """
        from articles.conf import settings

        return (
            self.published()
            .select_related("section", "lead_image")
            .prefetch_related(
                models.Prefetch("bylines", queryset=Byline.objects.select_related("author")),
                *settings.CARD_PREFETCH,
            )
        )

    def with_page_relations(self):
        """What a story page shows, prefetched, whatever the status.

        Reader pages add ``published()``; previews of drafts use this alone,
        so both pages cost the same queries.
        """
        return self.select_related("section", "lead_image").prefetch_related(
            # The photo too: the byline shows the reporters' faces.
            models.Prefetch("bylines", queryset=Byline.objects.select_related("author__photo")),
            "tags",
        )


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Article(Timestamped):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        REVIEW = "review", _("in review")
        PUBLISHED = "published", _("published")
        UNPUBLISHED = "unpublished", _("unpublished")

    # content-editor: the body is one region of ordered blocks.
    regions = [Region(key="body", title=_("Body"))]

    kicker = models.CharField(
        _("kicker"), max_length=100, blank=True, help_text=_("A short label above the headline, e.g. “Analysis”.")
    )
    headline = models.CharField(_("headline"), max_length=255)
    slug = models.SlugField(
        _("slug"),
        max_length=255,
        unique=True,
        help_text=_("The last part of the story's address. Lower-case letters, numbers and hyphens."),
    )
    standfirst = models.TextField(
        _("standfirst"), blank=True, help_text=_("The summary under the headline, one or two sentences.")
    )
    section = models.ForeignKey(
        "articles.Section",
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="articles",
        # Indexed by article_section_desk (Meta.indexes), which leads with it.
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        # No index of its own: article_desk_order (Meta.indexes) leads with it.
        help_text=_("A published story with a time in the future is scheduled: readers see it from then on."),
    )

    lead_image = models.ForeignKey(
        "articles.Image",
        verbose_name=_("lead image"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_of",
        help_text=_("From the picture library: search, or upload a new one with +."),
    )
    lead_image_alt = models.CharField(
        _("lead image description"),
        max_length=300,
        blank=True,
        help_text=_("Only where this story needs its own: the library's description otherwise."),
    )
    lead_image_caption = models.CharField(
        _("lead caption"), max_length=500, blank=True, help_text=_("The library's caption when empty.")
    )
    lead_image_credit = models.CharField(
        _("lead image credit"), max_length=200, blank=True, help_text=_("The library's credit when empty.")
    )

    seo_title = models.CharField(
        _("SEO title"), max_length=200, blank=True, help_text=_("For search engines; the headline when empty.")
    )
    seo_description = models.CharField(
        _("SEO description"),
        max_length=300,
        blank=True,
        help_text=_("For search results and social cards; the standfirst when empty."),
    )
    canonical_url = WebURLField(
        _("canonical URL"), blank=True, help_text=_("For syndicated copy: the address of the original story.")
    )

    tags = TaggableManager(_("tags"), through="articles.TaggedArticle", blank=True, ordering=["name"])

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Between the newsroom's people only: no reader page, preview, feed,
    # sitemap, structured data or search document reads these.
    editorial_notes = models.TextField(
        _("editorial notes"),
        blank=True,
        help_text=_("Notes between reporters and editors about this story. Readers never see them."),
    )
    # The latest hand-over for review (articles.workflow.submit_for_review):
    # the review queue lists and orders by it. Bookkeeping, like updated_by:
    # restoring a revision keeps it (articles.restoring).
    review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted for review by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    review_requested_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True, editable=False)
    review_note = models.TextField(
        _("note to the editor"),
        blank=True,
        editable=False,
        help_text=_("What the reporter asked of the editor when submitting the story."),
    )
    preview_key = models.UUIDField(
        _("preview key"),
        default=uuid.uuid4,
        editable=False,
        help_text=_(
            "Part of what every shared preview link of the story signs: replacing it revokes them all. "
            "Never shown to readers and not kept in revisions."
        ),
    )

    objects = ArticleManager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            # Reader lists (articles.views, feeds): published stories newest first.
            # Partial on status, so a list walks only stories in print and stops at
            # its LIMIT; "published_at <= now" is checked on the index entries
            # (now() cannot be part of an index predicate).
            models.Index(
                fields=["-published_at", "-id"],
                name="article_reader_order",
                condition=models.Q(status="published"),
            ),
            # A section's page and feeds: the same order within one section.
            models.Index(
                fields=["section", "-published_at", "-id"],
                name="article_section_order",
                condition=models.Q(status="published"),
            ),
            # The admin's list (Meta.ordering, then the primary key, as the
            # changelist adds it): drafts first, then newest. Without it a search
            # there walked every draft (no publication time) before the first
            # published story: 0.8 s for a common word at a million stories.
            # It also serves every range on published_at; the plain index it
            # replaces led PostgreSQL to sort the drafts instead of using this one.
            models.Index(fields=["-published_at", "-created_at", "-id"], name="article_desk_order"),
            # A section's stories in the admin's order, drafts included: the
            # admin's section filter, and the foreign key's own lookups (a
            # section deleted is checked for stories). It replaces the plain
            # index on section_id, which PostgreSQL preferred to
            # article_section_order for a search's range of a section's
            # stories (all 170,000 of the section read, then the dates checked
            # on 3,900 pages, where the range's 59,000 entries name 1,400):
            # 30 ms against 20 for a reporter's name in a section at a million stories.
            models.Index(fields=["section", "-published_at", "-created_at", "-id"], name="article_section_desk"),
        ]
        constraints = [
            slug_check(name="articles_article_slug_valid"),
            web_url_check(
                "canonical_url",
                name="articles_article_canonical_url_web",
                message=_("The canonical URL must be a web address that starts with http:// or https://."),
            ),
        ]
        permissions = [("publish_article", _("Can publish, schedule and unpublish articles"))]

    def __str__(self):
        return self.headline

    def natural_key(self):
        return (self.slug,)

    # The lead picture as the page shows it: this story's words where it has
    # its own, the library's otherwise.

    @property
    def lead_caption(self):
        if self.lead_image_caption or self.lead_image_id is None:
            return self.lead_image_caption
        return self.lead_image.caption

    @property
    def lead_credit(self):
        if self.lead_image_credit or self.lead_image_id is None:
            return self.lead_image_credit
        return self.lead_image.credit

    @property
    def lead_alt(self):
        if self.lead_image_id is None:
            return ""
        return self.lead_image_alt or self.lead_image.alt_text

    def save(self, *args, **kwargs):
        using = kwargs.get("using")
        with transaction.atomic(using=using):
            stored = self._stored_row(using)
            # What the story was, for post_save to tell which lists it left or joined (articles.delivery).
            self.__dict__["_stored_before_save"] = stored
            self._remember_old_slug(stored)
            update_fields = kwargs.get("update_fields")
            writes_status = update_fields is None or "status" in update_fields
            replaced = self.settle_preview_key(using=using, writes_status=writes_status, stored=stored)
            if replaced and update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "preview_key"}
            super().save(*args, **kwargs)

    def _stored_row(self, using=None):
        """What the database holds for this story now (one query), or ``None`` for a new one."""
        if self.pk is None:
            return None
        return (
            type(self)
            ._base_manager.using(using)
            .filter(pk=self.pk)
            .values("slug", "status", "published_at", "section_id", "preview_key")
            .first()
        )

    def settle_preview_key(self, using=None, writes_status=True, stored=None):
        """Keep the stored preview key, or replace it when the story is being withdrawn.

        A save never brings back a key that was revoked while this copy was
        loaded (a form open across a revocation, a revision, a fixture), so
        the key changes only through :meth:`revoke_preview_links` and
        withdrawal. ``save()`` calls this; so does a ``pre_save`` receiver for
        the raw saves of ``loaddata`` and revision restores, which bypass
        ``save()`` and would otherwise write the fresh default key their
        deserialised copy was given. Returns ``True`` when the key was replaced.
        ``stored`` is the row as :meth:`_stored_row` read it, if already read.
        """
        stored = stored or self._stored_row(using)
        if stored is None:
            return False
        self.preview_key = stored["preview_key"]
        if writes_status and self.status == self.Status.UNPUBLISHED and stored["status"] != self.Status.UNPUBLISHED:
            self.preview_key = uuid.uuid4()
            return True
        return False

    def revoke_preview_links(self):
        """Make every shared preview link of this story open nothing (a 404).

        Like :meth:`ArticleQuerySet.revoke_preview_links`, this is not an edit
        of the story: ``updated_at`` stays as it is.
        """
        self.preview_key = uuid.uuid4()
        type(self)._base_manager.filter(pk=self.pk).update(preview_key=self.preview_key)

    def _remember_old_slug(self, stored):
        """Keep a story's old address working when its slug changes.

        Only addresses readers may have seen (published or withdrawn stories
        with a publication time) are kept; a draft's slug can change freely.
        Judged by the row as stored, not by this save: a story taken back to
        review with no time (a restored revision, say) had readers who knew
        the old address.
        """
        if stored is None or stored["slug"] == self.slug:
            return
        if stored["status"] in (self.Status.PUBLISHED, self.Status.UNPUBLISHED) and stored["published_at"]:
            SlugRedirect.objects.update_or_create(old_slug=stored["slug"], defaults={"article": self})
        # Moving back to an earlier slug: the story owns that address again.
        SlugRedirect.objects.filter(old_slug=self.slug).delete()

    def get_absolute_url(self):
        return addresses.story_address(self.slug, timezone.localdate(self.published_at or self.created_at))

    @property
    def is_visible(self):
        """True when readers can see the story now (mirrors ``published()``)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def has_been_updated(self):
        """True when the story changed noticeably after it went out."""
        return bool(self.published_at) and self.updated_at - self.published_at > UPDATE_GRACE

    @property
    def public_status(self):
        """The status as a newsroom says it: a future published story is scheduled."""
        if self.is_scheduled:
            return "scheduled"
        return self.status

    def get_public_status_display(self):
        return _("scheduled") if self.is_scheduled else self.get_status_display()

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def byline_groups(self):
        """Bylines grouped by role in first-appearance order.

        ``[("by", [Our Foreign Staff]), ("additional reporting", [Reuters])]``
        reads as "By Our Foreign Staff. Additional reporting by Reuters".
        Uses the prefetched bylines, so it costs no query.
        """
        groups = {}
        for byline in self.bylines.all():
            groups.setdefault(byline.role, []).append(byline)
        return list(groups.values())

    def byline_faces(self):
        """The reporters (role "by") with a photo, in byline order, at most three: shown beside the byline.

        A desk or agency has no face; one whose logo is its photo shows it
        too. Uses the prefetched bylines (``with_page_relations``).
        """
        authors = [byline.author for byline in self.bylines.all() if byline.role == Byline.Role.BY]
        return [author for author in authors if author.photo is not None and author.photo.file_width][:3]


def protect_released_stories(collector, field, sub_objs, using):
    """``on_delete`` for a story's tag: refuse while a released story carries it.

    Deleting a tag used by a published, scheduled or withdrawn story would
    strip it from that story with no revision, so it is refused the way
    deleting a widget or an author in use is (``ProtectedError``, which the
    admin shows as "Cannot delete tag" listing the stories). A tag used only
    on drafts and stories in review goes with their tag rows, as before.
    """
    released = list(
        sub_objs.filter(content_object__in=Article.objects.released())
        .select_related("content_object", "tag")
        .order_by("tag__name", "content_object__headline")
    )
    if released:
        raise ProtectedError(
            _("Cannot delete a tag that published, scheduled or withdrawn stories carry: %(stories)s")
            % {"stories": "; ".join(str(item) for item in released)},
            released,
        )
    CASCADE(collector, field, sub_objs, using)


class TaggedArticleManager(models.Manager):
    def get_by_natural_key(self, article_slug, tag_name):
        return self.get(content_object__slug=article_slug, tag__name=tag_name)


class TaggedArticle(TaggedItemBase):
    """taggit's through model with a real foreign key to Article.

    The generic default would store the article id in an untyped column; a
    real key lets the database join and index tag queries, and lets fixtures
    name the article by its natural key.
    """

    content_object = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="tagged_items"
    )
    # taggit's key, but a tag on a published, scheduled or withdrawn story cannot be deleted.
    tag = models.ForeignKey(
        Tag,
        verbose_name=_("tag"),
        on_delete=protect_released_stories,
        related_name="%(app_label)s_%(class)s_items",
    )
    # The story's publication time while it is published: kept by the database (articles.models.in_print).
    story_published_at = in_print_field()
    # The story's section, kept the same way: a search with a topic and a
    # section tests the section in the topic's index, not story by story.
    story_section_id = models.BigIntegerField(_("story section"), null=True, editable=False, serialize=False)

    objects = TaggedArticleManager()

    class Meta:
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")
        # A tag's stories by tag (the other way round from the unique key, which
        # serves "does this story carry the tag?"): for rare tags the planner
        # starts here, and taggit's "tags in print" reads it without the table.
        indexes = [
            models.Index(fields=["tag", "content_object"], name="taggedarticle_tag_story"),
            # A tag's page in print, newest first, read in order (articles.listings);
            # the section last, so a search with a section reads it from the index.
            models.Index(
                fields=["tag", "-story_published_at", "-content_object", "story_section_id"],
                name="taggedarticle_tag_in_print",
                condition=models.Q(story_published_at__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag"),
        ]

    def __str__(self):
        # How the admin lists a story that stops a tag's deletion.
        return _("“%(headline)s” (%(status)s), tagged “%(tag)s”") % {
            "headline": self.content_object.headline,
            "status": self.content_object.get_public_status_display(),
            "tag": self.tag.name,
        }

    def natural_key(self):
        return (*self.content_object.natural_key(), *self.tag.natural_key())

    natural_key.dependencies = ["articles.article", "taggit.tag"]


def tags_in_print():
    """Tags carried by at least one story readers can see.

    A tag used only on drafts may name something not yet announced: it gets
    no page, feed or sitemap entry and is not offered by the search form.
    """
    from articles.models.in_print import kept

    if kept(router.db_for_read(Tag)):
        # One probe of the tag's in-print index per tag (articles.models.in_print).
        in_print = TaggedArticle.objects.filter(tag=OuterRef("pk"), story_published_at__lte=timezone.now())
    else:
        in_print = TaggedArticle.objects.filter(tag=OuterRef("pk"), content_object__in=Article.objects.published())
    return Tag.objects.filter(Exists(in_print))


def tag_url(tag):
    """The reader page of a taggit ``Tag``, or ``""`` when its slug cannot be an address.

    Taggit's table has no check on slugs, so a tag written past taggit's
    ``save()`` (``QuerySet.update()``, a fixture) may hold an empty slug or
    one with a "/". The story is still shown, with that tag unlinked.
    """
    try:
        return addresses.tag(slug=tag.slug)
    except NoReverseMatch:
        return ""
