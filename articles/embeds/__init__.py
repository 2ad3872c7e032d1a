"""External embeds: videos, posts and charts from an allow-list of providers.

An editor pastes an address; :func:`parse` finds the provider that
recognises it and builds the player's address, or refuses it. Readers get a
placeholder first and load the player with a click
(``articles/static/articles/embeds.js``), in a sandboxed iframe whose origin
the Content-Security-Policy allows because it comes from this registry
(:func:`frame_origins`).

Providers: :mod:`articles.embeds.providers`, plus ``ARTICLES_EMBED_PROVIDERS``
(README "Embeds").
"""

import dataclasses
import functools
import re

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from articles.conf import settings
from articles.embeds.providers import Provider, builtin, match_subject

__all__ = ["Embed", "Provider", "frame_origins", "parse", "provider_names", "providers", "validate_embed_url"]

#: Marks an embed on a rendered page: the Content-Security-Policy of such a page
#: allows the embed script and the players (articles.content_security). With
#: its quote, which text an editor types cannot carry (it is escaped).
MARKER = 'data-embed-src="'


def _provider_from_setting(entry):
    if isinstance(entry, Provider):
        return entry
    if isinstance(entry, str):
        try:
            found = import_string(entry)
        except ImportError as exc:
            raise ImproperlyConfigured(f"ARTICLES_EMBED_PROVIDERS: cannot import {entry!r} ({exc})") from exc
        if callable(found) and not isinstance(found, Provider):
            try:
                found = found()
            except TypeError as exc:
                raise ImproperlyConfigured(f"ARTICLES_EMBED_PROVIDERS: {entry!r} cannot be called ({exc})") from exc
        return _provider_from_setting(found)
    if isinstance(entry, dict):
        options = dict(entry)
        if "pattern" in options:
            options["patterns"] = (options.pop("pattern"),)
        try:
            return Provider(**options)
        except (TypeError, ValueError, re.error) as exc:  # unknown or missing keys, a bad template or pattern
            raise ImproperlyConfigured(f"ARTICLES_EMBED_PROVIDERS: {entry!r} is not a provider ({exc})") from exc
    raise ImproperlyConfigured(
        f"ARTICLES_EMBED_PROVIDERS: {entry!r} is neither a dotted path nor a dict with name, pattern and embed_url"
    )


@functools.cache
def providers():
    """Every provider, built-in first; a site's provider with a built-in's ``key`` replaces it."""
    by_key = {provider.key: provider for provider in builtin(settings.EMBED_MASTODON_INSTANCES)}
    for entry in settings.EMBED_PROVIDERS:
        provider = _provider_from_setting(entry)
        by_key[provider.key] = provider
    return tuple(by_key.values())


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting.startswith("ARTICLES_EMBED_"):
        providers.cache_clear()


def provider_names():
    """The names an editor may paste from, each once: "YouTube, Vimeo, …"."""
    return ", ".join(dict.fromkeys(provider.name.removesuffix(" Shorts") for provider in providers()))


def frame_origins():
    """The origins of every provider's player, for ``frame-src``."""
    return list(dict.fromkeys(origin for provider in providers() for origin in provider.origins))


@dataclasses.dataclass(frozen=True)
class Embed:
    """A pasted address that a provider recognised, and the player it becomes."""

    url: str
    provider: Provider
    src: str

    @property
    def sandbox(self):
        return self.provider.sandbox


def parse(url):
    """The :class:`Embed` for ``url``; ``ValidationError`` naming the supported providers if none recognises it."""
    if match_subject(url or "") is None:
        raise ValidationError(
            _("Paste the full address of a post, video or chart, starting with https://."), code="malformed"
        )
    for provider in providers():
        src = provider.match(match_subject(url, provider.query))
        if src:
            return Embed(url=url, provider=provider, src=src)
    raise ValidationError(
        _("This is not the address of a post, video or chart from a supported provider. Supported: %(providers)s."),
        code="unsupported_provider",
        params={"providers": provider_names()},
    )


def validate_embed_url(value):
    parse(value)
