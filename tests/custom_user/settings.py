"""The test settings with a custom user model (``tests/test_custom_user.py`` runs them).

``AUTH_USER_MODEL`` cannot change inside a running process, so these run in
their own pytest process, with their own test database.
"""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.custom_user"]  # noqa: F405
AUTH_USER_MODEL = "custom_user.Journalist"

# Never the same test database as the main suite's process, which is still using it.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_custom_user"}  # noqa: F405
