"""Handing a story over for review: who is told, and the mail they get.

The admin calls :func:`notify_editors` once the save that submitted the
story has committed (``transaction.on_commit``): a mail about a submission
that was rolled back would send editors to a story that is not in their
queue. A mail server that fails costs the mail, never the submission: the
failure is logged and reported to the caller, which tells the reporter.
"""

import logging
import smtplib

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.text import Truncator

from articles import workflow
from articles.conf import settings
from articles.locking import user_display_name

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "articles/mail/review_requested_subject.txt"
BODY_TEMPLATE = "articles/mail/review_requested.txt"


def editors_to_notify(submitter):
    """Active users who may publish and have an email address, the submitter left out."""
    user_model = get_user_model()
    email_field = user_model.get_email_field_name()
    editors = ModelBackend().with_perm(workflow.PUBLISH_PERMISSION, is_active=True, include_superusers=True)
    editors = editors.exclude(Q(**{email_field: ""}) | Q(**{f"{email_field}__isnull": True}))
    if submitter is not None and submitter.pk is not None:
        editors = editors.exclude(pk=submitter.pk)
    return list(editors.order_by("pk"))


def absolute_url(path, request=None):
    """``path`` on this site: ``ARTICLES_SITE_URL`` when set, else the host the request came to."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def review_messages(article, *, submitter, note, admin_url, recipients):
    """One message per editor: no editor sees the others' addresses."""
    email_field = get_user_model().get_email_field_name()
    context = {
        "article": article,
        "submitter": user_display_name(submitter),
        "note": note,
        "admin_url": admin_url,
    }
    # A subject is one line: a headline with a line break would break the header.
    subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())
    subject = Truncator(subject).chars(150)
    body = render_to_string(BODY_TEMPLATE, context)
    return [EmailMessage(subject, body, to=[getattr(editor, email_field)]) for editor in recipients]


def notify_editors(article, *, submitter, note, admin_url):
    """Mail the editors that ``article`` waits for review. Returns how many were mailed.

    Raises :class:`NotificationFailed` when the mail server fails; nothing
    about the story is undone by that.
    """
    recipients = editors_to_notify(submitter)
    if not recipients:
        return 0
    messages = review_messages(article, submitter=submitter, note=note, admin_url=admin_url, recipients=recipients)
    try:
        return get_connection().send_messages(messages) or 0
    except (smtplib.SMTPException, OSError) as exc:
        logger.exception("Could not mail the editors that story %s waits for review", article.pk)
        raise NotificationFailed from exc


class NotificationFailed(Exception):
    """The mail to the editors could not be sent (the submission itself stands)."""
