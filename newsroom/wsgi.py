"""The project's WSGI application: what gunicorn (``deploy/gunicorn.conf.py``) and any WSGI server load."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


class FrozenAfterWarmUp:
    """The WSGI application, with what the process keeps for good moved out of the garbage collector's walk.

    Python's full collection walks every object still tracked: Django, the
    app, the URL patterns, compiled templates, translation catalogs, model
    metadata — about 100,000 objects and 40 ms here, paid by whichever request
    triggers it, about one request in fifteen. That was most of a reader
    search's p95 (110 ms against a 55 ms median at 1,000 stories,
    ``benchmarks/archive_pages.py``). ``gc.freeze()`` moves every object alive
    into a generation no collection walks; what the first requests build
    lazily (templates, metadata caches, the database connection's adapters)
    is frozen at the checkpoints. Each freeze collects first, so no garbage
    is frozen with the rest. Nothing is ever unfrozen: these objects live as
    long as the process anyway.
    """

    checkpoints = (1, 10, 100)

    def __init__(self, application):
        self.application = application
        self.served = 0
        self.freeze()

    @staticmethod
    def freeze():
        gc.collect()
        gc.freeze()

    def __call__(self, environ, start_response):
        try:
            return self.application(environ, start_response)
        finally:
            self.served += 1
            if self.served in self.checkpoints:
                self.freeze()


application = FrozenAfterWarmUp(get_wsgi_application())
