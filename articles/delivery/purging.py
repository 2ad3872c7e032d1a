"""Edge purges (being built on the edge-purging branch; until it lands, no purger is configured)."""


def purge(keys, using=None):
    """Purge ``keys`` at every configured edge cache. None is configured yet."""
