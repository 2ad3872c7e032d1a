"""A site that mounts the app under ``/news/`` (tests/test_site_integration.py)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("news/", include("articles.urls")),
    path("", include("articles.urls_root")),
]
