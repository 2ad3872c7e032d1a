"""Pictures brought in from files: the library function, imports, fixtures, duplicate uploads.

One picture, one library image: found again by its content (SHA-256), whatever
its name; refused like an upload when it is not a JPEG, PNG or WebP picture.
Pictures are 40 by 30: every new library image makes all its renditions.
"""

import importlib
import io
import json
import types
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from PIL import Image as PillowImage

from articles.images import library
from articles.images.models import Image
from articles.models import Article, Author
from tests import factories
from tests.test_import_stories import run, snapshot, story, write

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED = FIXTURES / "media" / "images" / "fixtures" / "harbour.jpg"


def picture_bytes(fmt="JPEG", color="navy", size=(40, 30)):
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def picture_file(folder, name, fmt="JPEG", color="navy"):
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(picture_bytes(fmt, color))
    return path


@pytest.fixture
def media(settings, tmp_path):
    """A media storage of this test's own, to see every file that goes in."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root):
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


# --- the library function ---------------------------------------------------------


def test_a_picture_file_comes_into_the_library_once(tmp_path, media):
    path = picture_file(tmp_path, "summit.jpg")
    image, created = library.image_from_file(path, alt="Delegates at the summit", credit="Reuters")
    assert created
    assert image.content_hash == library.content_hash(path.read_bytes())
    assert (image.file_width, image.file_height) == (40, 30)
    assert (image.alt, image.credit) == ("Delegates at the summit", "Reuters")
    # Renditions are made as it is stored: the preview is a file of its own.
    assert default_storage.exists(image.file.preview.removeprefix("/media/"))

    # The same bytes under another name, from an open file: the same image, its words kept.
    with picture_file(tmp_path, "copy/other-name.jpg").open("rb") as handle:
        again, created = library.image_from_file(handle, alt="Another description")
    assert (again.pk, created, again.alt) == (image.pk, False, "Delegates at the summit")
    assert Image.objects.count() == 1
    files = stored_files(media)
    assert len([name for name in files if not name.startswith("__processed__")]) == 1


def test_the_hash_is_what_an_upload_stores(editor_client, media):
    data = picture_bytes()
    response = editor_client.post(
        "/admin/articles/image/add/",
        {"file": SimpleUploadedFile("a.jpg", data, "image/jpeg"), "file_ppoi": "0.5x0.5", "alt": "A quay"},
    )
    assert response.status_code == 302
    uploaded = Image.objects.get()
    image, created = library.image_from_file(io.BytesIO(data), alt="")
    assert (image, created) == (uploaded, False)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (picture_bytes()[:300], "not a picture, or a damaged one"),
        (b"<html>not a picture</html>", "not a picture, or a damaged one"),
        (picture_bytes("GIF"), "GIF pictures are not accepted"),
    ],
)
def test_what_an_upload_would_refuse_is_refused_and_nothing_stored(media, content, message):
    with pytest.raises(ValidationError) as refused:
        library.image_from_file(io.BytesIO(content), alt="A quay")
    assert refused.value.messages[0].startswith(message)
    assert not Image.objects.exists()
    assert stored_files(media) == []


def test_a_new_picture_needs_a_description_or_decorative(media):
    with pytest.raises(ValidationError, match="Describe the picture"):
        library.image_from_file(io.BytesIO(picture_bytes()), alt=" ")
    assert stored_files(media) == []
    image, _ = library.image_from_file(io.BytesIO(picture_bytes()), alt="ignored", decorative=True)
    assert (image.decorative, image.alt) == (True, "")


def test_a_rendition_that_fails_leaves_no_image_and_no_file(media, monkeypatch):
    from imagefield.fields import ImageFieldFile

    def full_disk(self, spec, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(ImageFieldFile, "process", full_disk)
    with pytest.raises(OSError, match="No space left"):
        library.image_from_file(io.BytesIO(picture_bytes()), alt="A quay")
    assert not Image.objects.exists()
    assert stored_files(media) == []


def test_the_migration_fills_the_hashes_the_library_images_lacked(media):
    image, _ = library.image_from_file(io.BytesIO(picture_bytes()), alt="A quay")
    gone = factories.ImageFactory()
    Image.objects.update(content_hash="")
    default_storage.delete(gone.file.name)
    migration = importlib.import_module("articles.migrations.0015_image_content_hash")
    from django.apps import apps

    migration.fill_hashes(apps, types.SimpleNamespace(connection=connection))
    assert Image.objects.get(pk=image.pk).content_hash == library.content_hash(picture_bytes())
    # A file gone from storage keeps no hash: nothing could match it.
    assert Image.objects.get(pk=gone.pk).content_hash == ""


# --- admin upload of a picture the library has ------------------------------------


def test_uploading_a_picture_the_library_has_names_it_with_a_link(editor_client, media):
    existing, _ = library.image_from_file(io.BytesIO(picture_bytes()), alt="Delegates at the summit")
    response = editor_client.post(
        "/admin/articles/image/add/",
        {"file": SimpleUploadedFile("again.jpg", picture_bytes(), "image/jpeg"), "file_ppoi": "0.5x0.5", "alt": "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    link = f'<a href="/admin/articles/image/{existing.pk}/change/">Delegates at the summit</a>'
    assert f"This picture is in the library already: {link}." in html
    assert Image.objects.count() == 1

    # Its own file given again on its own form is no copy.
    response = editor_client.post(
        f"/admin/articles/image/{existing.pk}/change/",
        {"file": SimpleUploadedFile("same.jpg", picture_bytes(), "image/jpeg"), "file_ppoi": "0.5x0.5", "alt": "y"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]


# --- import_stories ---------------------------------------------------------------


@pytest.fixture
def desk():
    factories.SectionFactory(slug="world", name="World")
    factories.AuthorFactory(slug="jane-doe", name="Jane Doe")
    factories.AuthorFactory(slug="our-foreign-staff", name="Our Foreign Staff")
    factories.TimelineFactory(slug="syria-war-timeline", title="Syria war timeline")


def test_stories_share_one_library_image_per_picture(tmp_path, desk, media, client):
    picture_file(tmp_path, "pictures/summit.jpg")
    picture_file(tmp_path, "pictures/same-bytes.jpg")
    picture_file(tmp_path, "portraits/jane.png", "PNG", "white")
    lead = {"path": "pictures/summit.jpg", "alt": "Delegates at the summit", "credit": "Reuters"}
    bylines = [{"author": "jane-doe", "photo": {"path": "portraits/jane.png", "alt": "Jane Doe"}}]
    path = write(
        tmp_path,
        [
            story(1, lead_image=lead, bylines=bylines),
            story(2, lead_image="pictures/summit.jpg"),
            story(3, lead_image=str(tmp_path / "pictures" / "same-bytes.jpg")),
            story(4),
        ],
    )
    output = run(path)
    assert "created 4" in output
    assert "pictures: 2 added to the library, 0 in it already" in output
    lead_image = Image.objects.get(alt="Delegates at the summit")
    assert lead_image.credit == "Reuters"
    assert Image.objects.count() == 2
    leads = dict(Article.objects.values_list("slug", "lead_image_id"))
    assert leads == {"story-1": lead_image.pk, "story-2": lead_image.pk, "story-3": lead_image.pk, "story-4": None}
    assert Author.objects.get(slug="jane-doe").photo.alt == "Jane Doe"
    # Renditions made (after the pictures' transaction), and on the page.
    assert default_storage.exists(lead_image.file.w400_webp.removeprefix("/media/"))
    response = client.get(Article.objects.get(slug="story-2").get_absolute_url())
    assert lead_image.file.w400_webp in response.content.decode()

    # Again: nothing new, not even a file.
    files = stored_files(media)
    assert "pictures: 0 added to the library, 2 in it already" in run(path)
    assert Image.objects.count() == 2
    assert stored_files(media) == files


def test_pictures_in_the_body_become_image_blocks(tmp_path, desk, media, client):
    from articles.models import ImageBlock, RichText

    picture_file(tmp_path, "pictures/summit.jpg")
    picture_file(tmp_path, "pictures/protest.jpg", color="white")
    body = [
        {"paragraph": "Delegations arrived."},
        {"image": {"path": "pictures/summit.jpg", "alt": "Delegates at the summit"}, "caption": "Friday"},
        {"paragraph": "Protests were expected."},
        {"image": {"path": "pictures/protest.jpg", "alt": "A march"}, "credit": "AFP"},
    ]
    # The body's picture is the same library image as another story's lead.
    lines = [story(1, body=body), story(2, lead_image="pictures/summit.jpg")]
    output = run(write(tmp_path, lines))
    assert "pictures: 2 added to the library" in output
    article = Article.objects.get(slug="story-1")
    blocks = sorted(
        [*RichText.objects.filter(parent=article), *ImageBlock.objects.filter(parent=article)],
        key=lambda block: block.ordering,
    )
    assert [type(block).__name__ for block in blocks] == ["RichText", "ImageBlock", "RichText", "ImageBlock"]
    summit = Image.objects.get(alt="Delegates at the summit")
    assert (blocks[1].image, blocks[1].caption, blocks[1].credit) == (summit, "Friday", "")
    assert (blocks[3].image.alt, blocks[3].credit) == ("A march", "AFP")
    assert Article.objects.get(slug="story-2").lead_image == summit
    html = client.get(article.get_absolute_url()).content.decode()
    assert summit.file.w400_webp in html and "Friday" in html


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"image": "missing.jpg"}, r"^line 1: body\[1\].image: no file '.*/missing.jpg'$"),
        ({"image": "fine.jpg"}, r"^line 1: body\[1\].image.alt: fine.jpg is new to the library: describe it"),
        ({"image": "fine.jpg", "caption": 3}, r"^line 1: body\[1\].caption: not a string$"),
        ({"image": "fine.jpg", "link": "x"}, r"^line 1: body\[1\]: not \{\"paragraph\": text\}"),
    ],
)
def test_a_bad_picture_in_the_body_stops_the_import(tmp_path, desk, media, item, expected):
    picture_file(tmp_path, "fine.jpg")
    path = write(tmp_path, [story(1, body=[{"paragraph": "First."}, item])])
    before = snapshot()
    with pytest.raises(CommandError, match=expected):
        run(path)
    assert snapshot() == before
    assert stored_files(media) == []


def test_pictures_in_the_library_are_used_as_they_are(tmp_path, desk, media):
    existing, _ = library.image_from_file(io.BytesIO(picture_bytes()), alt="Delegates at the summit")
    picture_file(tmp_path, "pictures/summit.jpg")
    # No description needed: the library has it.
    run(write(tmp_path, [story(1, lead_image="pictures/summit.jpg")]))
    assert Article.objects.get().lead_image == existing
    assert Image.objects.count() == 1


def test_an_author_keeps_the_photo_an_editor_chose(tmp_path, desk, media):
    chosen = factories.ImageFactory()
    Author.objects.filter(slug="jane-doe").update(photo=chosen)
    picture_file(tmp_path, "jane.jpg")
    run(write(tmp_path, [story(1, bylines=[{"author": "jane-doe", "photo": {"path": "jane.jpg", "alt": "Jane"}}])]))
    assert Author.objects.get(slug="jane-doe").photo == chosen


def test_images_option_is_where_relative_paths_start(tmp_path, desk, media):
    picture_file(tmp_path / "elsewhere", "summit.webp", "WEBP")
    path = write(tmp_path, [story(1, lead_image={"path": "summit.webp", "decorative": True})])
    with pytest.raises(CommandError, match=r"^line 1: lead_image: no file '.*/summit.webp'$"):
        run(path)
    run(path, "--images", str(tmp_path / "elsewhere"))
    assert Article.objects.get().lead_image.decorative


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("missing.jpg", r"^line 2: lead_image: no file '.*/missing.jpg'$"),
        ("broken.jpg", r"^line 2: lead_image: broken.jpg: not a picture, or a damaged one"),
        ("page.jpg", r"^line 2: lead_image: page.jpg: not a picture, or a damaged one"),
        ("moving.gif", r"^line 2: lead_image: moving.gif: GIF pictures are not accepted"),
        (
            {"path": "fine.jpg", "caption": "c"},
            r"^line 2: lead_image.alt: fine.jpg is new to the library: describe it",
        ),
        ({"path": "fine.jpg", "alt": 3}, r"^line 2: lead_image.alt: not a string$"),
        ({"path": "fine.jpg", "decorative": "yes"}, r"^line 2: lead_image.decorative: not true or false$"),
        ({"file": "fine.jpg"}, r"^line 2: lead_image: not a file path or"),
        ({"path": ""}, r"^line 2: lead_image.path: missing$"),
    ],
)
def test_a_bad_picture_stops_the_import_and_nothing_is_written(tmp_path, desk, media, lead, expected):
    picture_file(tmp_path, "good.jpg", color="white")
    picture_file(tmp_path, "fine.jpg", color="black")
    (tmp_path / "broken.jpg").write_bytes(picture_bytes()[:200])
    (tmp_path / "page.jpg").write_text("<html></html>")
    picture_file(tmp_path, "moving.gif", "GIF")
    good = {"path": "good.jpg", "alt": "A good picture"}
    path = write(tmp_path, [story(1, lead_image=good), story(2, lead_image=lead), story(3)])
    before = snapshot()
    with pytest.raises(CommandError, match=expected) as failure:
        run(path)
    assert "\n" not in str(failure.value)
    assert snapshot() == before
    assert not Image.objects.exists()
    assert stored_files(media) == []


def test_an_author_with_two_photos_in_one_file_is_a_problem(tmp_path, desk, media):
    picture_file(tmp_path, "a.jpg", color="white")
    picture_file(tmp_path, "b.jpg", color="black")
    line1 = story(1, bylines=[{"author": "jane-doe", "photo": {"path": "a.jpg", "alt": "Jane"}}])
    line2 = story(2, bylines=[{"author": "jane-doe", "photo": {"path": "b.jpg", "alt": "Jane"}}])
    with pytest.raises(CommandError, match=r"^line 2: bylines\[0\].photo: 'jane-doe' has another photo on line 1"):
        run(write(tmp_path, [line1, line2]))


def test_a_new_picture_described_on_a_later_line_is_described(tmp_path, desk, media):
    picture_file(tmp_path, "summit.jpg")
    lines = [story(1, lead_image="summit.jpg"), story(2, lead_image={"path": "summit.jpg", "alt": "The summit"})]
    run(write(tmp_path, lines))
    assert Image.objects.get().alt == "The summit"


def test_the_dry_run_checks_pictures_and_stores_none(tmp_path, desk, media):
    picture_file(tmp_path, "summit.jpg")
    output = run(write(tmp_path, [story(1, lead_image={"path": "summit.jpg", "alt": "x"})]), "--dry-run")
    assert "pictures: 1 would be added to the library" in output
    assert stored_files(media) == []


def test_pictures_stored_by_a_failed_import_are_taken_out_of_storage(tmp_path, desk, media, monkeypatch):
    picture_file(tmp_path, "summit.jpg")
    picture_file(tmp_path, "jane.jpg", color="white")
    line = story(
        1,
        lead_image={"path": "summit.jpg", "alt": "x"},
        bylines=[{"author": "jane-doe", "photo": {"path": "jane.jpg", "alt": "Jane"}}],
    )

    def refuse(*args, **kwargs):
        raise DatabaseError("the database went away")

    # The last write of the step that stores the pictures: the author's photo.
    monkeypatch.setattr(Author, "save", refuse)
    with pytest.raises(DatabaseError):
        run(write(tmp_path, [line]))
    assert not Image.objects.exists()
    assert stored_files(media) == []


# --- fixtures ---------------------------------------------------------------------


def test_a_fixture_brings_its_picture_into_media_storage_once(settings, media):
    settings.FIXTURE_DIRS = [FIXTURES]
    call_command("loaddata", "pictures", verbosity=0)
    image = Image.objects.get()
    assert image.file.name == "images/fixtures/harbour.jpg"
    assert (media / image.file.name).read_bytes() == SHIPPED.read_bytes()
    assert image.content_hash == library.content_hash(SHIPPED.read_bytes())
    assert (image.file_width, image.file_height) == (40, 30)
    assert default_storage.exists(image.file.preview.removeprefix("/media/"))
    # Rows name it by its path (natural key).
    assert Author.objects.get(slug="harbour-desk").photo == image
    files = stored_files(media)

    call_command("loaddata", "pictures", verbosity=0)
    assert Image.objects.count() == 1
    assert stored_files(media) == files
    # What an import or upload of the same picture finds.
    assert library.image_from_file(SHIPPED)[0] == image


def test_a_fixture_never_overwrites_another_picture_of_the_same_name(settings, media):
    settings.FIXTURE_DIRS = [FIXTURES]
    other = media / "images" / "fixtures" / "harbour.jpg"
    other.parent.mkdir(parents=True)
    other.write_bytes(picture_bytes())
    with pytest.raises(ValueError, match="media storage holds another picture under this name"):
        call_command("loaddata", "pictures", verbosity=0)
    assert other.read_bytes() == picture_bytes()
    assert not Image.objects.exists()


def test_a_fixture_picture_found_nowhere_is_named(settings, media, tmp_path):
    fixture = tmp_path / "lost.json"
    row = json.loads((FIXTURES / "pictures.json").read_text())
    row[0]["fields"]["file"] = "images/fixtures/lost.jpg"
    fixture.write_text(json.dumps(row))
    with pytest.raises(ValueError, match=r"images/fixtures/lost.jpg: not in media storage, nor in a fixtures/media"):
        call_command("loaddata", str(fixture), verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_workers_give_every_story_its_picture(tmp_path, desk, media):
    if connection.vendor != "postgresql":
        pytest.skip("--workers needs PostgreSQL")
    picture_file(tmp_path, "summit.jpg")
    lines = [story(n, lead_image={"path": "summit.jpg", "alt": "The summit"}) for n in range(1, 6)]
    run(write(tmp_path, lines), "--workers=2", "--batch-size=2")
    image = Image.objects.get()
    assert set(Article.objects.values_list("lead_image", flat=True)) == {image.pk}
    assert Article.objects.count() == 5


def test_a_source_text_story_takes_its_picture_from_the_command_line(tmp_path, desk, media):
    from tests.test_import_stories import SOURCE

    factories.ProfileFactory(slug="bashar-al-assad", name="Bashar al-Assad")
    picture_file(tmp_path, "tillerson.jpg")
    args = [str(SOURCE), "--section=world", "--published-at=2017-07-05T12:00:00Z", "--images", str(tmp_path)]
    with pytest.raises(CommandError, match=r"^line 1: lead_image.alt: tillerson.jpg is new to the library"):
        run(*args, "--lead-image=tillerson.jpg")
    run(*args, "--lead-image=tillerson.jpg", "--lead-image-alt=Rex Tillerson", "--lead-image-credit=Reuters")
    article = Article.objects.get()
    assert (article.lead_image.alt, article.lead_image.credit) == ("Rex Tillerson", "Reuters")
    # The source's caption stays the story's own.
    assert article.lead_image_caption.startswith("Secretary of State Rex Tillerson")


def test_a_dump_of_the_library_loads_back_as_it_was(media, tmp_path):
    image, _ = library.image_from_file(io.BytesIO(picture_bytes()), alt="A quay")
    dump = tmp_path / "library.json"
    call_command("dumpdata", "articles.image", "--natural-primary", output=str(dump), verbosity=0)
    Image.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    loaded = Image.objects.get()
    assert (loaded.file.name, loaded.content_hash, loaded.alt) == (image.file.name, image.content_hash, "A quay")
