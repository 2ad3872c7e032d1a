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

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        """Django reads the file of an image without a stored size whenever one is loaded.

        A file gone from storage (an old story's upload, migration 0012) must
        not make every page showing that picture fail: it is then drawn
        without renditions (``renditions.sources``), and saving it again,
        which forces the read, still says what is wrong.
        """
        try:
            super().update_dimension_fields(instance, force, *args, **kwargs)
        except FileNotFoundError:
            if force:
                raise
