"""django-imagefield's field, with the upload check reading a plain in-memory copy.

django-imagefield 0.23 checks a new upload through a file proxy without
``readline``; Pillow's format probing calls it for some files (a WebP upload
ends in "Attribute '_image' unknown"). The copy is what Pillow reads
anyway, and the upload itself is left open for Django to store.
"""

import io

from imagefield.backends import get_backend
from imagefield.fields import ImageField, ImageFieldFile


class LibraryImageFieldFile(ImageFieldFile):
    @property
    def _image(self):
        if not self.name:
            return None
        if self.closed:
            self.open("rb")
        self.seek(0)
        backend = get_backend()
        image = backend.open(io.BytesIO(self.read()))
        backend.verify_supported(image)
        self.seek(0)
        return image


class LibraryImageField(ImageField):
    attr_class = LibraryImageFieldFile
