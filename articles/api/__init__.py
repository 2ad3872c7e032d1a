"""The read API (Django REST framework) and its OpenAPI schema (drf-spectacular).

Mounted by the app's own URLs (``articles.urls``) under ``api/``, so a site
gets it with the same ``include("articles.urls")`` as the reader pages:

- ``api/stories/`` — published stories, newest first, with the reader
  search's filters (``articles.filters.StoryFilter``) and cursor pagination;
- ``api/stories/<slug>/`` — one story: bylines, tags, lead image,
  corrections and the body as typed blocks (widgets with their data);
- ``api/authors/``, ``api/sections/``, ``api/tags/`` (and ``<slug>/``);
- ``api/schema/`` — the OpenAPI 3 schema of the above.

Every REST framework setting the API depends on is set on its views
(``articles.api.views.ReadOnlyAPIView``), so a site's ``REST_FRAMEWORK``
changes nothing here and neither ``rest_framework`` nor ``drf_spectacular``
has to be in ``INSTALLED_APPS``. Responses go through the reader pages'
delivery (``articles.delivery.pages.reader_page``): page cache, ETag/304,
``Surrogate-Key`` headers and purges by key.
"""
