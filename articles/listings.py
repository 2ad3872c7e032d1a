"""A tag's or an author's stories in print, read through the link rows' own index (issue 10).

``Article.objects.published().tagged(tag).order_by("-published_at")`` walks
the stories' publication-time index and tests each story for the tag: the
deeper the page, the more stories are tested, and for a tag on 3% of a
million stories page 50 tested 56,000. :class:`LinkedStories` reads the
page's story ids from the tag's (or author's) rows instead, in order, from
the partial index on the copy of the publication time those rows carry
(``articles.models.in_print``), then the stories by id: page 1 and page 50
each read their own twenty entries plus the offset's, whatever the archive's
size.

It is list-like enough for Django's ``Paginator`` and ``ListView``:
``count()``, slicing (a slice is a queryset of the stories, newest first),
``model``. :class:`articles.pagination.CappedPaginator` counts it with
:meth:`LinkedStories.count_up_to`.
"""

from django.db import connections
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from articles.models import Article, Byline, TaggedArticle, in_print


class LinkedStories:
    model = Article
    ordered = True

    def __init__(self, links, story_field, stories, *, once=None):
        """``links``: the link rows of one tag or author; ``stories``: what pages are read from.

        ``once``: a filter leaving one row per story, where a story may have several.
        """
        self.stories = stories
        self.links = links
        self.now = timezone.now()
        in_order = links.filter(story_published_at__lte=self.now).order_by("-story_published_at", f"-{story_field}")
        if once is None:
            self.ids = in_order.values(story_field)
        elif connections[links.db].vendor == "postgresql":
            # A story's rows sit side by side in the index (same time, same
            # story): DISTINCT ON keeps the first as the index hands them out,
            # where the filter probed the index again for each row (2,001
            # probes to count an author's list: 8.8 ms at a million stories).
            self.ids = in_order.distinct("story_published_at", story_field).values(story_field)
        else:
            self.ids = in_order.filter(once).values(story_field)

    def count(self):
        return self.ids.order_by().count()

    def count_up_to(self, limit):
        """How many stories, counting no further than ``limit`` (index entries only)."""
        return self.ids.order_by()[:limit].count()

    def first_due(self):
        """When the first of the list's scheduled stories comes due (None: none is scheduled)."""
        due = self.links.filter(story_published_at__gt=self.now).aggregate(due=Min("story_published_at"))
        return due["due"]

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("LinkedStories takes slices only: a page of stories.")
        # One query: the page's ids (LIMIT/OFFSET on the links' index) inside the
        # stories' own. published() still applies to the stories read.
        return self.stories.filter(pk__in=self.ids[index]).order_by("-published_at", "-pk")


def tag_stories(tag, stories):
    """``stories`` (published) carrying ``tag``, newest first."""
    if not in_print.kept(stories.db):
        return stories.tagged(tag).order_by("-published_at", "-pk")
    links = TaggedArticle.objects.using(stories.db).filter(tag=tag)
    return LinkedStories(links, "content_object_id", stories)


def author_stories(author, stories):
    """``stories`` (published) with ``author`` in any byline role, each once, newest first."""
    if not in_print.kept(stories.db):
        return stories.by_author(author).order_by("-published_at", "-pk")
    # One row per story: an author credited twice on a story (reporting and
    # photographs, one row per role) is listed by the row of their first role.
    # Not DISTINCT, which would need the time in the subquery's columns; this
    # keeps the index order, and both indexes hold the role (no table reads).
    links = Byline.objects.using(stories.db).filter(author=author)
    earlier = Byline.objects.filter(article=OuterRef("article"), author=author, role__lt=OuterRef("role"))
    return LinkedStories(links, "article_id", stories, once=~Exists(earlier))
