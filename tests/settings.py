"""Test settings: the project's settings with a throwaway key and fast hashing.

``DATABASE_URL`` still decides the database (pytest-django makes its own
``test_`` database there), so CI runs this same suite on SQLite and on
PostgreSQL. The cache is ``TEST_CACHE_URL``, never ``CACHE_URL``: the tests
empty the cache before each test, and a developer's shell may point
``CACHE_URL`` at a cache that real pages live in.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from newsroom.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": cache_from_url(os.environ.get("TEST_CACHE_URL", "locmem://"))}  # noqa: F405
# Uploads and their renditions go to a fresh folder each run: nothing a test
# wrote is mistaken for what another one made.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="newsroom-test-media-"))  # noqa: F405
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# django-axes refuses any authenticate() call without a request, which the
# test client's login() makes; most tests are not about login throttling.
# tests/test_login_throttling.py switches it back on (the `axes_on` fixture)
# and runs against everything else above, the project's real configuration.
AXES_ENABLED = False

# As under DEBUG: static files straight from the apps, no collectstatic
# (newsroom/settings.py hashes their names when DEBUG is off, which needs
# it; tests/test_production.py runs the deployment that does).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
