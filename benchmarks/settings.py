"""The project's settings, with the benchmark's URLs (``benchmarks/urls.py``)."""

import uuid

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"

# A shared cache (CACHE_URL=redis://…) may still hold pages of an earlier run,
# whose throwaway database had other rows under the same ids: each run reads
# and writes only its own keys. Costs nothing per request (Django always
# prefixes keys, with "" by default).
CACHES["default"]["KEY_PREFIX"] = f"newsroom-bench-{uuid.uuid4().hex[:8]}"  # noqa: F405
