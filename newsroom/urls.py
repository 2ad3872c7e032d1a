import re

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    # /robots.txt: at the root wherever articles.urls is mounted.
    path("", include("articles.urls_root")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.SERVE_MEDIA and "//" not in settings.MEDIA_URL:
    # One machine, no web server in front (`make serve` on a laptop): Django
    # serves uploads itself. Slower than a web server or a bucket, and every
    # upload is public, as it would be there (README "Media files").
    prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns.append(re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
