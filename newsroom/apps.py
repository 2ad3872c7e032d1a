from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The demo project itself, installed so its management commands load."""

    name = "newsroom"
    verbose_name = "Newsroom demo"

    def ready(self):
        from newsroom import checks  # noqa: F401  (registers them)
