"""The project's URLs plus a bare view, for ``benchmarks/article_page.py`` only."""

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as project_urlpatterns

# Set by the benchmark to the story page's exact bytes before it measures.
BARE_BODY = b""


def bare_page(request):
    """The floor: the same HTML through the same middleware, with no work at all."""
    return HttpResponse(BARE_BODY)


urlpatterns = [path("__bench__/bare/", bare_page), *project_urlpatterns]
