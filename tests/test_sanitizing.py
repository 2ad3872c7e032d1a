"""No script, event handler or javascript: URL reaches a reader's page."""

import json
import re

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, IntegrityError, transaction
from django.db import models as dj_models
from django.urls import reverse
from taggit.models import Tag

from articles.embeds.models import EmbedURLField
from articles.feeds import feed_urls
from articles.models import (
    Article,
    Author,
    AutosaveDraft,
    DeliveryKey,
    EditingPresence,
    Image,
    RenderDependency,
    RichText,
    Section,
    SitemapPart,
    StoryRender,
    tag_url,
)
from articles.richtext import sanitize_html
from articles.signals import mark_content_changed
from articles.syndication.parts import month_of
from articles.syndication.sitemaps import SITEMAPS, story_part_path
from tests import factories
from tests.html import feed_problems, ninjs_problems, runnable_markup, sitemap_problems

pytestmark = pytest.mark.django_db

NASTY = (
    '<p>Before<script>alert("x")</script>'
    '<img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)" onclick="alert(3)">link</a>'
    '<iframe src="https://evil.example"></iframe>'
    '<span style="color:red">after</span></p>'
)


STRUCTURED_DATA = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def without_structured_data(html):
    """The page minus its one JSON-LD block, which must hold no raw markup.

    The story's schema.org data is the only script a reader's page carries;
    anything an editor typed sits inside it as an escaped JSON string.
    """
    blocks = STRUCTURED_DATA.findall(html)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and ">" not in blocks[0]
    return STRUCTURED_DATA.sub("", html)


def assert_clean(html):
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered
    assert "javascript:" not in lowered
    assert "<iframe" not in lowered


def test_allow_list_keeps_editorial_markup():
    html = '<h2>Sub</h2><p><strong>b</strong> <em>i</em> <a href="https://example.com/">l</a></p><ul><li>x</li></ul>'
    assert sanitize_html(html) == html


def test_orm_save_is_cleaned(client):
    block = factories.RichTextFactory(text=NASTY)
    block.refresh_from_db()
    assert_clean(block.text)
    assert "Before" in block.text and "after" in block.text
    assert_clean(without_structured_data(client.get(block.parent.get_absolute_url()).content.decode()))


def test_queryset_update_is_cleaned():
    block = factories.RichTextFactory()
    RichText.objects.filter(pk=block.pk).update(text=NASTY)
    block.refresh_from_db()
    assert_clean(block.text)


def test_fixture_load_is_cleaned(tmp_path, client):
    article = factories.ArticleFactory(slug="target")
    path = tmp_path / "nasty.json"
    path.write_text(
        json.dumps(
            [
                {
                    "model": "articles.richtext",
                    "fields": {
                        "uid": "00000000-0000-4000-8000-000000000001",
                        "parent": ["target"],
                        "region": "body",
                        "ordering": 10,
                        "text": NASTY,
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(path), verbosity=0)
    assert_clean(RichText.objects.get().text)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Before" in html
    assert_clean(without_structured_data(html))


def test_plain_text_fields_are_escaped(client):
    article = factories.ArticleFactory(
        headline='</script><script>alert("h")</script>Headline',
        kicker="<img src=x onerror=alert(1)>",
        standfirst="<b onclick=x>stand</b>",
        lead_image_caption="<script>c</script>",
    )
    factories.PullQuoteFactory(parent=article, quote="<script>q</script>", attribution="<i onmouseover=x>a</i>")
    factories.BylineFactory(article=article, author__name="<script>n</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    structured = json.loads(STRUCTURED_DATA.search(html).group(1))
    assert structured["headline"] == '</script><script>alert("h")</script>Headline'
    html = without_structured_data(html)
    assert "<script" not in html
    assert "<img src=x" not in html
    assert "<b onclick" not in html
    assert "&lt;script&gt;" in html


# Every write path, every field
# =============================
#
# The admin validates; code, QuerySet.update() and loaddata do not. For every
# text, URL and file field of every editor-writable model (found from the
# models' _meta, so a new field is covered without editing this list), each
# write path either refuses a hostile value with a clear error or stores it
# and every reader page that shows it neutralises it.

# Script tags, event handlers, script URLs in various cases and with
# whitespace or entities, break-outs from attributes and from the JSON-LD.
VECTORS = [
    '<script>alert("x")</script>',
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<scr<script>ipt>alert(1)</script>",
    '<a href="javascript:alert(1)">link</a>',
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "\tjava\nscript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>-->alert(1)",
    '<iframe src="https://evil.example"></iframe>',
    "\u2028</script>\u2029",
    "{{ request }}{% debug %}",
]

WRITE_PATHS = ["save", "update", "loaddata"]

# Bookkeeping no editor writes: delivery's keys and renders, the sitemap summary.
DELIVERY_MODELS = {DeliveryKey, RenderDependency, SitemapPart, StoryRender}
# The admin's own state while a story is being edited (an unsaved draft of the
# form, who has it open): no reader page reads either; the admin shows the
# draft's differences escaped (tests/test_autosave.py).
EDITING_MODELS = {AutosaveDraft, EditingPresence}
# Fields no reader page shows at all: their values cannot reach a reader.
NOT_SHOWN_TO_READERS = {
    # Between editors only: the notes on a story and a reporter's note with a
    # submission for review (tests/test_workflow_buttons.py checks each page too).
    "articles.article.editorial_notes",
    "articles.article.review_note",
    "articles.author.email",
    "articles.author.social_handle",
    # Bookkeeping of the picture library: which picture (its hash).
    "articles.image.content_hash",
    # The library's words for a picture, shown only where a story has none of
    # its own; the world's story has its own (tests/test_images.py shows the
    # library's, escaped, on a story without them).
    "articles.image.alt",
    "articles.image.caption",
    "articles.image.credit",
}
# A library picture's file name is the storage's: renditions are made from the
# file on every save, so no name without a file behind it can be stored; and
# pages show only rendition names, which the storage quotes.
NOT_WRITABLE = {"articles.image.file"}
# Which part of the page a block goes in: a block in an unknown region is
# simply not shown, so it is tested one field at a time like a choice.
PLACEMENT_FIELDS = {"region"}
# A picture's focal point ("0.5x0.5"), set by clicking in the admin: a
# machine value in a 20-character column, tested one field at a time like a
# choice (a value too long for it is refused by PostgreSQL, kept by SQLite).
MACHINE_FIELDS = {"file_ppoi"}


def editor_models():
    """The articles app's models an editor writes (not delivery's keys and renders, nor editing state), plus Tag."""
    models = [
        model
        for model in apps.get_app_config("articles").get_models()
        if model not in DELIVERY_MODELS and model not in EDITING_MODELS
    ]
    return [*models, Tag]


def text_fields(model):
    """Every concrete text, URL, slug, e-mail and file field of ``model``."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (dj_models.CharField, dj_models.TextField, dj_models.FileField)) and not field.primary_key
    ]


def checked_fields(constraint):
    """The fields a check constraint reads."""
    if not isinstance(constraint, dj_models.CheckConstraint):
        return set()

    def lookups(q):
        for child in q.children:
            yield from lookups(child) if isinstance(child, dj_models.Q) else [child[0]]

    return {lookup.split("__")[0] for lookup in lookups(constraint.condition)}


def check_constraint_fields(model):
    """Fields the database checks on ``model`` (slugs, web URLs)."""
    return set().union(*(checked_fields(constraint) for constraint in model._meta.constraints))


def field_kind(model, field):
    if f"{model._meta.label_lower}.{field.name}" in NOT_WRITABLE:
        return "not writable"
    # A slug or a web address the database checks; an image's description is
    # checked only for being there (or the picture marked decorative).
    if field.name in check_constraint_fields(model) and (model, field.name) != (Image, "alt"):
        return "checked"
    if field.choices or field.name in PLACEMENT_FIELDS | MACHINE_FIELDS:
        return "choice"
    return "free"


def fields_of_kind(kind):
    return [
        pytest.param(model, field, id=f"{model._meta.label_lower}.{field.name}")
        for model in editor_models()
        for field in text_fields(model)
        if field_kind(model, field) == kind
    ]


class World:
    """One published story using every editor-writable model, shown on every reader page."""

    def __init__(self):
        section = factories.SectionFactory(name="World", slug="world", description="News from abroad.")
        # One library picture, the author's photo and the story's lead image.
        picture = factories.ImageFactory(caption="A library caption", copyright="A copyright")
        author = factories.AuthorFactory(
            name="Our Foreign Staff",
            slug="foreign-staff",
            kind=Author.Kind.DESK,
            job_title="Foreign desk",
            bio="The foreign desk.",
            photo=picture,
            website="https://example.com/desk",
            social_handle="@foreignstaff",
            email="desk@example.com",
        )
        article = factories.ArticleFactory(
            section=section,
            slug="story",
            kicker="Analysis",
            headline="A headline",
            standfirst="A standfirst.",
            lead_image=factories.ImageFactory(
                credit="An agency", caption="A library caption", copyright="A copyright"
            ),
            lead_image_alt="A picture",
            lead_image_caption="A caption",
            lead_image_credit="A credit",
            seo_title="An SEO title",
            seo_description="An SEO description",
            canonical_url="https://example.com/original",
        )
        byline = factories.BylineFactory(article=article, author=author)
        tag = factories.TagFactory(name="Syria", slug="syria")
        tagged = factories.TaggedArticleFactory(content_object=article, tag=tag)
        text = factories.RichTextFactory(parent=article, text="<p>Body text.</p>")
        quote = factories.PullQuoteFactory(parent=article, quote="A quote", attribution="Someone")
        correction = factories.CorrectionFactory(article=article, text="A correction.")
        timeline = factories.TimelineFactory(title="A timeline", intro="An intro")
        event = factories.TimelineEventFactory(timeline=timeline, title="An event", text="What happened")
        timeline_block = factories.TimelineBlockFactory(parent=article, widget=timeline)
        profile = factories.ProfileFactory(name="A person", photo="profiles/person.jpg", photo_alt="A face")
        fact = factories.ProfileFactFactory(profile=profile, label="Born", value="Damascus")
        profile_block = factories.ProfileBlockFactory(parent=article, widget=profile)
        embed = factories.EmbedFactory(parent=article, title="An embed", caption="What it shows")
        redirect = factories.SlugRedirectFactory(article=article, old_slug="old-story")
        image_block = factories.ImageBlockFactory(
            parent=article, image=picture, caption="A block caption", credit="A block credit", alt="A block picture"
        )
        gallery = factories.GalleryFactory(title="A gallery", intro="A gallery intro")
        item = factories.GalleryItemFactory(gallery=gallery, image=picture, caption="A scene", credit="A lens")
        gallery_block = factories.GalleryBlockFactory(parent=article, widget=gallery)
        self.objects = [
            *(section, author, article, article.lead_image, byline, tag, tagged, text, quote, correction),
            *(timeline, event, timeline_block, profile, fact, profile_block, redirect, embed),
            *(image_block, gallery, item, gallery_block),
        ]

    def get(self, model):
        """The world's row of ``model``, fresh from the database."""
        (obj,) = [obj for obj in self.objects if type(obj) is model]
        return model._base_manager.get(pk=obj.pk)

    def write(self, path, changes, tmp_path):
        """Store ``changes`` (``[(model, field, value)]``) through one write path."""
        by_model = {}
        for model, field, value in changes:
            by_model.setdefault(model, {})[field.attname] = value
        if path == "update":
            for model, values in by_model.items():
                model._base_manager.filter(pk=self.get(model).pk).update(**values)
            # update() sends no signal; without this, pages cached by an
            # earlier read would hide the new value.
            mark_content_changed()
            return
        rows = []
        for model, values in by_model.items():
            obj = self.get(model)
            for name, value in values.items():
                setattr(obj, name, value)
            rows.append(obj)
        if path == "save":
            for obj in rows:
                obj.save()
            return
        fixture = tmp_path / "hostile.json"
        fixture.write_text(serializers.serialize("json", rows))
        call_command("loaddata", str(fixture), verbosity=0)

    def reader_urls(self):
        """Every reader page, feed and sitemap that shows something of the world."""
        article, section, author, tag = (self.get(m) for m in (Article, Section, Author, Tag))
        pages = [article.get_absolute_url(), "/", section.get_absolute_url(), author.get_absolute_url(), "/search/"]
        feeds = ["/feeds/rss/", "/feeds/atom/"]
        for obj in (section, author, tag):
            if obj is tag and not tag_url(tag):
                continue  # a tag whose slug no address can carry has no page (tested below)
            feeds += feed_urls(obj).values()
        if tag_url(tag):
            pages.append(tag_url(tag))
        sitemaps = ["/sitemap.xml", "/sitemap-news.xml", *(f"/sitemap-{part}.xml" for part in SITEMAPS)]
        if article.published_at:
            sitemaps.append(story_part_path(month_of(article.published_at)))
        documents = [reverse("articles:story_ninjs", kwargs={"slug": article.slug})]
        return pages, feeds, sitemaps, documents


def read_everything(client, world, *, allow_404=False):
    """Fetch every reader URL; return all the bytes readers got, after checking them."""
    pages, feeds, sitemaps, documents = world.reader_urls()
    seen = []
    for url, problems_of in (
        *((url, runnable_markup) for url in pages),
        *((url, feed_problems) for url in feeds),
        *((url, sitemap_problems) for url in sitemaps),
        *((url, ninjs_problems) for url in documents),
    ):
        response = client.get(url)
        if allow_404 and response.status_code == 404:
            continue
        assert response.status_code == 200, (url, response.status_code)
        content = response.content.decode()
        assert problems_of(content) == [], url
        seen.append(content)
    return "\n".join(seen)


def marker(model, field):
    return f"zq{model._meta.model_name}{field.name.replace('_', '')}zq"


def hostile(vector, model, field):
    """``vector`` with this field's marker, within the field's length.

    A file name or a slug starts an address, so there the vector comes
    first; elsewhere the marker comes first too, as a sanitiser rightly
    swallows whatever follows an unclosed tag.
    """
    mark = marker(model, field)
    head = "" if isinstance(field, (dj_models.FileField, dj_models.SlugField)) else f"{mark} "
    tail = f" {mark}"
    if field.max_length:
        vector = vector[: field.max_length - len(head) - len(tail)]
    return head + vector + tail


def test_world_uses_every_editor_writable_model():
    # A new model must join the world, so its fields are tested below.
    assert {type(obj) for obj in World().objects} >= set(editor_models())


@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize("vector", VECTORS)
def test_free_text_fields_are_neutralised_on_every_write_path(client, tmp_path, path, vector):
    """Every free text, file and unchecked slug field holds ``vector`` at once; no reader page runs it."""
    world = World()
    targets = [(model, field) for model in editor_models() for field in text_fields(model)]
    targets = [(model, field) for model, field in targets if field_kind(model, field) == "free"]
    world.write(path, [(model, field, hostile(vector, model, field)) for model, field in targets], tmp_path)

    everything = read_everything(client, world)

    for model, field in targets:
        label = f"{model._meta.label_lower}.{field.name}"
        if isinstance(field, dj_models.SlugField):
            continue  # only ever part of an address, if one can carry it
        if label in NOT_SHOWN_TO_READERS:
            assert marker(model, field) not in everything, f"{label} is shown: take it off NOT_SHOWN_TO_READERS"
        else:
            assert marker(model, field) in everything, f"{label} reached no reader page"


@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize(("model", "field"), fields_of_kind("choice"))
def test_choice_fields_are_neutralised_on_every_write_path(client, tmp_path, path, model, field):
    """A value outside the choices, as long as it is or cut to the column, is refused or harmless."""
    world = World()
    combined = "".join(VECTORS[:4])
    for value in dict.fromkeys([combined, combined[: field.max_length]]):
        try:
            with transaction.atomic():
                world.write(path, [(model, field, value)], tmp_path)
        except DataError:
            # Too long for the column: PostgreSQL refuses it, SQLite stores it.
            assert len(value) > field.max_length
            continue
        read_everything(client, world, allow_404=True)


# Values the database must refuse in a slug or a web URL, beyond VECTORS.
BAD_SLUGS = ["bad slug!", "café", "", "story\n", "a/b", "a.b", "ünïcode", " "]
BAD_WEB_URLS = [
    "JAVASCRIPT:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.com/file",
    "//evil.example/",
    "https://",
    "https://exa mple.com/",
    "\nhttps://example.com/",
    "www.example.com",
]
# Web URLs the database takes; the pages must still keep them inert.
ODD_WEB_URLS = [
    'https://example.com/"><script>alert(1)</script>',
    "HTTPS://EXAMPLE.COM/?q=<img/src=x/onerror=alert(1)>",
    "http://example.com/'onmouseover='alert(1)",
]


@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize(("model", "field"), fields_of_kind("checked"))
def test_checked_fields_refuse_bad_values_on_every_write_path(client, tmp_path, path, model, field):
    """Slugs and web URLs: the database refuses what the admin would; what it takes renders inert."""
    world = World()
    bad = BAD_SLUGS if isinstance(field, dj_models.SlugField) else BAD_WEB_URLS
    constraint = [c.name for c in model._meta.constraints if field.name in checked_fields(c)]
    for value in [*VECTORS, *bad, *ODD_WEB_URLS]:
        try:
            with transaction.atomic():
                world.write(path, [(model, field, value)], tmp_path)
        except ValidationError as exc:
            # An allow-listed address (articles.embeds) is refused before the
            # database, on every write path, with the providers' message.
            assert isinstance(field, EmbedURLField), (value, exc)
            assert exc.code in {"malformed", "unsupported_provider"}, (value, exc)
            continue
        except IntegrityError as exc:
            assert constraint[0] in str(exc), (value, exc)
            # The admin, and anyone calling full_clean(), gets a clear message
            # on the field itself.
            obj = world.get(model)
            setattr(obj, field.attname, value)
            with pytest.raises(ValidationError) as info:
                obj.full_clean()
            assert field.name in info.value.message_dict, (value, info.value.message_dict)
            continue
        assert value not in bad, f"{value!r} was stored in {model.__name__}.{field.name}"
        read_everything(client, world)
