from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The demo project itself, installed so its management commands load."""

    name = "newsroom"
    verbose_name = "Newsroom demo"
