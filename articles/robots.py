"""``/robots.txt``: crawl everything readers see, and find it through the sitemaps."""

from contextlib import suppress

from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe


def _folder(path):
    """``/preview/1/`` → ``/preview/``: the folder a route lives in."""
    return path[: path.rstrip("/").rfind("/") + 1]


def private_paths():
    """Where crawlers have no business: the admin and story previews.

    Reversed rather than written out, so they follow wherever the project
    mounts the admin and the app.
    """
    paths = []
    with suppress(NoReverseMatch):  # a project without the admin site
        paths.append(reverse("admin:index"))
    paths.append(_folder(reverse("articles:preview", kwargs={"pk": 1})))
    return paths


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in private_paths()), ""]
    for name in ("articles:sitemap_index", "articles:news_sitemap"):
        lines.append(f"Sitemap: {request.build_absolute_uri(reverse(name))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
