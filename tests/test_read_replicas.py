"""Read replicas (newsroom/routers.py): readers read a replica, editors and writes the primary.

The end-to-end test runs the project with two SQLite files, a primary and a
"replica" that is a copy of it taken before a change, so it lags the way a
real replica can: which file answered shows in the page.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import RequestFactory

from articles.models import Article
from newsroom import routers
from newsroom.routers import PrimaryReplicaRouter, ReplicaReadsMiddleware

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def replicas(settings):
    settings.READ_REPLICAS = ["replica_1"]
    settings.REPLICA_LAG = 5
    return PrimaryReplicaRouter()


@pytest.fixture
def reader_request():
    token = routers._replica_reads.set(True)
    yield
    routers._replica_reads.reset(token)


def test_a_readers_reads_go_to_a_replica(replicas, reader_request):
    assert replicas.db_for_read(Article) == "replica_1"


def test_other_reads_go_to_the_primary(replicas):
    # A management command, a background thread, an editor's request.
    assert replicas.db_for_read(Article) == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_go_to_the_primary(replicas, reader_request):
    # pytest-django runs this test inside a transaction, as atomic() would.
    assert replicas.db_for_read(Article) == "default"


@pytest.mark.django_db(transaction=True)
def test_writes_and_migrations_go_to_the_primary(replicas, reader_request):
    assert replicas.db_for_write(Article) == "default"
    assert replicas.allow_migrate("default", "articles")
    assert not replicas.allow_migrate("replica_1", "articles")


@pytest.mark.django_db(transaction=True)
def test_a_write_marks_every_process_to_read_the_primary_for_a_while(replicas):
    assert not routers.written_recently()

    with transaction.atomic():
        replicas.db_for_write(Article)
        replicas.db_for_write(Article)
        assert not routers.written_recently()  # other connections cannot see it yet

    assert routers.written_recently()
    caches["default"].delete(routers.RECENT_WRITE)  # REPLICA_LAG seconds later
    assert not routers.written_recently()


@pytest.mark.parametrize(
    ("method", "cookies", "replica"),
    [
        ("GET", {}, True),
        ("HEAD", {"csrftoken": "abc"}, True),
        ("GET", {"sessionid": "an-editor"}, False),  # read-your-writes for editors
        ("POST", {}, False),
    ],
)
def test_which_requests_may_read_a_replica(replicas, method, cookies, replica):
    request = RequestFactory().generic(method, "/")
    request.COOKIES.update(cookies)

    assert ReplicaReadsMiddleware.may_read_replica(request) is replica


def test_no_replica_reads_while_the_cache_is_down(replicas, settings):
    settings.CACHES = {"default": {"BACKEND": "tests.cache_backends.FlakyCache"}}

    assert routers.written_recently()
    assert not ReplicaReadsMiddleware.may_read_replica(RequestFactory().get("/"))


def test_the_middleware_scopes_replica_reads_to_the_request(replicas):
    seen = []
    middleware = ReplicaReadsMiddleware(lambda request: seen.append(replicas.db_for_read(Article)))

    middleware(RequestFactory().get("/"))

    assert seen == ["replica_1"]
    assert replicas.db_for_read(Article) == "default"


SCRIPT = """
import json, shutil, sys, time
import django
django.setup()
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.contrib.auth import get_user_model
from articles.models import Article

primary, replica = sys.argv[1:3]
call_command("migrate", verbosity=0)
call_command("loaddata", "syria-no-fly-zones", verbosity=0)
shutil.copyfile(primary, replica)  # the replica, in step with the primary…
story = Article.objects.get()
url = story.get_absolute_url()
story.headline = "Saved on the primary"
story.save()  # …and now a change behind
results = {}
reader = Client()
results["reader_after_save"] = reader.get(url).content.decode()
cache.clear()  # REPLICA_LAG seconds later (and an empty page cache)
results["reader_later"] = reader.get(url).content.decode()
results["reader_later_home"] = reader.get("/").status_code
results["readers_wrote"] = bool(cache.get("newsroom:recent-write"))
editor = get_user_model().objects.create_superuser("chief", "chief@example.com", "pw")
editor_client = Client()
editor_client.force_login(editor)
cache.clear()
results["editor"] = editor_client.get(url).content.decode()
results["editor_admin"] = editor_client.get(f"/admin/articles/article/{story.pk}/change/").status_code
print(json.dumps(results))
"""


def test_readers_read_the_replica_and_never_just_after_a_save(tmp_path):
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "CACHE_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="1",  # static files straight from the apps, no collectstatic
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{primary}",
        DATABASE_REPLICA_URLS=f"sqlite:///{replica}",
        CACHE_URL="locmem://",  # one process here; several need a shared one (newsroom.W001)
        ALLOWED_HOSTS="testserver",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(primary), str(replica)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout.strip().splitlines()[-1])

    original = "US says it would consider working with Russia"
    # Just after the save every process reads the primary: the new headline.
    assert "Saved on the primary" in pages["reader_after_save"]
    # Later a reader's page comes from the replica (here still behind, to show it).
    assert original in pages["reader_later"]
    assert "Saved on the primary" not in pages["reader_later"]
    # Reading writes nothing: readers never take the replicas away from each other.
    assert pages["reader_later_home"] == 200
    assert not pages["readers_wrote"]
    # A signed-in editor always reads the primary (the replica does not even have the session).
    assert "Saved on the primary" in pages["editor"]
    assert pages["editor_admin"] == 200


def test_a_per_process_cache_with_replicas_fails_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "CACHE_URL", "DEBUG"}}
    env.update(SECRET_KEY="x" * 50, DATABASE_REPLICA_URLS="postgres://reader@replica.internal:5432/newsroom")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "newsroom"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "newsroom.W001" in result.stderr + result.stdout
