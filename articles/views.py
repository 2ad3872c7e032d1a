import datetime

from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, ListView

from articles.conf import settings
from articles.models import Article
from articles.renderer import body_regions


class HomeView(ListView):
    """The front page: the latest published stories, newest first."""

    template_name = "articles/home.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.PAGINATE_BY

    def get_queryset(self):
        return Article.objects.for_reader().order_by("-published_at", "-pk")


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


class ArticleDetailView(StoryPageMixin, DetailView):
    """A story at its permanent, date-based address."""

    def get_object(self, queryset=None):
        try:
            self.url_date = datetime.date(int(self.kwargs["year"]), int(self.kwargs["month"]), int(self.kwargs["day"]))
        except ValueError as exc:
            raise Http404("No such date.") from exc
        queryset = Article.objects.for_reader().prefetch_related("corrections")
        try:
            return queryset.get(slug=self.kwargs["slug"])
        except Article.DoesNotExist:
            pass
        # A story whose slug changed after publication keeps its old address.
        redirect_to = queryset.filter(old_slugs__old_slug=self.kwargs["slug"]).first()
        if redirect_to is None:
            raise Http404("No such story.")
        return redirect_to

    def get(self, request, *args, **kwargs):
        article = self.get_object()
        if article.slug != self.kwargs["slug"] or timezone.localdate(article.published_at) != self.url_date:
            # The story was re-dated since the link was shared; keep the link alive.
            return redirect(article, permanent=True)
        return self.render_story(article)
