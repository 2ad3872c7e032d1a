"""Give every story its own preview key (what its shared preview links sign).

Adding the field with ``default=uuid.uuid4`` in one step would give every
existing story the same key (the default is computed once for the ALTER), so
revoking one story's links would not be one story's business any more. Add
it empty, fill each row with a key of its own, then make it required.
"""

import uuid

from django.db import migrations, models

HELP_TEXT = (
    "Part of what every shared preview link of the story signs: replacing it revokes them all. "
    "Never shown to readers and not kept in revisions."
)


def give_each_story_a_key(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    stories = Article.objects.using(schema_editor.connection.alias).filter(preview_key__isnull=True)
    for pk in list(stories.values_list("pk", flat=True)):
        stories.filter(pk=pk).update(preview_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_content_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="preview_key",
            field=models.UUIDField(editable=False, null=True, help_text=HELP_TEXT, verbose_name="preview key"),
        ),
        migrations.RunPython(give_each_story_a_key, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="article",
            name="preview_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, help_text=HELP_TEXT, verbose_name="preview key"),
        ),
    ]
