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
    full_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
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
