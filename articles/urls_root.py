"""Routes that belong at the site's root, wherever ``articles.urls`` is mounted.

Crawlers read ``/robots.txt`` and nowhere else, so a site that mounts the app
under a prefix (``path("news/", include("articles.urls"))``) still includes
this at the root: ``path("", include("articles.urls_root"))``. The sitemaps
and private folders it names are reversed, so they carry the prefix.
"""

from django.urls import path

from articles import robots

app_name = "articles_root"

urlpatterns = [
    path("robots.txt", robots.robots_txt, name="robots_txt"),
]
