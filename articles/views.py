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


class ArticleDetailView(DetailView):
    """A story at its permanent, date-based address."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

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
        self.object = self.get_object()
        if self.object.slug != self.kwargs["slug"] or timezone.localdate(self.object.published_at) != self.url_date:
            # The story was re-dated since the link was shared; keep the link alive.
            return redirect(self.object, permanent=True)
        context = self.get_context_data(object=self.object, body=body_regions(self.object))
        return self.render_to_response(context)
