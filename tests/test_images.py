"""The picture library: uploads, alt text, focal-point crops, renditions on pages."""

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.utils import timezone
from imagefield.fields import ImageFieldFile
from PIL import Image as PillowImage

from articles.images.models import Image
from articles.images.renditions import CARD_WIDTHS, JSONLD_CROPS, SHARE_CROP, WIDTHS
from articles.models import StoryRender
from tests import factories

pytestmark = pytest.mark.django_db

RED = (255, 0, 0)


def picture_bytes(fmt, size=(1600, 900), color="navy", mark=None):
    """An image file made with Pillow; ``mark``: (x, y) fractions where a red square sits."""
    picture = PillowImage.new("RGB", size, color)
    if mark is not None:
        x, y = int(mark[0] * size[0]), int(mark[1] * size[1])
        side = max(size) // 80
        picture.paste(RED, (x - side, y - side, x + side, y + side))
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def open_stored(name):
    with default_storage.open(name, "rb") as handle:
        picture = PillowImage.open(handle)
        picture.load()
    return picture


def add_image(client, file, **fields):
    data = {"file": file, "file_ppoi": "0.5x0.5", "alt": "Delegates at the summit", "caption": "", "credit": ""}
    data.update(fields)
    return client.post("/admin/articles/image/add/", data)


# --- uploads -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [("JPEG", "summit.jpg", "image/jpeg"), ("PNG", "summit.png", "image/png"), ("WEBP", "summit.webp", "image/webp")],
)
def test_upload_makes_every_rendition(editor_client, editor, fmt, name, content_type):
    response = add_image(editor_client, upload(name, picture_bytes(fmt), content_type), credit="Reuters")
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    assert (image.file_width, image.file_height) == (1600, 900)
    assert image.uploaded_by == editor
    assert image.credit == "Reuters"
    assert len(image.content_hash) == 64
    # Made at upload, not later: each rendition is a stored file of the promised size.
    for width in WIDTHS:
        assert open_stored(urlpath(image.file, f"w{width}")).size == (width, width * 9 // 16)
        webp = open_stored(urlpath(image.file, f"w{width}_webp"))
        assert webp.format == "WEBP"
    for width in CARD_WIDTHS:
        assert open_stored(urlpath(image.file, f"card{width}_webp")).size == (width, width * 9 // 16)
    for name_, size in (*JSONLD_CROPS.items(), SHARE_CROP):
        assert open_stored(urlpath(image.file, name_)).size == size


def urlpath(file, name):
    """The storage name of rendition ``name`` (its URL without MEDIA_URL)."""
    return getattr(file, name).split("/media/", 1)[1]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("corrupt.jpg", picture_bytes("JPEG")[:400]),
        ("notes.jpg", b"Minutes of the meeting, not a picture at all.\n" * 20),
    ],
    ids=["corrupt", "not-an-image"],
)
def test_broken_uploads_are_refused_with_a_form_error(editor_client, name, content):
    response = add_image(editor_client, upload(name, content))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "file" in errors, errors
    assert Image.objects.count() == 0


def test_other_formats_are_refused(editor_client):
    response = add_image(editor_client, upload("anim.gif", picture_bytes("GIF", size=(40, 30)), "image/gif"))
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["file"]
    assert "JPEG, PNG or WebP" in message
    assert Image.objects.count() == 0


# --- alt text ------------------------------------------------------------------


def test_alt_is_required_unless_decorative_in_the_form(editor_client):
    response = add_image(editor_client, upload("a.jpg", picture_bytes("JPEG", size=(40, 30))), alt="")
    assert response.status_code == 200
    assert "decorative" in response.context["adminform"].form.errors["alt"][0]
    response = add_image(editor_client, upload("a.jpg", picture_bytes("JPEG", size=(40, 30))), alt="", decorative="on")
    assert response.status_code == 302
    assert Image.objects.get().decorative


def test_alt_is_required_unless_decorative_in_the_model():
    image = Image(file=upload("x.jpg", picture_bytes("JPEG", size=(40, 30))), alt="  ")
    with pytest.raises(ValidationError) as info:
        image.full_clean()
    assert "alt" in info.value.message_dict
    image = Image(file=upload("x.jpg", picture_bytes("JPEG", size=(40, 30))), alt="Stale words", decorative=True)
    image.full_clean()
    assert image.alt == ""  # a decorative picture says nothing


def test_the_database_refuses_an_image_without_alt():
    image = factories.ImageFactory(alt="A harbour at dawn")
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.filter(pk=image.pk).update(alt="")
    Image.objects.filter(pk=image.pk).update(alt="", decorative=True)


def test_decorative_picture_has_empty_alt_on_the_page(client):
    image = factories.ImageFactory(alt="", decorative=True)
    html = client.get(factories.ArticleFactory(lead_image=image).get_absolute_url()).content.decode()
    assert re.search(r'<img [^>]*alt=""', lead_figure(html))


# --- focal point ---------------------------------------------------------------


def has_red(picture):
    colors = picture.getcolors(maxcolors=picture.width * picture.height)
    return any(r > 200 and g < 80 and b < 80 for _count, (r, g, b) in colors)


@pytest.mark.parametrize("focus", [(0.9, 0.15), (0.08, 0.85), (0.5, 0.5)])
def test_every_crop_keeps_the_focal_point(focus):
    """A red square at the focal point is inside every crop (a centred crop of a wide picture would miss it)."""
    content = picture_bytes("PNG", size=(2400, 800), color="white", mark=focus)
    image = Image(file=upload("wide.png", content, "image/png"), alt="A wide view", file_ppoi="{}x{}".format(*focus))
    image.save()
    for name in ("card400", "card1200", *JSONLD_CROPS, SHARE_CROP[0]):
        crop = open_stored(urlpath(image.file, name)).convert("RGB")
        assert has_red(crop), f"the focal point left the {name} crop"


def test_a_centred_crop_would_lose_an_off_centre_point():
    """The check above can fail: without the focal point, the 1:1 crop misses the mark."""
    content = picture_bytes("PNG", size=(2400, 800), color="white", mark=(0.9, 0.15))
    image = Image(file=upload("wide.png", content, "image/png"), alt="A wide view")
    image.save()
    crop = open_stored(urlpath(image.file, "jsonld_1x1")).convert("RGB")
    assert not has_red(crop)


# --- pages ---------------------------------------------------------------------


def lead_figure(html):
    return re.search(r'<figure class="story__lead">.*?</figure>', html, re.S).group(0)


def test_story_page_shows_the_lead_picture_with_renditions(client):
    image = factories.ImageFactory(
        file__width=1600,
        file__height=1200,
        alt="Delegates at the summit",
        caption="Library caption",
        credit="AFP",
        renditions=True,
    )
    article = factories.ArticleFactory(lead_image=image, lead_image_credit="Reuters")
    expected = {name: getattr(image.file, name) for name in image.file.field.formats}
    figure = lead_figure(client.get(article.get_absolute_url()).content.decode())
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', figure)
    assert webp.group(1) == ", ".join(f"{expected['w' + str(w) + '_webp']} {w}w" for w in WIDTHS)
    img = re.search(r"<img [^>]+>", figure).group(0)
    srcset = ", ".join(f"{expected['w' + str(w)]} {w}w" for w in WIDTHS)
    assert f'srcset="{srcset}"' in img
    assert 'width="1600" height="1200"' in img
    assert 'alt="Delegates at the summit"' in img
    assert 'fetchpriority="high"' in img and "loading=" not in img
    # The library's caption; this story's own credit.
    assert '<figcaption>Library caption <span class="credit">Reuters</span></figcaption>' in figure
    for url in [expected[f"w{w}"] for w in WIDTHS] + [expected[f"w{w}_webp"] for w in WIDTHS]:
        assert default_storage.exists(url.split("/media/", 1)[1]), url


def test_a_small_original_is_not_offered_at_widths_it_cannot_fill(client):
    image = factories.ImageFactory(file__width=500, file__height=250)
    figure = lead_figure(client.get(factories.ArticleFactory(lead_image=image).get_absolute_url()).content.decode())
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert re.findall(r" (\d+)w", img) == ["400", "500"]
    assert 'width="500" height="250"' in img


def test_library_words_are_escaped(client):
    image = factories.ImageFactory(alt='"><script>a</script>', caption="<b>c</b>", credit="<i>d</i>")
    html = client.get(factories.ArticleFactory(lead_image=image).get_absolute_url()).content.decode()
    figure = lead_figure(html)
    assert "<script>" not in figure and "<b>" not in figure and "<i>" not in figure
    assert "&lt;b&gt;c&lt;/b&gt;" in figure


def test_cards_show_lazy_thumbnails_and_the_front_lead_a_large_one(client):
    factories.ArticleFactory(lead_image=factories.ImageFactory(), published_at=timezone.now() - timedelta(hours=2))
    factories.ArticleFactory(lead_image=factories.ImageFactory())
    html = client.get("/").content.decode()
    pictures = re.findall(r'<img class="story-card__picture"[^>]+>', html)
    assert len(pictures) == 2
    lead, card = pictures
    assert 'fetchpriority="high"' in lead and "loading" not in lead
    assert 'loading="lazy"' in card and "fetchpriority" not in card
    assert 'sizes="(min-width: 74.5rem) 72rem' in lead
    assert all(f"{w}w" in lead for w in CARD_WIDTHS)
    assert 'width="1200" height="675"' in card


def test_the_first_card_of_a_listing_is_fetched_first(client):
    # On a phone the first card's picture is the largest paint of a topic, section
    # or author page (Lighthouse's LCP element): lazy, it waited for layout.
    tag = factories.TagFactory(name="Floods", slug="floods")
    for hours in (1, 2):
        story = factories.ArticleFactory(
            lead_image=factories.ImageFactory(), published_at=timezone.now() - timedelta(hours=hours)
        )
        story.tags.add(tag)
    html = client.get("/tag/floods/").content.decode()
    first, second = re.findall(r'<img class="story-card__picture"[^>]+>', html)
    assert 'fetchpriority="high"' in first and "loading" not in first
    assert 'sizes="(min-width: 36rem) 22rem' in first  # a card's size, not the front lead's
    assert 'loading="lazy"' in second and "fetchpriority" not in second


def test_reporters_faces_sit_beside_the_byline(client):
    article = factories.ArticleFactory()
    jane = factories.AuthorFactory(name="Jane Hack", photo=factories.ImageFactory(alt="Jane Hack, portrait"))
    factories.BylineFactory(article=article, author=jane, role="by", position=1)
    factories.BylineFactory(article=article, author=factories.AuthorFactory(name="Reuters"), role="by", position=2)
    editor = factories.AuthorFactory(name="Ed Itor", photo=factories.ImageFactory())
    factories.BylineFactory(article=article, author=editor, role="edited", position=3)
    html = client.get(article.get_absolute_url()).content.decode()
    faces = re.search(r'<div class="story__faces">(.*?)</div>', html, re.S).group(1)
    # Only the reporter's: a desk without a photo and an editor are not faces of the story.
    assert len(re.findall(r"<img ", faces)) == 1
    assert f'srcset="{jane.photo.file.headshot96_webp} 96w, {jane.photo.file.headshot192_webp} 192w"' in faces
    # Her name is written beside it: the face repeats it, so it is not described again.
    assert 'alt=""' in faces and "Jane Hack, portrait" not in faces
    assert 'width="192" height="192"' in faces
    assert '<div class="story__meta story__meta--faces">' in html


def test_a_story_without_faces_has_no_face_box(client):
    article = factories.ArticleFactory()
    factories.BylineFactory(article=article, author=factories.AuthorFactory(name="Our Foreign Staff"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<div class="story__meta">' in html and "story__faces" not in html


def test_seed_story_caption_without_a_picture_is_a_plain_line(client, seed_story):
    html = client.get(seed_story.get_absolute_url()).content.decode()
    assert "story__lead" not in html and "<figure" not in html.split('<div class="story__body">')[0]
    assert f'<p class="story__caption-line">{seed_story.lead_image_caption}</p>' in html


def test_reader_pages_process_no_picture(client, monkeypatch, settings):
    """Renditions exist before anyone reads: a request that tried to make one would fail here."""
    settings.ARTICLES_PAGE_CACHE = None
    for _ in range(3):
        article = factories.ArticleFactory(lead_image=factories.ImageFactory())
        factories.TaggedArticleFactory(content_object=article, tag=factories.TagFactory(slug="syria", name="Syria"))
    StoryRender.objects.all().delete()  # the story page is drawn in the request

    def refuse(*args, **kwargs):
        raise AssertionError("a reader request processed a picture")

    monkeypatch.setattr(ImageFieldFile, "process", refuse)
    monkeypatch.setattr(ImageFieldFile, "_process", refuse)
    monkeypatch.setattr(type(default_storage._wrapped), "open", refuse)
    monkeypatch.setattr(type(default_storage._wrapped), "exists", refuse)
    for url in (article.get_absolute_url(), "/", "/tag/syria/", "/section/world/", "/search/?q=picture"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "<picture>" in client.get(article.get_absolute_url()).content.decode()


# --- deletion and fixtures -----------------------------------------------------


def test_an_image_in_use_cannot_be_deleted(editor_client):
    image = factories.ImageFactory(alt="The summit")
    factories.ArticleFactory(lead_image=image, headline="Summit opens")
    with pytest.raises(ProtectedError), transaction.atomic():
        image.delete()
    response = editor_client.post(f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "would require deleting the following protected related objects" in html
    assert "Summit opens" in html
    assert Image.objects.filter(pk=image.pk).exists()
    unused = factories.ImageFactory()
    assert editor_client.post(f"/admin/articles/image/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Image.objects.filter(pk=unused.pk).exists()


def test_image_has_a_natural_key():
    image = factories.ImageFactory()
    assert Image.objects.get_by_natural_key(*image.natural_key()) == image


def test_story_form_chooses_from_the_library_with_a_preview(editor_client):
    image = factories.ImageFactory(alt="Harbour at dawn")
    article = factories.ArticleFactory(lead_image=image)
    html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    chooser = re.search(r'<select name="lead_image"[^>]*>', html).group(0)
    assert 'class="image-chooser"' in chooser and 'data-field-name="lead_image"' in chooser
    assert 'data-ajax--url="/admin/articles/image/chooser/"' in chooser
    assert "articles/admin/image-chooser.js" in html
    assert 'id="add_id_lead_image"' in html  # + uploads a new picture in a popup
    assert (
        f'<div class="image-chooser__preview" id="id_lead_image_preview"><img class="image-thumbnail" '
        f'src="{image.file.preview}"'
    ) in html
    # Without a picture yet: the empty box the script fills when one is chosen.
    html = editor_client.get("/admin/articles/article/add/").content.decode()
    assert '<div class="image-chooser__preview" id="id_lead_image_preview"></div>' in html


CHOOSER = {"app_label": "articles", "model_name": "article", "field_name": "lead_image"}


def test_the_chooser_finds_pictures_with_their_thumbnails(editor_client):
    harbour = factories.ImageFactory(alt="Harbour at dawn")
    factories.ImageFactory(alt="Summit opens")
    found = editor_client.get("/admin/articles/image/chooser/", {"term": "harbour", **CHOOSER}).json()
    assert found["results"] == [{"id": str(harbour.pk), "text": "Harbour at dawn", "thumbnail": harbour.file.preview}]
    # One picture by its key: the one just uploaded in the popup.
    found = editor_client.get("/admin/articles/image/chooser/", {"pk": harbour.pk, **CHOOSER}).json()
    assert [result["id"] for result in found["results"]] == [str(harbour.pk)]
    for bad in ("abc", "99999999999999999999999"):
        found = editor_client.get("/admin/articles/image/chooser/", {"pk": bad, **CHOOSER}).json()
        assert found["results"] == []


def test_the_chooser_answers_only_whom_the_admin_would(editor_client, django_user_model):
    factories.ImageFactory(alt="Harbour at dawn")
    client = Client()
    assert client.get("/admin/articles/image/chooser/", {"term": "h", **CHOOSER}).status_code == 302  # sign in
    nobody = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    client.force_login(nobody)
    assert client.get("/admin/articles/image/chooser/", {"term": "h", **CHOOSER}).status_code == 403
    # Only for a field that chooses pictures.
    wrong = {**CHOOSER, "field_name": "headline"}
    assert editor_client.get("/admin/articles/image/chooser/", {"term": "h", **wrong}).status_code == 403


def test_library_list_shows_thumbnails_and_searches_words(editor_client):
    image = factories.ImageFactory(alt="Harbour at dawn", credit="Jane Lens")
    factories.ImageFactory(alt="Parliament")
    html = editor_client.get("/admin/articles/image/", {"q": "Jane Lens"}).content.decode()
    assert image.file.preview in html
    assert "Harbour at dawn" in html and "Parliament" not in html


# --- the migration -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_uploaded_lead_files_into_library_images():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    loader = executor.loader
    # Found by name, not number, so renumbering at merge time keeps this test.
    (library,) = [key for key in loader.disk_migrations if key[0] == "articles" and key[1].endswith("_image_library")]
    (before,) = [dep for dep in loader.get_migration(*library).dependencies if dep[0] == "articles"]
    leaves = loader.graph.leaf_nodes()
    stored = default_storage.save("articles/2017/07/summit.jpg", io.BytesIO(picture_bytes("JPEG", size=(640, 480))))
    try:
        executor.migrate([before])
        old = MigrationExecutor(connection).loader.project_state([before]).apps
        section = old.get_model("articles", "Section").objects.create(name="World", slug="world")
        OldArticle = old.get_model("articles", "Article")
        common = {"section": section, "lead_image_caption": "Delegates arrive", "lead_image_credit": "Reuters"}
        OldArticle.objects.create(headline="A", slug="a", lead_image=stored, lead_image_alt="Delegates", **common)
        OldArticle.objects.create(headline="B", slug="b", lead_image=stored, lead_image_alt="Other words", **common)
        OldArticle.objects.create(headline="C", slug="c", lead_image="articles/gone.jpg", **common)
        OldArticle.objects.create(headline="D", slug="d", section=section, lead_image_caption="Only words")
        old.get_model("articles", "Author").objects.create(name="Sam Lens", slug="sam", photo=stored)

        executor = MigrationExecutor(connection)
        executor.migrate([library])
        new = executor.loader.project_state([library]).apps
        NewArticle, NewImage = new.get_model("articles", "Article"), new.get_model("articles", "Image")
        a, b, c, d = NewArticle.objects.order_by("slug")
        # One library picture per file, however many stories used it.
        assert a.lead_image_id == b.lead_image_id
        picture = NewImage.objects.get(pk=a.lead_image_id)
        assert (picture.file.name, picture.alt, picture.decorative) == (stored, "Delegates", False)
        assert (picture.file_width, picture.file_height) == (640, 480)
        assert (picture.caption, picture.credit) == ("Delegates arrive", "Reuters")
        assert (a.lead_image_alt, b.lead_image_alt) == ("", "Other words")  # a story's own words stay its own
        # A file gone from storage still becomes a (decorative, size unknown) library entry.
        missing = NewImage.objects.filter(pk=c.lead_image_id).values("decorative", "file_width").get()
        assert missing == {"decorative": True, "file_width": None}
        assert d.lead_image_id is None and d.lead_image_caption == "Only words"
        # An author's photo is the same library picture when it is the same file.
        assert new.get_model("articles", "Author").objects.get(slug="sam").photo_id == picture.pk
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)


def test_a_picture_whose_file_is_gone_does_not_break_the_page(client):
    """What the migration makes of an upload missing from storage: shown without a picture, not an error."""
    image = factories.ImageFactory(caption="Delegates arrive")
    Image.objects.filter(pk=image.pk).update(file="articles/gone.jpg", file_width=None, file_height=None)
    article = factories.ArticleFactory(lead_image=image)
    for url in (article.get_absolute_url(), "/"):
        response = client.get(url)
        assert response.status_code == 200
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<p class="story__caption-line">Delegates arrive</p>' in html
    assert "story__lead" not in html


def test_author_form_chooses_the_photo_from_the_library(editor_client):
    html = editor_client.get("/admin/articles/author/add/").content.decode()
    assert re.search(r'<select name="photo"[^>]*class="image-chooser"[^>]*data-field-name="photo"', html)
    assert 'id="add_id_photo"' in html
