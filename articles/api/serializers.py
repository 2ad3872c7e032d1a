"""What the API says about stories, authors, sections and tags.

Serializers read only what the views fetched (``with_page_relations()``,
``articles.renderer.body_blocks``), so a response costs the same queries
whatever it holds. Each one reports what it shows to the response's keys
(``articles.delivery.keys``), as the reader templates do, so an edit purges
exactly the API responses that show it.

Dates are ISO 8601 and addresses absolute, whatever the site's
``REST_FRAMEWORK`` says (formats are set on the fields, not taken from there).
"""

import functools

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601

from articles import widgets
from articles.delivery import keys
from articles.images.models import Image, PictureUse
from articles.images.renditions import WIDTHS, fitted_size
from articles.models import Article, Author, Byline, Correction, Embed, ImageBlock, PullQuote, RichText, Section
from articles.models import tag_url as reader_tag_url
from articles.richtext import sanitize_html
from articles.widgets.base import WidgetBlock


def absolute(context, url):
    """``url`` as an absolute address for the request being answered (``None`` for no address)."""
    if not url:
        return None
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class DateTimeField(serializers.DateTimeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("format", ISO_8601)
        super().__init__(**kwargs)


class DateField(serializers.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("format", ISO_8601)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class FileURLField(serializers.Field):
    """An uploaded file as its absolute address, or ``null`` when there is none."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return absolute(self.context, value.url) if value else None


# -- Pictures ---------------------------------------------------------------------------


class RenditionSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class PictureSerializer(serializers.Serializer):
    """A library picture as a story shows it: its words here, the library's where it has none of its own.

    Reads a :func:`picture` dict.
    """

    url = serializers.URLField(help_text="The original upload.")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt = serializers.CharField(allow_blank=True, help_text="Empty for a decorative picture.")
    caption = serializers.CharField(allow_blank=True)
    credit = serializers.CharField(allow_blank=True)
    renditions = RenditionSerializer(many=True, help_text="Smaller copies, narrowest first.")


def picture(context, image, alt=None, caption="", credit=""):
    """What :class:`PictureSerializer` shows of ``image`` (an ``articles.Image``), or ``None``."""
    if image is None:
        return None
    keys.shows(keys.image(image.pk))
    renditions = []
    seen = set()
    for width in WIDTHS:
        size = fitted_size(image, width)
        if size is None or size[0] in seen:
            continue
        seen.add(size[0])
        renditions.append(
            {"url": absolute(context, getattr(image.file, f"w{width}")), "width": size[0], "height": size[1]}
        )
    return {
        "url": absolute(context, image.file.url),
        "width": image.file_width,
        "height": image.file_height,
        "alt": image.alt_text if alt is None or alt == "" else alt,
        "caption": caption or image.caption,
        "credit": credit or image.credit,
        "renditions": renditions,
    }


@extend_schema_field(PictureSerializer(allow_null=True))
class PictureField(serializers.Field):
    """A foreign key to a library picture, shown as a :class:`PictureSerializer`."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # The whole row: a picture use (a gallery item) has its own words for it.
        return instance

    def to_representation(self, row):
        image = getattr(row, self.source)
        if isinstance(row, PictureUse):
            return picture(self.context, image, caption=row.shown_caption, credit=row.shown_credit)
        return picture(self.context, image)


# -- Sections, authors, tags ------------------------------------------------------------


class SectionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The section's page for readers.")

    class Meta:
        model = Section
        fields = ["slug", "name", "description", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, section):
        return absolute(self.context, section.get_absolute_url())

    def to_representation(self, section):
        keys.shows(keys.section(section.pk))
        return super().to_representation(section)


class SectionReferenceSerializer(SectionSerializer):
    """A story's section: enough to name and link it."""

    class Meta(SectionSerializer.Meta):
        fields = ["slug", "name", "url"]


class AuthorSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The author's page for readers.")

    class Meta:
        model = Author
        fields = ["slug", "name", "kind", "job_title", "bio", "website", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, author):
        return absolute(self.context, author.get_absolute_url())

    def to_representation(self, author):
        keys.shows(keys.author(author.pk))
        return super().to_representation(author)


class TagSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The topic's page for readers (null if its slug has none).")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, tag):
        return absolute(self.context, reader_tag_url(tag))

    def to_representation(self, tag):
        keys.shows(keys.tag(tag.pk))
        return super().to_representation(tag)


class BylineSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", help_text="The role as the byline prints it.")
    author = AuthorSerializer()

    class Meta:
        model = Byline
        fields = ["role", "role_label", "author"]


class CorrectionSerializer(serializers.ModelSerializer):
    published_at = DateTimeField()

    class Meta:
        model = Correction
        fields = ["kind", "text", "published_at"]


# -- Body blocks ------------------------------------------------------------------------


class RichTextDataSerializer(serializers.Serializer):
    html = serializers.SerializerMethodField(help_text="Sanitised HTML (the rich-text allow-list).")

    def get_html(self, block) -> str:
        # Clean when stored; cleaned again here for rows written past the field (raw SQL).
        return sanitize_html(block.text)


class PullQuoteDataSerializer(serializers.ModelSerializer):
    class Meta:
        model = PullQuote
        fields = ["quote", "attribution"]


class EmbedDataSerializer(serializers.ModelSerializer):
    provider = serializers.SerializerMethodField(help_text="The provider's name; null if none knows the address.")

    class Meta:
        model = Embed
        fields = ["url", "title", "caption", "provider"]

    def get_provider(self, block) -> str | None:
        embed = block.embed
        return embed.provider.name if embed is not None else None


@extend_schema_field(PictureSerializer)
class ImageDataSerializer(serializers.Serializer):
    """An image block's picture, with this story's words for it where it has them."""

    def to_representation(self, block):
        return picture(
            self.context, block.image, alt=block.alt, caption=block.shown_caption, credit=block.shown_credit
        )


class WidgetModelSerializer(serializers.ModelSerializer):
    """A widget kind's rows as they are: dates ISO, files as addresses, library pictures as pictures."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: DateField,
        models.DateTimeField: DateTimeField,
        models.FileField: FileURLField,
        models.ImageField: FileURLField,
    }

    def build_field(self, field_name, info, model_class, nested_depth):
        relation = info.relations.get(field_name)
        if relation is not None and relation.related_model is Image:
            return PictureField, {}
        return super().build_field(field_name, info, model_class, nested_depth)

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is FileURLField:
            kwargs = {}
        return field_class, kwargs


def _shown_fields(model, leave_out=()):
    # What a reader sees of a row: not its id, its edit times or the key to its owner.
    return [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in ("created_at", "updated_at", *leave_out)
    ]


def _row_serializer(model, name, leave_out=()):
    fields = _shown_fields(model, leave_out)
    if issubclass(model, PictureUse):
        # The picture with this use's words (PictureField): not its words again beside it.
        fields = [field for field in fields if field not in ("caption", "credit")]
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{name}Serializer", (WidgetModelSerializer,), {"Meta": meta, "__module__": __name__})


def widget_serializer(kind):
    """The data of a widget kind: its own fields and its ``related`` rows, in their order.

    Made from the models, so that adding a widget kind (``articles.widgets``)
    is still one module: its API data and schema come with it.
    """
    attrs = {}
    for name in kind.related:
        relation = kind.model._meta.get_field(name)
        row = relation.related_model
        attrs[name] = _row_serializer(row, row.__name__, leave_out=(relation.field.name,))(many=True, read_only=True)
    fields = [*_shown_fields(kind.model), *kind.related]
    meta = type("Meta", (), {"model": kind.model, "fields": fields})
    name = f"{kind.model.__name__}Widget"
    return type(f"{name}Serializer", (WidgetModelSerializer,), {**attrs, "Meta": meta, "__module__": __name__})


@functools.cache
def block_types():
    """``{block model: (type, component name, data serializer class)}``: what a body block says it is."""
    types = {
        RichText: ("richtext", "RichTextBlock", RichTextDataSerializer),
        PullQuote: ("pullquote", "PullQuoteBlock", PullQuoteDataSerializer),
        ImageBlock: ("image", "ImageBlock", ImageDataSerializer),
        Embed: ("embed", "EmbedBlock", EmbedDataSerializer),
    }
    for kind in widgets.kinds():
        types[kind.block] = (kind.model._meta.model_name, f"{kind.model.__name__}Block", widget_serializer(kind))
    return types


@functools.cache
def block_serializers():
    """``{type: serializer}`` of every body block, for the schema (one component per type)."""
    found = {}
    for type_name, component, data in block_types().values():
        attrs = {
            "type": serializers.ChoiceField(choices=[type_name]),
            "data": data(help_text="What the block shows."),
            "__module__": __name__,
        }
        found[type_name] = type(f"{component}Serializer", (serializers.Serializer,), attrs)
    return found


BODY_BLOCK = PolymorphicProxySerializer(
    component_name="BodyBlock",
    serializers=block_serializers,
    resource_type_field_name="type",
)


def block_data(block, context):
    """One body block: ``{"type": "timeline", "data": {...}}``; the type says what ``data`` holds."""
    type_name, _, data = block_types()[type(block)]
    if isinstance(block, WidgetBlock):
        keys.shows(keys.widget(block.widget))
        return {"type": type_name, "data": data(block.widget, context=context).data}
    return {"type": type_name, "data": data(block, context=context).data}


@extend_schema_field(BODY_BLOCK)
class BodyBlockField(serializers.Field):
    """A body block in the schema (:func:`block_data` makes them)."""

    def to_representation(self, block):
        return block_data(block, self.context)


# -- Stories ----------------------------------------------------------------------------


class StorySummarySerializer(serializers.ModelSerializer):
    """A story as lists show it: everything but its body and corrections."""

    url = serializers.SerializerMethodField(help_text="The story's page for readers.")
    status = serializers.ChoiceField(
        source="public_status",
        choices=["draft", "review", "scheduled", "published", "unpublished"],
        help_text="Always 'published' for anonymous clients; staff with permission see the others too.",
    )
    section = SectionReferenceSerializer()
    published_at = DateTimeField(allow_null=True)
    updated_at = DateTimeField()
    bylines = BylineSerializer(many=True, help_text="In the byline's order; role 'by' are the story's authors.")
    tags = TagSerializer(many=True)
    lead_image = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "slug",
            "url",
            "status",
            "kicker",
            "headline",
            "standfirst",
            "section",
            "published_at",
            "updated_at",
            "bylines",
            "tags",
            "lead_image",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, story):
        return absolute(self.context, story.get_absolute_url())

    @extend_schema_field(PictureSerializer(allow_null=True))
    def get_lead_image(self, story):
        if story.lead_image_id is None:
            return None
        return picture(
            self.context, story.lead_image, alt=story.lead_alt, caption=story.lead_caption, credit=story.lead_credit
        )

    def to_representation(self, story):
        # The story, its bylined authors and its publication and edit times (Last-Modified).
        keys.shows_stories([story])
        return super().to_representation(story)


class StorySerializer(StorySummarySerializer):
    """One story, with its body as typed blocks in reading order."""

    canonical_url = serializers.URLField(
        allow_blank=True, help_text="For syndicated copy: the original story's address; empty otherwise."
    )
    corrections = CorrectionSerializer(many=True, help_text="Corrections and updates, oldest first.")
    body = serializers.SerializerMethodField()

    class Meta(StorySummarySerializer.Meta):
        fields = [*StorySummarySerializer.Meta.fields, "canonical_url", "corrections", "body"]

    @extend_schema_field(
        serializers.ListField(child=BodyBlockField(), help_text="The body's blocks in reading order.")
    )
    def get_body(self, story):
        return [block_data(block, self.context) for block in self.context["body_blocks"]]
