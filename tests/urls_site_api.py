"""A site with views of its own under ``/api/``, included after the app's (tests/test_api.py)."""

from django.http import JsonResponse
from django.urls import include, path


def weather(request):
    return JsonResponse({"forecast": "rain"})


urlpatterns = [
    path("", include("articles.urls")),
    path("api/weather/", weather),
]
