"""The API's OpenAPI 3 schema (drf-spectacular), served at ``api/schema/``.

Made from the API's own views only (:func:`only_the_api`), with its own
settings (:data:`SPECTACULAR_SETTINGS`), so that a site's other REST
framework views and its ``SPECTACULAR_SETTINGS`` neither join nor change it.
The same settings serve ``manage.py spectacular`` for this API::

    manage.py spectacular --custom-settings articles.api.schema.SPECTACULAR_SETTINGS \\
        --validate --fail-on-warn --file newsroom-api.yaml
"""

from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from articles.conf import settings


def only_the_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the endpoints of ``articles.api`` and nothing else of the site."""
    from articles.api.views import ReadOnlyAPIView

    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if isinstance(getattr(callback, "cls", None), type) and issubclass(callback.cls, ReadOnlyAPIView)
    ]


SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom API",
    "DESCRIPTION": (
        "Read-only: published stories with their bylines, tags, corrections and body blocks; "
        "authors, sections and topics. Signed-in staff with permission also see drafts and scheduled stories."
    ),
    "VERSION": "1",
    "PREPROCESSING_HOOKS": ["articles.api.schema.only_the_api"],
    # One component per serializer, the same for reading and writing (nothing is written).
    "COMPONENT_SPLIT_REQUEST": False,
    "ENUM_NAME_OVERRIDES": {},
}


class SchemaView(SpectacularAPIView):
    """The schema as JSON; the same for every client (no authentication involved)."""

    http_method_names = ["get", "head"]
    schema = None  # not an operation of the API it describes
    renderer_classes = [OpenApiJsonRenderer]
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    versioning_class = None
    custom_settings = SPECTACULAR_SETTINGS

    def get_content_negotiator(self):
        from articles.api.views import AlwaysJSON

        return AlwaysJSON()

    def get_exception_handler(self):
        from rest_framework.views import exception_handler

        return exception_handler

    def get(self, request, *args, **kwargs):
        # The publication's name titles it, as it does the reader pages.
        self.custom_settings = {**SPECTACULAR_SETTINGS, "TITLE": f"{settings.PUBLICATION_NAME} API"}
        return super().get(request, *args, **kwargs)
