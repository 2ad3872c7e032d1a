"""The picture library; a story's lead image becomes a library image.

Each story's uploaded lead file, and each author's photo, becomes one library Image (one per file, so a
file two stories share is one picture), keeping its description; a picture
without one is marked decorative, which is how it was shown (alt=""), so an
editor can find it (admin filter "decorative") and describe it. Renditions
are made afterwards by `manage.py process_imagefields articles.image`.

One transaction, so a failure leaves nothing half-done. PostgreSQL refuses
to ALTER a table with foreign-key checks still pending from rows written in
the same transaction, so each data step ends by running its checks
(``SET CONSTRAINTS ALL IMMEDIATE``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _size(file):
    """The picture's size, or (None, None) when its file is gone or unreadable."""
    from PIL import Image as PillowImage
    from PIL import UnidentifiedImageError

    try:
        with file.storage.open(file.name, "rb") as handle, PillowImage.open(handle) as picture:
            return picture.size
    except (OSError, UnidentifiedImageError):
        return None, None


def lead_files_to_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("articles", "Image")
    stories = Article.objects.using(schema_editor.connection.alias).exclude(lead_image_file="").order_by("pk")
    images = Image.objects.using(schema_editor.connection.alias)
    for story in stories.iterator():
        # Rows as values, never as model instances: Django reads an image's
        # file for its size when it makes one, and a file gone from storage
        # would stop the migration.
        found = images.filter(file=story.lead_image_file.name).values_list("pk", "alt").first()
        if found is None:
            width, height = _size(story.lead_image_file)
            image = images.create(
                alt=story.lead_image_alt,
                decorative=not story.lead_image_alt,
                caption=story.lead_image_caption,
                credit=story.lead_image_credit,
            )
            images.filter(pk=image.pk).update(file=story.lead_image_file.name, file_width=width, file_height=height)
            found = (image.pk, image.alt)
        pk, alt = found
        # The description now lives with the picture; the story keeps its own only if it differs.
        Article.objects.using(schema_editor.connection.alias).filter(pk=story.pk).update(
            lead_image_id=pk, lead_image_alt="" if story.lead_image_alt == alt else story.lead_image_alt
        )
    _check_now(schema_editor)


def author_photos_to_library(apps, schema_editor):
    Author = apps.get_model("articles", "Author")
    Image = apps.get_model("articles", "Image")
    images = Image.objects.using(schema_editor.connection.alias)
    for author in Author.objects.using(schema_editor.connection.alias).exclude(photo_file="").order_by("pk"):
        found = images.filter(file=author.photo_file.name).values_list("pk", flat=True).first()
        if found is None:
            width, height = _size(author.photo_file)
            # The page described an author's photo by their name.
            found = images.create(alt=author.name).pk
            images.filter(pk=found).update(file=author.photo_file.name, file_width=width, file_height=height)
        Author.objects.using(schema_editor.connection.alias).filter(pk=author.pk).update(photo_id=found)
    _check_now(schema_editor)


def _check_now(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_desk_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="lead_image_alt",
            field=models.CharField(
                blank=True,
                help_text="Only where this story needs its own: the library's description otherwise.",
                max_length=300,
                verbose_name="lead image description",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="lead_image_caption",
            field=models.CharField(
                blank=True, help_text="The library's caption when empty.", max_length=500, verbose_name="lead caption"
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="lead_image_credit",
            field=models.CharField(
                blank=True,
                help_text="The library's credit when empty.",
                max_length=200,
                verbose_name="lead image credit",
            ),
        ),
        migrations.CreateModel(
            name="Image",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "file",
                    models.ImageField(
                        height_field="file_height",
                        help_text="JPEG, PNG or WebP. Click on the picture to set its focal point: every crop keeps it in view.",
                        max_length=255,
                        upload_to="images/%Y/%m/",
                        verbose_name="image",
                        width_field="file_width",
                    ),
                ),
                (
                    "alt",
                    models.CharField(
                        blank=True,
                        help_text="What the picture shows, for readers who cannot see it.",
                        max_length=300,
                        verbose_name="description (alt text)",
                    ),
                ),
                (
                    "decorative",
                    models.BooleanField(
                        default=False,
                        help_text="Tick only when the picture adds nothing a reader would miss: it then gets no description.",
                        verbose_name="decorative",
                    ),
                ),
                ("caption", models.CharField(blank=True, max_length=500, verbose_name="default caption")),
                (
                    "credit",
                    models.CharField(
                        blank=True, help_text="Photographer or agency.", max_length=200, verbose_name="credit"
                    ),
                ),
                ("copyright", models.CharField(blank=True, max_length=200, verbose_name="copyright")),
                (
                    "content_hash",
                    models.CharField(
                        blank=True,
                        db_index=True,
                        editable=False,
                        help_text="SHA-256 of the file: the same picture uploaded twice is found by it.",
                        max_length=64,
                        verbose_name="content hash",
                    ),
                ),
                ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                ("file_width", models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ("file_height", models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ("file_ppoi", models.CharField(default="0.5x0.5", max_length=20)),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "image",
                "verbose_name_plural": "images",
                "ordering": ["-uploaded_at", "-pk"],
            },
        ),
        migrations.RenameField(model_name="article", old_name="lead_image", new_name="lead_image_file"),
        migrations.AddField(
            model_name="article",
            name="lead_image",
            field=models.ForeignKey(
                blank=True,
                help_text="From the picture library: search, or upload a new one with +.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lead_of",
                to="articles.image",
                verbose_name="lead image",
            ),
        ),
        migrations.RenameField(model_name="author", old_name="photo", new_name="photo_file"),
        migrations.AddField(
            model_name="author",
            name="photo",
            field=models.ForeignKey(
                blank=True,
                help_text="From the picture library: search, or upload a new one with +.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="author_of",
                to="articles.image",
                verbose_name="photo",
            ),
        ),
        migrations.RunPython(lead_files_to_library, migrations.RunPython.noop),
        migrations.RunPython(author_photos_to_library, migrations.RunPython.noop),
        migrations.RemoveField(model_name="article", name="lead_image_file"),
        migrations.RemoveField(model_name="author", name="photo_file"),
        migrations.AddConstraint(
            model_name="image",
            constraint=models.UniqueConstraint(fields=("file",), name="articles_image_file_unique"),
        ),
        migrations.AddConstraint(
            model_name="image",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("alt", ""), _negated=True), ("decorative", True), _connector="OR"),
                name="articles_image_alt_or_decorative",
                violation_error_message="Describe the picture, or tick “decorative”.",
            ),
        ),
    ]
