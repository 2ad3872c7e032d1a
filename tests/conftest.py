import pytest
from django.core.management import call_command

from articles.models import Article

SEED_SLUG = "us-russia-no-fly-zones-syria-tillerson"


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
