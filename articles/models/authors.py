from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import addresses
from articles.models.base import SlugManager, slug_check
from articles.weblinks import WebURLField, web_url_check


class Author(models.Model):
    """Whoever a byline credits: a reporter, a desk or a news agency."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        DESK = "desk", _("desk")
        AGENCY = "agency", _("agency")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.PERSON,
        help_text=_('A desk is a team byline such as "Our Foreign Staff"; an agency is a wire service.'),
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    bio = models.TextField(_("short bio"), blank=True)
    photo = models.ForeignKey(
        "articles.Image",
        verbose_name=_("photo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="author_of",
        help_text=_("From the picture library: search, or upload a new one with +."),
    )
    website = WebURLField(_("website"), blank=True)
    social_handle = models.CharField(
        _("social media handle"), max_length=100, blank=True, help_text=_("For example @foreignstaff.")
    )
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
    )

    objects = SlugManager()

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]
        constraints = [
            slug_check(name="articles_author_slug_valid"),
            web_url_check(
                "website",
                name="articles_author_website_web",
                message=_("The website must be a web address that starts with http:// or https://."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return addresses.author(slug=self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def is_organization(self):
        """Desks and agencies are organisations, not people (schema.org, feeds)."""
        return self.kind != self.Kind.PERSON
