"""The embed block: a pasted address, checked against the providers on every write."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from articles import embeds
from articles.models.blocks import ArticlePlugin
from articles.weblinks import WebURLField, web_url, web_url_check


class EmbedURLField(WebURLField):
    """A web address that only an allow-listed provider's address passes.

    Forms run the validator; ``Model.save()``, ``QuerySet.update()`` and
    ``loaddata`` (a raw save) skip validation but all go through
    ``get_db_prep_save()``, so an address no provider recognises is refused
    there too. The database's check constraint keeps out any non-web address
    (raw SQL), and the renderer parses again: a provider may leave the
    settings, and then its embeds become plain links.
    """

    # One message for a bad address, the provider list's, not the web address one as well.
    default_validators = [embeds.validate_embed_url]

    def get_db_prep_save(self, value, connection):
        if value is not None:
            embeds.validate_embed_url(value)
        return super().get_db_prep_save(value, connection)


class Embed(ArticlePlugin):
    url = EmbedURLField(
        _("address"),
        max_length=500,
        help_text=_(
            "Paste the address of the post, video or chart as your browser shows it. "
            "Nothing is loaded from the provider until a reader asks for it."
        ),
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("What the embed shows, for readers and screen readers. Empty: the name of the provider."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)

    class Meta(ArticlePlugin.Meta):
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")
        constraints = [
            web_url_check(
                "url",
                name="articles_embed_url_web",
                message=_("The address of an embed must be a web address that starts with http:// or https://."),
            )
        ]

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        # Refuse before the write starts, so the caller's transaction stays usable.
        embeds.validate_embed_url(self.url)
        super().save(*args, **kwargs)

    @cached_property
    def embed(self):
        """The parsed :class:`articles.embeds.Embed`; ``None`` if no provider (any longer) knows the address."""
        try:
            return embeds.parse(self.url)
        except ValidationError:
            return None

    @property
    def web_url(self):
        """The address if it is a web address (a row that skipped validation may hold anything)."""
        return web_url(self.url)

    @property
    def frame_title(self):
        """The iframe's ``title`` (WCAG 4.1.2): the editor's, or the provider's name."""
        embed = self.embed
        return self.title or (_("%(provider)s content") % {"provider": embed.provider.name} if embed else self.url)
