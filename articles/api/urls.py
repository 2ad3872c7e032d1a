"""The API's addresses, included by ``articles.urls`` under ``api/``.

Each view is wrapped in ``reader_page`` like the reader pages: the page
cache, ``ETag``/``304``, ``Cache-Control`` and the ``Surrogate-Key`` /
``xkey`` / ``Cache-Tag`` headers purged by key (``articles.delivery``).
"""

from django.urls import path, re_path

from articles.api import schema, views
from articles.delivery.pages import reader_page

urlpatterns = [
    path("stories/", reader_page(views.StoryListView.as_view()), name="api_stories"),
    path("stories/<slug:slug>/", reader_page(views.StoryDetailView.as_view()), name="api_story"),
    path("stories/<slug:slug>/ninjs/", reader_page(views.StoryNinjsView.as_view()), name="api_story_ninjs"),
    path("authors/", reader_page(views.AuthorListView.as_view()), name="api_authors"),
    path("authors/<nameslug:slug>/", reader_page(views.AuthorDetailView.as_view()), name="api_author"),
    path("sections/", reader_page(views.SectionListView.as_view()), name="api_sections"),
    path("sections/<nameslug:slug>/", reader_page(views.SectionDetailView.as_view()), name="api_section"),
    path("tags/", reader_page(views.TagListView.as_view()), name="api_tags"),
    path("tags/<nameslug:slug>/", reader_page(views.TagDetailView.as_view()), name="api_tag"),
    # Made from the views above; rendered again only after a deploy (the page cache's fingerprint).
    path("schema/", reader_page(schema.SchemaView.as_view()), name="api_schema"),
    # Any other address under the endpoints above (a slug with a "/", an empty one): a JSON 404, not
    # the site's HTML page. Only there: a site's own views under api/ stay reachable.
    re_path(r"^(?:stories|authors|sections|tags)/[\s\S]*$", views.not_found),
]
