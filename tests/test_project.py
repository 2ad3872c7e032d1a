import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_no_missing_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"Model changes without a migration:\n{out.getvalue()} ({exc})")


def test_system_checks_pass():
    call_command("check", "--fail-level", "WARNING")


def run_manage(*args, **env):
    # Not the suite's own DJANGO_ALLOW_ASYNC_UNSAFE (the browser tests set it),
    # which the deploy check rightly warns about.
    skipped = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in skipped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert result.stderr.strip() == "newsroom: SECRET_KEY must be set in the environment when DEBUG is off."


def test_starts_with_secret_key_from_environment():
    result = run_manage("check", DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_demo_superuser_is_idempotent(settings, tmp_path, django_user_model):
    settings.BASE_DIR = tmp_path
    first, second = StringIO(), StringIO()
    call_command("demo_superuser", stdout=first)
    call_command("demo_superuser", stdout=second)
    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    password = first.getvalue().split("password: ")[1].split()[0]
    assert f"password: {password}" in second.getvalue()
    assert django_user_model.objects.get(username="editor").check_password(password)


def settings_caches(module, **env):
    """``CACHES`` as ``module`` builds it under ``env``, read in a fresh interpreter."""
    full_env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "TEST_CACHE_URL"}}
    full_env.update(env, SECRET_KEY="x" * 50)
    code = f"import json, {module} as s; print(json.dumps(s.CACHES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_cache_url_picks_the_cache():
    assert "RedisCache" in settings_caches("newsroom.settings", CACHE_URL="redis://127.0.0.1:6379/3")
    assert "LocMemCache" in settings_caches("newsroom.settings")


def test_tests_never_use_the_sites_cache():
    # The suite empties its cache before every test: it must not be the one CACHE_URL names.
    caches = settings_caches("tests.settings", CACHE_URL="redis://127.0.0.1:6379/3")
    assert "LocMemCache" in caches
    caches = settings_caches("tests.settings", CACHE_URL="redis://127.0.0.1:6379/3", TEST_CACHE_URL="redis://h:1/15")
    assert "redis://h:1/15" in caches


# --- Production settings (issue 8, item 9) and error logging (item 10) ---------

README = ROOT / "README.md"


def production_environment():
    """The environment the README's "Running in production" section tells a deployment to set.

    Read from the README itself, so the documented values and the tested ones
    cannot drift apart.
    """
    text = README.read_text()
    block = text.split("<!-- production-environment -->", 2)[1]
    env = {}
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value.strip("'\"")
    return env


def test_readme_documents_a_production_environment():
    env = production_environment()
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "DATABASE_URL",
        "CACHE_URL",
    ):
        assert name in env, name
    assert "DEBUG" not in env or env["DEBUG"] in {"0", "false", "off"}


def test_documented_production_environment_passes_the_deploy_check():
    env = production_environment()
    # The README's key is a placeholder; the check wants a long, random one.
    env["SECRET_KEY"] = "k3y-for-the-deploy-check-" + "aB9xQz7Lm2" * 5
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_the_https_settings():
    # Without them the check names exactly what a deployment has to set.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="z" + "aB9xQz7Lm2" * 6)
    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


def production_setting(name, **env):
    code = f"import json, newsroom.settings as s; print(json.dumps(s.{name}))"
    full_env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "PGOPTIONS"}}
    full_env.update(env, SECRET_KEY="x" * 50)
    full_env = {k: v for k, v in full_env.items() if v is not None}  # None: not in the environment
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_proxy_ssl_header_is_read_as_a_header_name_and_value():
    result = production_setting("SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https")
    assert result.stdout.strip() == '["HTTP_X_FORWARDED_PROTO", "https"]'
    assert production_setting("SECURE_PROXY_SSL_HEADER").stdout.strip() == "null"


def database_setting(**env):
    result = production_setting("DATABASES['default']", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_connections_persist_and_are_health_checked_by_default():
    # A connection per request costs more than a cached page; a persistent one
    # the server has dropped must be replaced, not fail the request it is used for.
    # The database named in the environment too, whichever engine that is.
    for env in ({}, {"DATABASE_URL": "postgres://newsroom@db.internal:5432/newsroom"}):
        database = database_setting(CONN_MAX_AGE="", **env)
        assert database["CONN_MAX_AGE"] == 600
        assert database["CONN_HEALTH_CHECKS"] is True


def test_postgresql_connections_run_queries_without_parallel_workers():
    url = "postgres://newsroom@db.internal:5432/newsroom"
    database = database_setting(DATABASE_URL=url)
    assert database["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=0"
    database = database_setting(DATABASE_URL=url, DATABASE_PARALLEL_WORKERS="2")
    assert database["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=2"
    # What the deployment says wins: PGOPTIONS, or options on the URL.
    assert "options" not in database_setting(DATABASE_URL=url, PGOPTIONS="-c work_mem=64MB").get("OPTIONS", {})
    database = database_setting(DATABASE_URL=url + "?options=-c%20work_mem%3D64MB")
    assert database["OPTIONS"]["options"] == "-c work_mem=64MB"
    # The replicas' connections too; SQLite has no such thing.
    replica = production_setting(
        "DATABASES['replica_1']['OPTIONS']", DATABASE_URL=url, DATABASE_REPLICA_URLS=url.replace("db.", "replica.")
    )
    assert json.loads(replica.stdout)["options"] == "-c max_parallel_workers_per_gather=0"
    assert "options" not in database_setting(DATABASE_URL=None).get("OPTIONS", {})
    result = production_setting("DATABASES", DATABASE_URL=url, DATABASE_PARALLEL_WORKERS="some")
    assert result.returncode != 0
    assert result.stderr.strip() == "newsroom: DATABASE_PARALLEL_WORKERS must be a whole number, not 'some'."


def test_postgresql_sessions_get_no_parallel_workers(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (the PostgreSQL pass of CI runs it)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_conn_max_age_from_the_environment_overrides_the_default():
    assert database_setting(CONN_MAX_AGE="0")["CONN_MAX_AGE"] == 0
    assert database_setting(CONN_MAX_AGE="60")["CONN_MAX_AGE"] == 60
    assert database_setting(CONN_MAX_AGE="0")["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SECURE_PROXY_SSL_HEADER", "https", "SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of"),
    ],
)
def test_a_bad_setting_stops_startup_with_one_line(name, value, reason):
    result = production_setting("DEBUG", **{name: value})
    assert result.returncode != 0
    assert result.stderr.strip().startswith(f"newsroom: {reason}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_request_error_reaches_stderr_with_its_traceback():
    """With DEBUG off, a 500 leaves one log line naming the request, then the traceback, on stderr."""
    script = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
import articles.views

call_command("migrate", verbosity=0)

def broken(self):
    raise RuntimeError("the front page broke")

articles.views.HomeView.get_queryset = broken
response = Client(raise_request_exception=False).get("/")
print(response.status_code)
"""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "LOG_LEVEL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        SECRET_KEY="x" * 50,
        DATABASE_URL="sqlite://:memory:",
        ALLOWED_HOSTS="testserver",
        CACHE_URL="locmem://",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "500", result.stderr
    lines = result.stderr.splitlines()
    [first] = [line for line in lines if "Internal Server Error" in line]
    assert first.endswith("ERROR django.request: Internal Server Error: /")
    traceback = lines[lines.index(first) + 1 :]
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "RuntimeError: the front page broke"
