"""The project's settings, with the benchmark's URLs (``benchmarks/urls.py``)."""

import uuid

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"

# A shared cache (CACHE_URL=redis://…) may still hold pages of an earlier run,
# whose throwaway database had other rows under the same ids: each run reads
# and writes only its own keys. Costs nothing per request (Django always
# prefixes keys, with "" by default).
CACHES["default"]["KEY_PREFIX"] = f"newsroom-bench-{uuid.uuid4().hex[:8]}"  # noqa: F405

# Static links as under DEBUG, so a benchmark needs no collectstatic first
# (with DEBUG off the project's settings hash static file names, which needs it;
# the lookup in the manifest costs a dict access per link).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "newsroom.storage.DevelopmentStaticStorage"}}  # noqa: F405
