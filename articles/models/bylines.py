from django.db import models
from django.utils.translation import gettext_lazy as _


def in_print_field():
    """The story's ``published_at`` copied onto a tag or byline row while it is published, else NULL.

    Derived data kept by database triggers (``articles.models.in_print``):
    never edited, never serialized into fixtures.
    """
    return models.DateTimeField(_("story published at"), null=True, editable=False, serialize=False)


class BylineManager(models.Manager):
    def get_by_natural_key(self, article_slug, author_slug, role):
        return self.get(article__slug=article_slug, author__slug=author_slug, role=role)


class Byline(models.Model):
    """One credit on a story: who, in what role, in which place."""

    class Role(models.TextChoices):
        BY = "by", _("by")
        ADDITIONAL_REPORTING = "additional-reporting", _("additional reporting by")
        PHOTOGRAPHS = "photographs", _("photographs by")
        VIDEO = "video", _("video by")
        GRAPHICS = "graphics", _("graphics by")
        EDITED = "edited", _("edited by")

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="bylines"
    )
    author = models.ForeignKey(
        "articles.Author", verbose_name=_("author"), on_delete=models.PROTECT, related_name="bylines"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.BY)
    position = models.PositiveIntegerField(_("position"), default=0)
    # The story's publication time while it is published: kept by the database (articles.models.in_print).
    story_published_at = in_print_field()

    objects = BylineManager()

    class Meta:
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        ordering = ["position", "pk"]
        # An author's stories by author (the unique key starts with the story):
        # author pages and "authors in print" for the sitemap.
        indexes = [
            models.Index(fields=["author", "article"], name="byline_author_story"),
            # An author's page in print, newest first, read in order (articles.listings).
            models.Index(
                # The role last (a key column: SQLite has no INCLUDE): a story credits
                # an author once per role, and the list keeps their first role's row
                # (articles.listings) reading the index alone.
                fields=["author", "-story_published_at", "-article", "role"],
                name="byline_author_in_print",
                condition=models.Q(story_published_at__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["article", "author", "role"], name="unique_byline_role"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.author}"

    def natural_key(self):
        return (*self.article.natural_key(), *self.author.natural_key(), self.role)

    natural_key.dependencies = ["articles.article", "articles.author"]
