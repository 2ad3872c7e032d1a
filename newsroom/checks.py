"""System checks of the demo project's own settings."""

from django.conf import settings
from django.core.checks import Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register("newsroom", deploy=True)
def replicas_need_a_shared_cache(app_configs, **kwargs):
    """With read replicas, every process must see the mark a write leaves (newsroom.routers)."""
    if settings.READ_REPLICAS and settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "DATABASE_REPLICA_URLS is set but the cache is per process: after a save, other "
                "processes keep reading the lagging replicas and may cache the old pages.",
                hint="Set CACHE_URL to a shared cache (redis://…).",
                id="newsroom.W001",
            )
        ]
    return []
