import datetime

from django.core.paginator import InvalidPage
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView
from taggit.models import Tag

from articles.conf import settings
from articles.delivery import cards, keys, story_render
from articles.filters import StoryFilter
from articles.listings import LinkedStories, author_stories, tag_stories
from articles.models import Article, Author, Section, TaggedArticle, tags_in_print
from articles.pagination import CappedPaginator
from articles.renderer import body_regions
from articles.search.query import ListedStories, RankedStories


def related_stories(article, limit=None):
    """Published stories sharing the most tags with ``article``, newest first among equals.

    One query. Candidates are found through the tag index (stories carrying
    any of this story's tags) and each one's shared tags counted in a
    subquery, so the cost follows the number of stories sharing a tag, not
    the size of the archive (a join-and-group over every published story
    took 20 ms with 10,000 stories on SQLite; this takes 4). The query runs
    even for a story without tags, so every story page costs the same.
    """
    limit = settings.RELATED_COUNT if limit is None else limit
    its_tags = TaggedArticle.objects.filter(content_object=article.pk).values("tag")
    sharing = TaggedArticle.objects.filter(tag__in=its_tags)
    shared_count = (
        sharing.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(shared=Count("pk"))
        .values("shared")
    )
    return list(
        Article.objects.published()
        .filter(pk__in=sharing.values("content_object"))
        .exclude(pk=article.pk)
        .annotate(shared_tags=Subquery(shared_count, output_field=IntegerField()))
        .only("kicker", "headline", "slug", "published_at", "created_at")
        .order_by("-shared_tags", "-published_at", "-pk")[:limit]
    )


class ListingMixin:
    """Pagination and the links a list of stories needs in its head and body.

    Page links carry only ``page`` and the parameters named in
    ``kept_params``, so stray parameters (tracking codes, junk) never spread
    into canonical or pagination links.
    """

    context_object_name = "articles"
    # Counts stop at ARTICLES_MAX_PAGES pages: no list counts the whole archive.
    paginator_class = CappedPaginator
    kept_params = ()
    # The key of the list this page shows (articles.delivery.keys), if any.
    list_key = None

    def list_keys(self):
        return [self.list_key] if self.list_key else []

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Cards drawn for this page are kept only if nothing they show changed since.
        self.started = timezone.now()

    def card_stories(self):
        """Published stories with what their cards show (``ArticleQuerySet.for_lists``).

        With kept cards (``articles.delivery.cards``) the bylines are left
        out: the page's ``Deck`` reads them only for the cards it must draw.
        """
        stories = Article.objects.for_lists()
        return stories.prefetch_related(None) if cards.keeping() else stories

    def scheduled_stories(self):
        """This list's stories not yet due: the page changes when the first one is (None: any)."""
        return None

    def note_next_due(self):
        """The page changes by itself when the first of its scheduled stories comes due."""
        keys.next_due(self.scheduled_stories())

    def get_paginate_by(self, queryset):
        return settings.PAGINATE_BY

    def page_url(self, number, absolute=False):
        params = QueryDict(mutable=True)
        for key in self.kept_params:
            values = [value for value in self.request.GET.getlist(key) if value]
            if values:
                params.setlist(key, values)
        if number > 1:
            params["page"] = number
        url = escape_uri_path(self.request.path)
        if params:
            url = f"{url}?{params.urlencode()}"
        return self.request.build_absolute_uri(url) if absolute else url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        links = {"canonical": self.page_url(page.number if page else 1, absolute=True)}
        if page is not None and page.has_previous():
            links["previous"] = self.page_url(page.previous_page_number())
            links["previous_absolute"] = self.page_url(page.previous_page_number(), absolute=True)
        if page is not None and page.has_next():
            links["next"] = self.page_url(page.next_page_number())
            links["next_absolute"] = self.page_url(page.next_page_number(), absolute=True)
        context["page_links"] = links
        keys.shows(*self.list_keys())
        stories = context.get(self.context_object_name)
        stories = context[self.context_object_name] = list(stories) if stories is not None else []
        if page is not None:
            page.object_list = stories
        # The cards: those kept checked, the others' bylines read (and what they show noted).
        self.stories = stories
        self.deck = context["cards"] = cards.Deck(stories, self.started)
        self.note_next_due()
        # An empty list is nothing a search engine should keep.
        context.setdefault("noindex", page is None or not page.paginator.count)
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        deck = getattr(self, "deck", None)
        if deck is not None:
            # Once the cards are drawn: keep those whose keys held still meanwhile.
            response.add_post_render_callback(lambda response: deck.keep(self.stories))
        return response


class HomeView(ListingMixin, ListView):
    """The front page: the latest published stories, newest first; the first is the lead."""

    template_name = "articles/home.html"
    list_key = keys.LIST_HOME

    def get_queryset(self):
        return self.card_stories().order_by("-published_at", "-pk")


class FeedObjectListView(ListingMixin, ListView):
    """The stories of one section, tag or author (the page's ``feed_object``).

    An unknown slug is a 404; a known one with no published stories yet is an
    empty page, never a list of its drafts (a tag is a 404 then: ``TagView``).
    """

    model = None

    def get(self, request, *args, **kwargs):
        self.feed_object = get_object_or_404(self.get_feed_objects(), slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_feed_objects(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return self.filter_stories(self.card_stories()).order_by("-published_at", "-pk")

    def filter_stories(self, queryset):
        raise NotImplementedError

    def list_keys(self):
        return [self.object_key(self.feed_object.pk), self.list_key_of(self.feed_object.pk)]

    def scheduled_stories(self):
        return self.filter_stories(Article.objects.scheduled())

    def get_context_data(self, **kwargs):
        return super().get_context_data(feed_object=self.feed_object, **kwargs)


class SectionView(FeedObjectListView):
    model = Section
    template_name = "articles/section.html"
    object_key = staticmethod(keys.section)
    list_key_of = staticmethod(keys.list_section)

    def filter_stories(self, queryset):
        return queryset.in_section(self.feed_object)


def note_first_due(stories, scheduled_stories):
    """``next_due`` for a tag's or author's list: from its link rows when it is read through them."""
    if isinstance(stories, LinkedStories):
        keys.changes_at(stories.first_due())
    else:
        keys.next_due(scheduled_stories())


class TagView(FeedObjectListView):
    """A tag's stories. A tag only drafts or scheduled stories carry is a 404.

    Such a tag may name something not yet announced, so its page must not
    exist, let alone show its name.
    """

    model = Tag
    template_name = "articles/tag.html"
    object_key = staticmethod(keys.tag)
    list_key_of = staticmethod(keys.list_tag)

    def get_feed_objects(self):
        return tags_in_print()

    def get_queryset(self):
        return tag_stories(self.feed_object, self.card_stories())

    def note_next_due(self):
        note_first_due(self.object_list, self.scheduled_stories)

    def filter_stories(self, queryset):
        return queryset.tagged(self.feed_object)


class AuthorView(FeedObjectListView):
    model = Author
    template_name = "articles/author.html"
    object_key = staticmethod(keys.author)
    list_key_of = staticmethod(keys.list_author)

    def get_feed_objects(self):
        return Author.objects.select_related("photo")

    def get_queryset(self):
        return author_stories(self.feed_object, self.card_stories())

    def note_next_due(self):
        note_first_due(self.object_list, self.scheduled_stories)

    def filter_stories(self, queryset):
        # Any role: a photographer's page lists the stories with their pictures.
        return queryset.by_author(self.feed_object)


class SearchView(ListingMixin, FilterView):
    """Search and filters as one GET form; its address is a shareable link.

    A form with errors shows them and no stories (``strict``). A page number
    past the end, or not a number, shows the form and an empty list with
    status 404, so a reader can search again and crawlers drop the address.
    """

    filterset_class = StoryFilter
    template_name = "articles/search.html"

    def list_keys(self):
        # Any story may match, and the form lists sections, topics and authors.
        return [keys.STORIES, keys.SECTIONS, keys.TAGS, keys.AUTHORS]

    kept_params = tuple(StoryFilter.base_filters)
    page_missing = False

    def get_queryset(self):
        return self.card_stories().order_by("-published_at", "-pk")

    def paginate_queryset(self, queryset, page_size):
        search = getattr(self.filterset, "search", None)
        if search is not None and search.ranked is not None:
            # "Best match": ranked as the window was read; a page reads its stories by id.
            queryset = RankedStories(search.ranked, self.card_stories().using(queryset.db))
        elif search is not None and search.listed is not None:
            # "Newest first": every story the pages can show was read, by id.
            queryset = ListedStories(search.listed, self.card_stories().using(queryset.db))
        paginator = self.get_paginator(queryset, page_size)
        if search is not None and search.window_size is not None:
            paginator.know_count(search.window_size)
        try:
            page = paginator.page(self.request.GET.get(self.page_kwarg) or 1)
        except InvalidPage:
            self.page_missing = True
            return paginator, None, [], False
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        # Result pages are endless combinations of filters: crawlers may
        # follow them to the stories but should not index them.
        context = super().get_context_data(noindex=True, **kwargs)
        context["page_missing"] = self.page_missing
        context["result_count"] = context["paginator"].count
        # Snippets for this page's stories only: one query over at most a page of rows.
        search = getattr(self.filterset, "search", None)
        if search is not None and context.get("articles"):
            search.highlight(context["articles"])
        # "More than 2,000 stories found": the count stops at the paginator's cap.
        context["result_count_capped"] = context["paginator"].capped
        # "Best match" lists the newest ARTICLES_SEARCH_RANK_WINDOW matches: a full window may hide more.
        ranked = getattr(self.filterset, "ranked", False)
        context["result_count_at_least"] = ranked and context["paginator"].count >= settings.SEARCH_RANK_WINDOW
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.page_missing:
            response_kwargs["status"] = 404
        return super().render_to_response(context, **response_kwargs)


class StoryPageMixin:
    """Renders one story on the reader template.

    The public page and the previews (``articles.preview``) share this one
    rendering path, so a preview shows exactly what readers will see.
    """

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def render_story(self, article, **extra_context):
        self.object = article
        context = self.get_context_data(object=article, body=body_regions(article), **extra_context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        if "related_stories" not in kwargs:
            kwargs["related_stories"] = related_stories(self.object)
        return super().get_context_data(**kwargs)


class ArticleDetailView(StoryPageMixin, DetailView):
    """A story at its permanent, date-based address.

    Readers get the parts rendered when the story was saved
    (``articles.delivery.story_render``): one query, and the layout around them.
    """

    def get_object(self, queryset=None):
        """The story that had this slug before (it only redirects): a story's old address keeps working."""
        redirect_to = Article.objects.published().filter(old_slugs__old_slug=self.kwargs["slug"]).first()
        if redirect_to is None:
            raise Http404("No such story.")
        return redirect_to

    def get(self, request, *args, **kwargs):
        try:
            url_date = datetime.date(int(self.kwargs["year"]), int(self.kwargs["month"]), int(self.kwargs["day"]))
        except ValueError as exc:
            raise Http404("No such date.") from exc
        stored = story_render.lookup(self.kwargs["slug"])
        if stored is None:
            return redirect(self.get_object(), permanent=True)
        if timezone.localdate(stored.published_at) != url_date:
            # The story was re-dated since the link was shared; keep the link alive.
            return redirect(Article.objects.get(pk=stored.pk), permanent=True)
        parts = story_render.for_request(request, stored)
        if parts is None:
            raise Http404("No such story.")
        self.object = None
        return self.render_to_response({"stored": parts, "view": self})
