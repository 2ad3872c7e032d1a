"""The link rows' trigger keeps the copies a row is written with while its story is not there yet (issue 10).

The bulk importer writes a story's tag and byline rows before the story
(the story's search document is built from them) and now gives them their
copies itself; the old function set them to NULL when it found no story,
and the story's trigger then rewrote every row. The functions are created
again; the triggers are unchanged. See ``articles.models.in_print``.
"""

from django.db import migrations

from articles.models.in_print import migration_functions


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0019_story_section_on_tag_rows"),
    ]

    operations = [
        # Backwards, the new functions stay: they differ only for a row written
        # before its story, which the story's trigger sets right either way.
        migrations.RunPython(migration_functions, migrations.RunPython.noop, elidable=False),
    ]
