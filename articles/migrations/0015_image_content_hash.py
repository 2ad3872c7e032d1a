"""Library images get their content hash where it is missing.

Images made from old stories' uploads by 0012 were stored without one, so
the library could not find them by content: importing or uploading one of
those pictures again would have stored it twice. A file gone from storage
keeps an empty hash (nothing can match it). ``content_hash`` stays an index,
not a unique constraint (see ``articles.images.library``).
"""

import hashlib

from django.db import migrations


def fill_hashes(apps, schema_editor):
    Image = apps.get_model("articles", "Image")
    images = Image.objects.using(schema_editor.connection.alias)
    for pk, name in images.filter(content_hash="").exclude(file="").values_list("pk", "file").iterator():
        storage = Image._meta.get_field("file").storage
        digest = hashlib.sha256()
        try:
            with storage.open(name, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            continue
        images.filter(pk=pk).update(content_hash=digest.hexdigest())


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_image_and_gallery_blocks")]

    operations = [migrations.RunPython(fill_hashes, migrations.RunPython.noop, elidable=True)]
