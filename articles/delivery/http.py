"""HTTP for reader pages: who may get a public copy, validators, and the headers caches read.

- ``Cache-Control: public, max-age=ARTICLES_READER_MAX_AGE`` for anonymous
  readers, and ``Surrogate-Control: max-age=ARTICLES_EDGE_MAX_AGE`` for a
  shared cache in front (which is purged on every change); both shortened
  to when the page changes by itself (a scheduled story comes due).
  ``private`` when the request carries the session cookie (a signed-in
  editor) or HTTP credentials, or when the response is about to set a
  cookie (session, CSRF, messages). A response that already says
  ``private``, ``no-store`` or ``no-cache`` is never made public.
  ``Vary: Cookie`` always, so a shared cache never hands the anonymous copy
  to a signed-in editor or the other way round.
- The page's keys (``articles.delivery.keys``) as ``xkey`` (Varnish's
  vmod_xkey), ``Surrogate-Key`` (Fastly; both space-separated) and
  ``Cache-Tag`` (Cloudflare; comma-separated), for purging by key.
- ``ETag``: a hash of the bytes and the deploy version
  (``articles.delivery.fingerprint.deploy_version``), so it changes when
  the page does or a deploy changed templates, and an edit elsewhere leaves
  it alone. ``Last-Modified``: the newest of the key versions' change
  times, the shown stories' publication and edit times and the deploy's
  start (``deployed_at``), when the key versions are known (the page
  cache reads them).
"""

import hashlib

from django.conf import settings as django_settings
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from articles.conf import settings
from articles.delivery.fingerprint import deploy_version, deployed_at

_NOT_PUBLIC = {"private", "no-store", "no-cache"}


def is_private_request(request):
    """Does the request carry something that may make the page personal?"""
    return django_settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META


def sets_cookies(request, response):
    """Will this response set a cookie, now or in the middleware on its way out?"""
    session = getattr(request, "session", None)
    messages = getattr(request, "_messages", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
        or getattr(messages, "added_new", False)
    )


def is_marked_private(response):
    directives = {part.split("=")[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}
    return bool(directives & _NOT_PUBLIC)


def render(response):
    """Render a template response now, so what it does to the request can be inspected."""
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()
    return response


def content_etag(content):
    # The deploy version too, so that a copy from before a deploy is never
    # confirmed with a 304 after it, whoever kept it (articles.delivery.fingerprint).
    digest = hashlib.sha256(deploy_version().encode())
    digest.update(b"\n")
    digest.update(content)
    return f'"{digest.hexdigest()[:32]}"'


def validator_headers(response, page, changed_at):
    """``ETag`` from the bytes; ``Last-Modified`` when the keys' change times are known; the key headers."""
    headers = {"ETag": content_etag(response.content)}
    if changed_at is not None:
        # The deploy is a change to every page (articles.delivery.fingerprint).
        moments = [deployed_at(), *(moment for moment in changed_at if moment is not None)]
        if page.latest is not None:
            moments.append(page.latest)
        headers["Last-Modified"] = http_date(max(moments).timestamp())
    ordered = sorted(page.keys)
    headers["xkey"] = headers["Surrogate-Key"] = " ".join(ordered)
    headers["Cache-Tag"] = ",".join(ordered)
    return headers


def _seconds_until(moment, ceiling):
    if moment is None:
        return ceiling
    return max(0, min(ceiling, int((moment - timezone.now()).total_seconds())))


def patch_reader_cache_headers(request, response, expires_at=None):
    """Cache-Control, Surrogate-Control and Vary for a reader page (see the module docstring)."""
    if response.status_code not in (200, 304):
        return
    if "Vary" in response:
        patch_vary_headers(response, ["Cookie"])
    else:
        response["Vary"] = "Cookie"  # the usual case, without parsing
    if is_marked_private(response):
        return
    if is_private_request(request) or sets_cookies(request, response):
        patch_cache_control(response, private=True)
        for name in ("xkey", "Surrogate-Key", "Cache-Tag"):
            del response[name]
    else:
        max_age = _seconds_until(expires_at, settings.READER_MAX_AGE)
        if "Cache-Control" in response:
            patch_cache_control(response, public=True, max_age=max_age)
        else:
            response["Cache-Control"] = f"public, max-age={max_age}"
        response["Surrogate-Control"] = f"max-age={_seconds_until(expires_at, settings.EDGE_MAX_AGE)}"


def conditional(request, response):
    """A 304 in place of ``response`` when the client's validators still match it."""
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    if "HTTP_IF_NONE_MATCH" not in request.META and "HTTP_IF_MODIFIED_SINCE" not in request.META:
        return response  # nothing to compare: most requests
    last_modified = response.get("Last-Modified")
    if last_modified:
        from django.utils.http import parse_http_date_safe

        last_modified = parse_http_date_safe(last_modified)
    return get_conditional_response(
        request, etag=response.get("ETag"), last_modified=last_modified or None, response=response
    )
