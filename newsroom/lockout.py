"""The page a client gets when django-axes has locked its sign-in (``AXES_LOCKOUT_CALLABLE``).

Axes calls :func:`locked_out` instead of the login view's answer once an
account and client pair has reached ``AXES_FAILURE_LIMIT`` failures, and for
every attempt while the lock lasts. It says in plain words, in the admin's
own layout, until when signing in is paused: the lock ends
``AXES_COOLOFF_TIME`` after the latest failure, and this attempt is that
failure (each try while locked restarts the wait), so "now + cool-off" is
exact. ``Retry-After`` tells the same to scripts.
"""

import math

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def locked_out(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    context = {
        **admin.site.each_context(request),
        "title": _("Signing in is paused"),
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "attempted_at": now,
        "retry_at": now + cool_off if cool_off else None,
    }
    # Rendered now: axes hands this back from its middleware, past the point
    # where Django renders a view's TemplateResponse.
    response = render(request, "admin/locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
