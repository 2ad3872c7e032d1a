"""The API's views: read-only, JSON, and configured here rather than in ``REST_FRAMEWORK``.

Who sees what: anonymous clients see what readers see (``published()``
stories; topics carried by one). A signed-in member of staff with the
"change article" permission sees drafts, stories in review and scheduled
ones too, through the session the admin signed them in with (REST
framework's ``SessionAuthentication``; reading needs no CSRF token). Their
responses are marked private and never cached (``articles.delivery.http``).
"""

from django.db.models import Prefetch
from django.http import JsonResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as rest_serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler
from taggit.models import Tag

from articles.api import serializers
from articles.api.filtering import SlugCursorPagination, StoryAPIFilter, StoryCursorPagination, StoryFilterBackend
from articles.delivery import keys
from articles.models import Article, Author, Correction, Section, tags_in_print
from articles.renderer import body_blocks
from articles.syndication import ninjs
from articles.syndication.body import site_url


class JSONOnly(JSONRenderer):
    # Fixed here: REST_FRAMEWORK's UNICODE_JSON, COMPACT_JSON and STRICT_JSON do not apply.
    ensure_ascii = False
    compact = True
    strict = True


class AlwaysJSON(BaseContentNegotiation):
    """JSON whatever the ``Accept`` header says: cached responses do not vary by it."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def not_found(request, *args, **kwargs):
    """A 404 for an address under ``api/`` that names no endpoint, in the API's own format."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


def shows_unpublished(request):
    """May this client see drafts and scheduled stories? Staff with the permission to change stories."""
    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("articles.change_article")
    )


ERROR = inline_serializer("Error", {"detail": rest_serializers.CharField()})
FILTER_ERRORS = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="A filter's value was refused: each parameter with its errors.",
)


class ReadOnlyAPIView(GenericAPIView):
    """Every REST framework setting the API depends on, set here so a site's ``REST_FRAMEWORK`` cannot change it."""

    http_method_names = ["get", "head"]
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = []
    renderer_classes = [JSONOnly]
    parser_classes = []
    content_negotiation_class = AlwaysJSON
    versioning_class = None
    metadata_class = None
    filter_backends = []
    pagination_class = None
    schema = AutoSchema()

    def get_exception_handler(self):
        return exception_handler

    @property
    def shows_unpublished(self):
        request = getattr(self, "request", None)
        return request is not None and shows_unpublished(request)

    def shows(self):
        """The keys a response shows besides the objects in it (lists: what may join them)."""
        return ()


class ListEndpoint(ReadOnlyAPIView):
    """A list: filtered (if the view has filters), paged (if it has a pagination)."""

    def get(self, request, *args, **kwargs):
        items = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(items)
        data = self.get_serializer(items if page is None else page, many=True).data
        keys.shows(*self.shows())
        return Response(data) if page is None else self.get_paginated_response(data)


class DetailEndpoint(ReadOnlyAPIView):
    """One object by its slug; a 404 when the client may not see it."""

    lookup_field = "slug"

    def get(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        keys.shows(*self.shows())
        return Response(data)


def _stories(view):
    """Stories the client may see, with what their summaries show (one query per relation)."""
    stories = Article.objects.all() if view.shows_unpublished else Article.objects.published()
    return stories.with_page_relations()


@extend_schema(
    tags=["stories"],
    responses={
        200: serializers.StorySummarySerializer(many=True),
        400: FILTER_ERRORS,
        404: OpenApiResponse(ERROR, description="An invalid cursor."),
    },
)
class StoryListView(ListEndpoint):
    """Stories, newest first; filtered and ordered as the reader search is."""

    serializer_class = serializers.StorySummarySerializer
    filter_backends = [StoryFilterBackend]
    filterset_class = StoryAPIFilter
    pagination_class = StoryCursorPagination

    def get_queryset(self):
        return _stories(self).order_by("-published_at", "-pk")

    def shows(self):
        # Any story may join the list, and a filter names a section, topic or author.
        found = [keys.STORIES, keys.SECTIONS, keys.TAGS, keys.AUTHORS]
        # The list changes by itself when a scheduled story comes due.
        keys.next_due()
        return found


@extend_schema(
    tags=["stories"],
    responses={200: serializers.StorySerializer, 404: OpenApiResponse(ERROR, description="No such story.")},
)
class StoryDetailView(DetailEndpoint):
    """One story by its slug, with its body as typed blocks."""

    serializer_class = serializers.StorySerializer

    def get_queryset(self):
        return _stories(self).prefetch_related(Prefetch("corrections", queryset=Correction.objects.all()))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["body_blocks"] = getattr(self, "blocks", [])
        return context

    def get_object(self):
        story = super().get_object()
        self.blocks = body_blocks(story).body
        return story


@extend_schema(
    tags=["stories"],
    parameters=[
        OpenApiParameter(
            "version",
            str,
            enum=sorted(ninjs.VERSIONS),
            description=f"The ninjs version (default {ninjs.DEFAULT_VERSION}).",
        )
    ],
    responses={
        200: OpenApiResponse(
            {"type": "object"},
            description="The story as an IPTC ninjs document (https://iptc.org/std/ninjs/), as at /ninjs/<slug>.json.",
        ),
        400: FILTER_ERRORS,
        404: OpenApiResponse(ERROR, description="No such story."),
    },
)
class StoryNinjsView(DetailEndpoint):
    """One story as IPTC ninjs 3.1 (or 2.1): the same document as the public ninjs address, drafts for staff."""

    def get_queryset(self):
        return _stories(self)

    def get(self, request, *args, **kwargs):
        version = request.query_params.get("version", ninjs.DEFAULT_VERSION)
        if version not in ninjs.VERSIONS:
            raise ValidationError({"version": [f"Ask for one of {', '.join(sorted(ninjs.VERSIONS))}."]})
        story = self.get_object()
        ninjs.shows(story)
        return Response(ninjs.story_document(story, version=version, base_url=site_url(request)))


@extend_schema(
    tags=["authors"],
    responses={
        200: serializers.AuthorSerializer(many=True),
        404: OpenApiResponse(ERROR, description="An invalid cursor."),
    },
)
class AuthorListView(ListEndpoint):
    """Everyone a byline can credit: reporters, desks and agencies, by slug."""

    serializer_class = serializers.AuthorSerializer
    pagination_class = SlugCursorPagination
    queryset = Author.objects.all()

    def shows(self):
        return [keys.AUTHORS]


@extend_schema(
    tags=["authors"],
    responses={200: serializers.AuthorSerializer, 404: OpenApiResponse(ERROR, description="No such author.")},
)
class AuthorDetailView(DetailEndpoint):
    serializer_class = serializers.AuthorSerializer
    queryset = Author.objects.all()


@extend_schema(
    tags=["sections"],
    responses={200: serializers.SectionSerializer(many=True)},
)
class SectionListView(ListEndpoint):
    """The paper's sections in their order (a short list: one page)."""

    serializer_class = serializers.SectionSerializer
    queryset = Section.objects.all()

    def shows(self):
        return [keys.SECTIONS]


@extend_schema(
    tags=["sections"],
    responses={200: serializers.SectionSerializer, 404: OpenApiResponse(ERROR, description="No such section.")},
)
class SectionDetailView(DetailEndpoint):
    serializer_class = serializers.SectionSerializer
    queryset = Section.objects.all()


def _tags(view):
    # A topic only drafts carry may name something not yet announced: anonymous clients never see it.
    return Tag.objects.all() if view.shows_unpublished else tags_in_print()


@extend_schema(
    tags=["tags"],
    responses={
        200: serializers.TagSerializer(many=True),
        404: OpenApiResponse(ERROR, description="An invalid cursor."),
    },
)
class TagListView(ListEndpoint):
    """Topics that published stories carry, by slug (staff with permission: every topic)."""

    serializer_class = serializers.TagSerializer
    pagination_class = SlugCursorPagination

    def get_queryset(self):
        return _tags(self)

    def shows(self):
        # A topic joins or leaves the list as stories carrying it are published or withdrawn.
        return [keys.TAGS, keys.STORIES]


@extend_schema(
    tags=["tags"],
    responses={200: serializers.TagSerializer, 404: OpenApiResponse(ERROR, description="No such topic.")},
)
class TagDetailView(DetailEndpoint):
    serializer_class = serializers.TagSerializer

    def get_queryset(self):
        return _tags(self)

    def shows(self):
        # It is a 404 until a published story carries it, and again once none does.
        return [keys.STORIES]
