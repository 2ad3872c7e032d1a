from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import checks, signals  # noqa: F401  (checks registers the system checks)

        signals.connect(self)
        # The story sitemap's month summary follows every committed change (articles.syndication.parts).
        signals.content_changed.connect(_sitemap_parts_receiver, dispatch_uid="articles.syndication.parts")


def _sitemap_parts_receiver(sender, **kwargs):
    from articles.syndication.parts import on_content_changed

    on_content_changed(sender, **kwargs)
