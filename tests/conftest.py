import pytest
from django.core.management import call_command

from articles.models import Article

SEED_SLUG = "us-russia-no-fly-zones-syria-tillerson"
# The eleven tags DESIGN.md gives the seed story.
SEED_TAGS = {
    "Syria",
    "Russia",
    "United States",
    "Rex Tillerson",
    "Donald Trump",
    "Vladimir Putin",
    "Bashar al-Assad",
    "G20",
    "Islamic State",
    "chemical weapons",
    "no-fly zones",
}


@pytest.fixture
def seed_story(db):
    """The source story, loaded from the shipped fixture."""
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    return Article.objects.get(slug=SEED_SLUG)


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-for-tests-only")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def jane_client(django_user_model):
    """A second editor, with a full name, in a browser of her own."""
    from django.test import Client

    jane = django_user_model.objects.create_superuser(
        "jane", "jane@example.com", "pw-for-tests-only", first_name="Jane", last_name="Editor"
    )
    client = Client()
    client.force_login(jane)
    return client


def _member(django_user_model, username, group):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw-for-tests-only")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def reporter(db, django_user_model):
    return _member(django_user_model, "reporter", "Reporter")


@pytest.fixture
def desk_editor(db, django_user_model):
    return _member(django_user_model, "desk-editor", "Editor")


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def newsroom_roles(db):
    """The Reporter and Editor groups, even after a transactional test flushed them.

    The data migration creates them once; tests with ``transaction=True`` empty
    every table afterwards, so browser tests ask for them explicitly.
    """
    import importlib

    from django.contrib.auth.models import Group, Permission

    roles = importlib.import_module("articles.migrations.0003_newsroom_roles")
    for name, codenames in (("Reporter", roles.REPORTER), ("Editor", roles.EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=["articles", "taggit"], codename__in=codenames)
        )


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: a page cached by one test must not answer another's request."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
