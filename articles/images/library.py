"""Bringing picture files into the library: once each, found again by their content.

Every path that brings a file in from outside the admin's upload form — an
import (``manage.py import_stories``), a fixture (``loaddata``, see
:func:`settle_fixture_file`), a project's own script — goes through here, so
a picture is checked the way an upload is and stored once: the same bytes
given again, under any name, are the library image that holds them already
(``Image.content_hash``, SHA-256 of the file).

``content_hash`` is indexed, not unique: two rows with one hash can exist
(pictures uploaded before the hash was filled, two imports racing), and a
unique constraint would refuse to migrate a library holding such a pair.
The lookup takes the oldest, so everything points at one of them from then on.
"""

import hashlib
import io
import os
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from imagefield.backends import get_backend
from PIL import UnidentifiedImageError

from articles.images.models import ACCEPTED_FORMATS, Image

FORMAT_REFUSED = _("%(format)s pictures are not accepted: upload a JPEG, PNG or WebP file.")
NOT_A_PICTURE = _("not a picture, or a damaged one: a JPEG, PNG or WebP file is needed.")


def content_hash(data):
    """What ``Image.content_hash`` holds for a file of these bytes (``models.file_hash``)."""
    return hashlib.sha256(data).hexdigest()


def check_picture(data):
    """The picture's format ("JPEG", "PNG", "WEBP"); a ``ValidationError`` for anything the upload form refuses.

    The same checks as an admin upload: Pillow must read the whole picture
    (django-imagefield's ``verify_supported`` draws a thumbnail of it and
    saves it in several formats, which a truncated file does not survive),
    and its format must be one browsers show everywhere.
    """
    backend = get_backend()
    try:
        picture = backend.open(io.BytesIO(data))
        backend.verify_supported(picture)
        picture_format = backend.get_format(picture)
    # What Pillow and django-imagefield raise for a file they cannot read.
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ValidationError(NOT_A_PICTURE, code="invalid_image") from error
    if picture_format not in ACCEPTED_FORMATS:
        raise ValidationError(FORMAT_REFUSED, code="format", params={"format": picture_format})
    return picture_format


def find_by_hash(digest, using="default"):
    """The library image holding a file with this content hash (the oldest, should there be two), or None."""
    if not digest:
        return None
    return Image.objects.using(using).filter(content_hash=digest).order_by("pk").first()


def image_from_file(
    file,
    *,
    alt="",
    decorative=False,
    caption="",
    credit="",
    copyright="",
    uploaded_by=None,
    using="default",
    renditions=True,
):
    """The library image for a picture file (a path, or an open binary file): found, or stored once.

    Returns ``(image, created)``. A picture already in the library (same
    bytes, whatever its name) is returned as it is, its words unchanged: a
    library image is described once, by whoever brought it in first.
    Otherwise it is checked like an upload (:func:`check_picture`), and its
    words like the model's (``alt`` unless ``decorative``), then stored; its
    renditions are made as it is saved (django-imagefield's ``post_save``),
    or, with ``renditions=False``, when the caller calls
    :func:`make_renditions` (after its transaction commits: a long import
    then holds no transaction open while pictures are drawn). Anything
    refused raises ``ValidationError`` before a byte is stored.
    """
    if isinstance(file, str | os.PathLike):
        name = Path(file).name
        data = Path(file).read_bytes()
    else:
        name = Path(getattr(file, "name", "") or "picture").name
        data = file.read()
    digest = content_hash(data)
    found = find_by_hash(digest, using)
    if found is not None:
        return found, False
    check_picture(data)
    image = Image(
        alt="" if decorative else alt,
        decorative=decorative,
        caption=caption,
        credit=credit,
        copyright=copyright,
        uploaded_by=uploaded_by,
    )
    # Words first: nothing is stored for a picture the model would refuse.
    image.full_clean(exclude=["file", "file_ppoi"])
    image.file.save(name, ContentFile(data), save=False)
    if not renditions:
        # django-imagefield's own switch (its process_imagefields command sets it).
        image._skip_generate_files = True
    image.content_hash = digest
    try:
        # The row and its renditions together: a rendition that fails leaves no row without files.
        with transaction.atomic(using=using):
            image.save(using=using)
    except BaseException:
        discard_files(image)
        raise
    return image, True


def make_renditions(image):
    """Every rendition of ``image`` not made yet (what its ``post_save`` does)."""
    for spec in image.file.field.formats:
        image.file.process(spec)


def discard_files(image):
    """Remove a stored picture and its renditions from storage (for rows never committed, or rolled back)."""
    if image.file and image.file.name and image.file.storage.exists(image.file.name):
        image.file.delete(save=False)


# -- fixtures ---------------------------------------------------------------------


def fixture_media_dirs():
    """Where fixtures ship their pictures: ``media/`` beside them, mirroring ``MEDIA_ROOT``.

    The folders ``loaddata`` looks in for fixtures by name, in its order: each
    installed app's ``fixtures/``, then ``FIXTURE_DIRS``.
    """
    dirs = [Path(config.path) / "fixtures" / "media" for config in apps.get_app_configs()]
    dirs += [Path(folder) / "media" for folder in settings.FIXTURE_DIRS]
    return [folder for folder in dirs if folder.is_dir()]


class FixturePictureMissing(ValueError):
    """A fixture's picture that cannot be brought in (not found, not a picture, another file in its place).

    A ``ValueError``: ``loaddata`` then names the row it was loading.
    """


def settle_fixture_file(image):
    """Bring the file a fixture's image row names into media storage, once; fill its hash.

    ``loaddata`` saves rows raw, past ``Image.save()``: a row names its file
    by path (its natural key), and that file is looked for in media storage
    first, then under a ``fixtures/media/`` folder (:func:`fixture_media_dirs`)
    at the same path, and copied into storage. A file already stored at that
    path with the same content is used as it is (a second load copies
    nothing); one with other content is not overwritten, the load stops.
    The renditions are made by django-imagefield's ``post_save``, which skips
    those already made.
    """
    name = image.file.name
    if not name:
        return
    storage = image.file.storage
    shipped = next((folder / name for folder in fixture_media_dirs() if (folder / name).is_file()), None)
    if storage.exists(name):
        if shipped is None and image.content_hash:
            # A dump of this site's own library (dumpdata, then loaddata): its hashes
            # came from these files; reading every picture again would only slow a big load.
            return
        stored = _stored_hash(storage, name)
        if shipped is not None and stored != content_hash(shipped.read_bytes()):
            raise FixturePictureMissing(
                f"{name}: media storage holds another picture under this name than {shipped}; "
                "it is not overwritten (rename the fixture's file)"
            )
        image.content_hash = stored
        if not image.file_width or not image.file_height:
            with storage.open(name, "rb") as handle:
                _fill_size(image, handle.read())
        return
    if shipped is None:
        looked = ", ".join(str(folder) for folder in fixture_media_dirs()) or "no fixtures/media folder exists"
        raise FixturePictureMissing(f"{name}: not in media storage, nor in a fixtures/media folder ({looked})")
    data = shipped.read_bytes()
    try:
        check_picture(data)
    except ValidationError as error:
        raise FixturePictureMissing(f"{shipped}: {error.messages[0]}") from None
    stored = storage.save(name, ContentFile(data))
    if stored != name:  # a file appeared under that name meanwhile: keep it, drop ours
        storage.delete(stored)
        raise FixturePictureMissing(f"{name}: written by someone else while the fixture loaded")
    image.content_hash = content_hash(data)
    if not image.file_width or not image.file_height:
        _fill_size(image, data)


def _fill_size(image, data):
    """A fixture may leave the size out; pages need it for ``width``/``height`` and ``srcset``."""
    backend = get_backend()
    picture = backend.open(io.BytesIO(data))
    image.file_width, image.file_height = picture.size


def _stored_hash(storage, name):
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
