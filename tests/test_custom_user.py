"""Any user model works: the suite's custom-user checks, in a process of their own.

``AUTH_USER_MODEL`` is fixed when Django starts, so a model built on
``AbstractBaseUser`` (no ``get_full_name``, email as the login) is tested by
running ``tests/custom_user/run_with_custom_user.py`` under its own settings.
It uses the same database server as this run (``DATABASE_URL``), with a
test database of its own.
"""

import os
import subprocess
import sys
from pathlib import Path

from articles.locking import user_display_name

ROOT = Path(__file__).resolve().parent.parent


def test_the_newsroom_works_with_a_custom_user_model():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/custom_user/run_with_custom_user.py",
            "--ds=tests.custom_user.settings",
            "--create-db",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "3 passed" in result.stdout


class _BareUser:
    """What ``AbstractBaseUser`` guarantees: ``get_username()``, nothing more."""

    def get_username(self):
        return "desk@example.com"


class _NamedUser(_BareUser):
    def __init__(self, full_name):
        self.full_name = full_name

    def get_full_name(self):
        return self.full_name


def test_users_are_named_by_full_name_else_username():
    assert user_display_name(_NamedUser("Jane Editor")) == "Jane Editor"
    assert user_display_name(_NamedUser("  ")) == "desk@example.com"
    assert user_display_name(_BareUser()) == "desk@example.com"
