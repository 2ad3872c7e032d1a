"""The newsroom with a custom user model (run by ``tests/test_custom_user.py``).

Not collected by the main suite (its name does not start with ``test_``):
it needs ``--ds=tests.custom_user.settings`` and a process of its own.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def journalists():
    User = get_user_model()
    assert User._meta.label == "custom_user.Journalist"
    assert not hasattr(User, "get_full_name")
    clients = []
    for email in ("jane@example.com", "omar@example.com"):
        client = Client()
        client.force_login(User.objects.create_superuser(email, "pw-for-tests-only"))
        clients.append(client)
    return clients


def opened(client, url):
    data = form_data(client.get(url).content.decode(), "article_form")
    data["_save"] = "Save"
    return data


def test_system_checks_pass():
    call_command("check", "--fail-level", "WARNING")


def test_a_stale_save_is_refused_naming_the_user(journalists, seed_story):
    jane, omar = journalists
    url = reverse("admin:articles_article_change", args=[seed_story.pk])
    janes, omars = opened(jane, url), opened(omar, url)

    janes["headline"] = "Jane's headline"
    assert jane.post(url, janes).status_code == 302

    omars["headline"] = "Omar's headline"
    response = omar.post(url, omars)
    assert response.status_code == 200
    assert escape("jane@example.com saved this story at") in response.content.decode()
    seed_story.refresh_from_db()
    assert seed_story.headline == "Jane's headline"
    assert seed_story.updated_by.email == "jane@example.com"


def test_admin_pages_that_name_users_work(journalists, seed_story):
    jane, _omar = journalists
    url = reverse("admin:articles_article_change", args=[seed_story.pk])
    assert jane.post(url, opened(jane, url)).status_code == 302
    changelist = jane.get(reverse("admin:articles_article_changelist"))
    assert changelist.status_code == 200
    assert "jane@example.com" in changelist.content.decode()
    assert jane.get(reverse("admin:articles_article_history", args=[seed_story.pk])).status_code == 200
    assert jane.get(reverse("admin:articles_author_add")).status_code == 200
