"""Create the "Reporter" and "Editor" groups with their permissions.

Reporters write and edit drafts and submit them for review; editors also
publish, schedule, unpublish and delete. The workflow rules themselves live in
``articles.workflow``; these groups only hand out the permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = [
    "article",
    "byline",
    "taggedarticle",
    "richtext",
    "pullquote",
    "timelineblock",
    "profileblock",
    "correction",
]
WIDGETS = ["timeline", "timelineevent", "profile", "profilefact"]
REFERENCE = ["author"]
READ_ONLY = ["section"]

REPORTER = (
    [f"{action}_{model}" for model in CONTENT + WIDGETS + REFERENCE for action in ("add", "change", "view")]
    + [f"delete_{model}" for model in CONTENT if model != "article"]
    + [f"view_{model}" for model in READ_ONLY]
    + ["add_tag", "view_tag"]
)
EDITOR = (
    [
        f"{action}_{model}"
        for model in CONTENT + WIDGETS + REFERENCE + READ_ONLY
        for action in ("add", "change", "delete", "view")
    ]
    + ["add_tag", "change_tag", "delete_tag", "view_tag"]
    + ["publish_article", "view_slugredirect", "delete_slugredirect"]
)


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the
    # groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Reporter", REPORTER), ("Editor", EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label__in=["articles", "taggit"], codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions missing for group {name}: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporter", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_editorial_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
