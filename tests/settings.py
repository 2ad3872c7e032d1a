"""Test settings: the project's settings with a throwaway key and fast hashing.

``DATABASE_URL`` still decides the database, so CI runs this same suite on
SQLite and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from newsroom.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"  # noqa: F405
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
