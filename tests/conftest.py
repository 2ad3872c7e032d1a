import logging

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

    from articles.delivery import cards
    from articles.delivery.page_cache import process_copies
    from articles.search import choices

    for cache in caches.all(initialized_only=True):
        cache.clear()
    process_copies.clear()
    choices.forget()  # the search form's lists, kept per process
    cards.forget()  # story cards, kept per process
    yield


@pytest.fixture(autouse=True)
def commits_as_in_production(request, monkeypatch):
    """Run ``on_commit`` callbacks when the change would have committed outside the test.

    Each test runs inside a transaction that is rolled back, so callbacks
    registered by the code under test (``articles.delivery.changes`` renews
    keys and refreshes stored renders after the commit) would never run: a
    write at test level runs them at once, as in autocommit, and a write in
    the code's own ``atomic()`` runs them when that block ends, as its
    commit would. ``@pytest.mark.capture_on_commit`` leaves Django's
    behaviour alone, for tests that capture the callbacks themselves.
    """
    if request.node.get_closest_marker("capture_on_commit"):
        return
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper

    def only_test_atomics(connection):
        return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)

    def run(callbacks):
        for _, func, robust in callbacks:
            if robust:
                try:
                    func()
                except Exception:  # as Django's robust callbacks: logged, not raised
                    import logging

                    logging.getLogger("django.db.backends.base").exception("on_commit callback failed")
            else:
                func()

    original_on_commit = BaseDatabaseWrapper.on_commit

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and only_test_atomics(self):
            return run([(None, func, robust)])
        return original_on_commit(self, func, robust)

    original_exit = transaction.Atomic.__exit__

    def exit_atomic(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        result = original_exit(self, exc_type, exc_value, traceback)
        if (
            exc_type is None
            and connection.in_atomic_block
            and only_test_atomics(connection)
            and not connection.needs_rollback
            and connection.run_on_commit
        ):
            callbacks, connection.run_on_commit = connection.run_on_commit, []
            run(callbacks)
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_atomic)


@pytest.fixture(autouse=True)
def one_clock(monkeypatch):
    """Tests run on one machine: no allowance for clocks that differ (``page_cache.CLOCK_SKEW``).

    Otherwise a page of data made a moment ago would not be stored on its
    first render, and every test would have to wait a second.
    ``tests/test_delivery.py`` tests the allowance itself.
    """
    import datetime

    from articles.delivery import page_cache

    monkeypatch.setattr(page_cache, "CLOCK_SKEW", datetime.timedelta(0))


@pytest.fixture
def page_cache_log(caplog):
    """``(client, url, **headers) -> (response, the page cache's last log message)``: hit, miss, stored…"""
    caplog.set_level(logging.DEBUG, logger="articles.delivery.page_cache")

    def outcome(client, url, **headers):
        caplog.clear()
        response = client.get(url, headers=headers)
        messages = [record.getMessage() for record in caplog.records if record.name == "articles.delivery.page_cache"]
        return response, messages[-1] if messages else None

    return outcome


@pytest.fixture
def rendered_at_save(monkeypatch):
    """Stories written by factories are rendered and stored at once, as after an editor's save."""
    from tests import factories

    monkeypatch.setattr(factories, "RENDER_AT_SAVE", True)
