"""Who may move a story where: the newsroom's workflow rules.

The admin form, the bulk actions and any import or API call these functions;
the rules live here and nowhere else.

- Reporters (``change_article`` without ``publish_article``) write drafts and
  submit them for review. They cannot publish, schedule or unpublish, and a
  story that has gone out (published or withdrawn) is no longer theirs to edit.
- Editors hold ``articles.publish_article`` and may do all of it.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article

PUBLISH_PERMISSION = "articles.publish_article"
Status = Article.Status
REPORTER_STATUSES = (Status.DRAFT, Status.REVIEW)


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def can_edit(user, article=None):
    """May ``user`` change ``article`` (or, with no article, articles at all)?"""
    if not user.has_perm("articles.change_article"):
        return False
    if article is None or article.pk is None or can_publish(user):
        return True
    return article.status in REPORTER_STATUSES


def allowed_statuses(user):
    """The statuses ``user`` may give a story."""
    if can_publish(user):
        return list(Status)
    return list(REPORTER_STATUSES)


def check_status_change(user, article, new_status):
    """Raise PermissionDenied, with a message for the editor, if not allowed."""
    if new_status == article.status and can_edit(user, article):
        return
    if new_status not in allowed_statuses(user):
        raise PermissionDenied(_("You may not publish, schedule or unpublish stories; submit it for review instead."))
    if not can_edit(user, article):
        raise PermissionDenied(_("This story has been published; only an editor can change it."))


def check_publication_change(user, article, *, status, published_at):
    """Like :func:`check_status_change`, for a move that also sets the publication time.

    The time is the editor's as much as the status is: a reporter may not
    schedule or re-date a story, even by restoring a revision.
    """
    check_status_change(user, article, status)
    if published_at != article.published_at and not can_publish(user):
        raise PermissionDenied(_("You may not publish, schedule or unpublish stories; submit it for review instead."))


def publish(article, *, user, at=None):
    """Publish now, or at ``at`` (a future time schedules the story)."""
    if not can_publish(user):
        raise PermissionDenied(_("You may not publish stories."))
    article.status = Status.PUBLISHED
    article.published_at = at or article.published_at or timezone.now()
    article.updated_by = user


def unpublish(article, *, user):
    """Withdraw a story from readers; its address stays reserved."""
    if not can_publish(user):
        raise PermissionDenied(_("You may not unpublish stories."))
    article.status = Status.UNPUBLISHED
    article.updated_by = user
