"""Content-Security-Policy by area: strict on reader pages, looser in the admin.

django-csp writes the header; this module says what each area of the site
may load, and :class:`AreaPolicyMiddleware` picks the policy per response.
A host site wires it up in its settings::

    from articles import content_security

    MIDDLEWARE = [..., "articles.content_security.AreaPolicyMiddleware", ...]
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": content_security.reader_policy(static_url=STATIC_URL)}
    ARTICLES_CSP_AREAS = {"admin": content_security.admin_policy()}

``CONTENT_SECURITY_POLICY`` is django-csp's own setting and the policy of
every page no area claims: the reader pages, previews, feeds, error pages.
``ARTICLES_CSP_AREAS`` maps a URL namespace (``"admin"``) or a view name
(``"articles:preview"``) to the directives of that area; the longest match
wins. Unset, it gives the admin :data:`ADMIN`. django-csp's view decorators
(``csp``, ``csp_update``, ``csp_replace``, ``csp_exempt``) keep working on
top of either.

Reader pages load one stylesheet (and its print sibling) and images, all
from this site, and run no script: the JSON-LD block is a data block
(``type="application/ld+json"``), which browsers neither run nor check
against ``script-src``. So :data:`READER` starts from ``default-src 'none'``
and allows only styles and images from ``'self'``. Keep it that way: no
inline ``<script>``, ``<style>`` or ``style=""`` in a reader template. A
nonce is no way round it there: the story page cache
(``articles.delivery.page_cache``) and shared caches hand one rendered page, and so
one nonce, to every reader.

A page that shows an external embed (``articles.embeds``; its markup
carries :data:`articles.embeds.MARKER`) also gets, on top of whatever policy
applies, ``script-src`` for the one static file that loads players on click
(its exact address, not all of ``'self'``: uploaded media share this
origin) and ``frame-src`` for the players' origins, derived from the
provider registry, so a provider added in ``ARTICLES_EMBED_PROVIDERS`` is
allowed with nothing else to change. Every other reader page still runs
no script and frames nothing.

Over HTTPS (``request.is_secure()``, which honours
``SECURE_PROXY_SSL_HEADER``) every policy also gets
``upgrade-insecure-requests``, so a stray ``http://`` image in a story is
fetched over HTTPS instead of being blocked as mixed content; a plain-HTTP
development server is left alone. A policy that sets the directive to
``False`` opts out.
"""

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from csp.utils import DEFAULT_DIRECTIVES
from django.conf import settings as django_settings

from articles.conf import settings

UPGRADE = "upgrade-insecure-requests"

#: What the ``articles`` reader templates need: styles and images from this site.
READER = {
    "default-src": [NONE],
    "style-src": [SELF],
    "img-src": [SELF],
    # No <base> and no plugins: neither can then be used to redirect or run anything.
    "base-uri": [NONE],
    "object-src": [NONE],
    # The search form submits to this site only.
    "form-action": [SELF],
    # Nobody frames a reader page (clickjacking); X-Frame-Options says the same to old browsers.
    "frame-ancestors": [NONE],
}

#: What Django's admin with django-content-editor, django-prose-editor,
#: django-admin-sortable2 and select2 needs (checked in a browser by
#: tests/browser/test_content_security_policy.py). Scripts come only from
#: this site, no eval: the one inline script, the block and prose editors'
#: import map, carries the request's nonce (:class:`NoncedMediaAdminMixin`).
ADMIN = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    # The block editor (content_editor/index.js) and the prose editor
    # (Tiptap) add <style> elements of their own, without a nonce. Styles
    # cannot run script; scripts stay locked down. (No NONCE here: a nonce
    # would make browsers ignore 'unsafe-inline'.)
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF],
    "font-src": [SELF],
    "connect-src": [SELF],
    # The story form's live preview frames a page of this site (frame_in_admin).
    "frame-src": [SELF],
    "base-uri": [NONE],
    "object-src": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}


def _origin(url):
    """The host part of a URL on another host (``"https://cdn.example.com"``, ``"cdn.example.com"``
    for ``//cdn.example.com/…``); ``None`` for a path on this site."""
    if url and "://" in str(url):
        scheme, _, rest = str(url).partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"
    if url and str(url).startswith("//"):
        return str(url)[2:].split("/", 1)[0]
    return None


def _extended(base, static_url, media_url, extra, static_directives, media_directives):
    directives = {name: list(values) for name, values in base.items()}
    for url, names in ((static_url, static_directives), (media_url, media_directives)):
        origin = _origin(url)
        if origin:
            for name in names:
                directives.setdefault(name, [SELF])
                if origin not in directives[name]:
                    directives[name].append(origin)
    for name, values in extra.items():
        name = name.replace("_", "-")
        if isinstance(values, bool):
            directives[name] = values
        else:
            values = [values] if isinstance(values, str) else values
            directives.setdefault(name, [])
            directives[name] += [value for value in values if value not in directives[name]]
    return directives


def reader_policy(*, static_url=None, media_url=None, **extra):
    """:data:`READER`, plus the origins of ``static_url``/``media_url`` when they are on another host.

    Pass ``STATIC_URL`` and ``MEDIA_URL``: a path (``"static/"``) adds
    nothing, a CDN (``"https://cdn.example.com/static/"``) is allowed for
    styles and images. Anything else a site's own templates load is added
    by keyword, underscores for hyphens, e.g.
    ``reader_policy(frame_src=["https://www.youtube-nocookie.com"])``.
    """
    return _extended(READER, static_url, media_url, extra, ("style-src", "img-src"), ("img-src",))


def admin_policy(*, static_url=None, media_url=None, **extra):
    """:data:`ADMIN`, extended like :func:`reader_policy` (static files there also serve scripts and fonts)."""
    return _extended(
        ADMIN, static_url, media_url, extra, ("script-src", "style-src", "img-src", "font-src"), ("img-src",)
    )


def area_of(request, areas):
    """The key of ``areas`` that the resolved view belongs to (longest match), or ``None``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    name = match.view_name or ""
    candidates = [key for key in areas if name == key or name.startswith(f"{key}:")]
    return max(candidates, key=len, default=None)


# A response's own choice of area (see frame_in_admin); unset, its URL decides.
_AREA_OF_RESPONSE = "_articles_csp_area"
_BY_URL = object()


def frame_in_admin(response):
    """Give a reader page rendered by an admin view the reader policy, framable by this site only.

    The admin's live preview (``articles.editing.live_preview``) answers at an
    admin URL, but what it returns is a reader page, to be shown in a frame
    on the change form: it gets the reader policy (no script; with embeds,
    what they need) rather than the admin's, and ``frame-ancestors 'self'``
    instead of ``'none'``. Django's ``X-Frame-Options`` says the same
    (``SAMEORIGIN``). Every other reader page stays unframable.
    """
    setattr(response, _AREA_OF_RESPONSE, None)
    response._csp_replace = {**(getattr(response, "_csp_replace", None) or {}), "frame-ancestors": [SELF]}
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def area_policies():
    areas = settings.CSP_AREAS
    return {"admin": ADMIN} if areas is None else areas


def _shows_embed(response):
    from articles import embeds

    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return False
    return embeds.MARKER.encode() in response.content


def embed_script_source(request):
    """The embed script's address as a CSP source: the file itself, on this site or a CDN."""
    from django.templatetags.static import static

    url = static("articles/embeds.js")
    if url.startswith("//"):
        return f"{request.scheme}:{url}"
    return url if "://" in url else request.build_absolute_uri(url)


def embed_directives(request, directives):
    """``directives`` plus what a page with embeds needs: the embed script and the players' frames.

    A directive the policy leaves to ``default-src`` starts from its sources,
    so adding ours narrows nothing that was allowed.
    """
    from articles import embeds

    directives = dict(directives)
    fallback = directives.get("default-src", [])
    for name, sources in (("script-src", [embed_script_source(request)]), ("frame-src", embeds.frame_origins())):
        current = [source for source in directives.get(name, fallback) if source != NONE]
        directives[name] = current + [source for source in sources if source not in current]
    return directives


class AreaPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with one enforced policy per area of the site (see the module docstring)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            # The report-only policy is django-csp's alone; a view decorated
            # with @csp(...) has chosen its policy and keeps it.
            return parts
        areas = area_policies()
        area = getattr(response, _AREA_OF_RESPONSE, _BY_URL)
        if area is _BY_URL:
            area = area_of(request, areas)
        if area is not None:
            directives = areas[area]
        else:
            policy = getattr(django_settings, "CONTENT_SECURITY_POLICY", None)
            if not policy:
                return parts  # no enforced policy configured: send none
            directives = policy.get("DIRECTIVES", {})
        if _shows_embed(response):
            directives = embed_directives(request, directives)
        if request.is_secure() and directives.get(UPGRADE) is not False:
            directives = {**directives, UPGRADE: True}
        # Only the directives the policy sets, not django-csp's default_config()
        # of every known directive (mostly None): django-csp deep-copies the
        # config on every response (dataclasses.asdict), and forty keys made
        # that a third of a cached story page's cost. Unknown keys still drop.
        parts.config = {name: value for name, value in directives.items() if name in DEFAULT_DIRECTIVES}
        return parts


class NoncedMediaAdminMixin:
    """A ModelAdmin mixin: the change form's media carry the request's CSP nonce.

    django-content-editor and django-prose-editor load ES modules through an
    inline ``<script type="importmap">`` (django-js-asset), which a policy
    without ``'unsafe-inline'`` refuses unless it carries the nonce that
    django-csp puts in ``script-src`` (:data:`ADMIN` has ``NONCE``). Without
    django-csp's middleware there is no nonce and nothing changes.
    """

    def render_change_form(self, request, context, *args, **kwargs):
        nonce = getattr(request, "csp_nonce", None)
        if nonce is not None and context.get("media") is not None:
            from js_asset.media import Media

            context["media"] = Media.from_media(context["media"], nonce=nonce)
        return super().render_change_form(request, context, *args, **kwargs)
