"""The project's settings, with the benchmark's URLs (``benchmarks/urls.py``)."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
