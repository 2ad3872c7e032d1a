"""Static file storages of the demo project: Django's and WhiteNoise's, with their addresses remembered.

Every reader page links its stylesheets and icons through ``{% static %}``,
and each call builds the address again (a manifest lookup, then joining and
quoting the URL): some 15 µs a link, 5 links a page, about a tenth of an
uncached story page. Within one process the files do not change, so each
name's address is worked out once. (A deploy starts new processes; the
manifest storage reads its manifest once per process anyway.)
"""

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberedURLsMixin:
    def url(self, name, *args, **kwargs):
        # DEBUG decides whether the manifest storage hashes names: part of the key.
        key = (name, args, tuple(sorted(kwargs.items())), settings.DEBUG)
        urls = self.__dict__.setdefault("_remembered_urls", {})
        try:
            return urls[key]
        except KeyError:
            url = urls[key] = super().url(name, *args, **kwargs)
            return url


class DevelopmentStaticStorage(RememberedURLsMixin, StaticFilesStorage):
    """Under ``DEBUG``: files straight from the apps (no collectstatic)."""


class ProductionStaticStorage(RememberedURLsMixin, CompressedManifestStaticFilesStorage):
    """``DEBUG`` off: hashed, compressed names from WhiteNoise's manifest, cached for a year."""
