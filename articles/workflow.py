"""Who may move a story where: the newsroom's workflow rules.

The admin form, the bulk actions and any import or API call these functions;
the rules live here and nowhere else.

- Reporters (``change_article`` without ``publish_article``) write drafts and
  submit them for review. They cannot publish, schedule or unpublish, and a
  story that has gone out (published or withdrawn) is no longer theirs to edit.
- Editors hold ``articles.publish_article`` and may do all of it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
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


# --- the change form's workflow buttons ---------------------------------------
#
# Each button names one move. The admin shows the buttons available_actions()
# lists and refuses, with check_action(), a POST naming any other (a forged
# button, or a page left open while someone else moved the story on).

SAVE = "save"
SUBMIT = "submit"
PUBLISH = "publish"
SCHEDULE = "schedule"
UNPUBLISH = "unpublish"
ACTIONS = (SAVE, SUBMIT, PUBLISH, SCHEDULE, UNPUBLISH)
EDITOR_ACTIONS = (PUBLISH, SCHEDULE, UNPUBLISH)


def is_live(article, at=None):
    """Do readers see ``article`` now (published, and its time has come)?"""
    if article.status != Status.PUBLISHED or article.published_at is None:
        return False
    return article.published_at <= (at or timezone.now())


def available_actions(user, article=None):
    """The moves ``user`` may make on ``article`` (``None`` or unsaved: a new story), in button order.

    - Save keeps the status the story has.
    - Submit for review: a draft (or a new story), by anyone who may edit it.
    - Publish now and Schedule: editors, for any story not already live (a
      scheduled story may be brought forward or moved).
    - Unpublish: editors, for a live or scheduled story.
    """
    if not can_edit(user, article):
        return []
    status = Status.DRAFT if article is None or article.pk is None else article.status
    actions = [SAVE]
    if status == Status.DRAFT:
        actions.append(SUBMIT)
    if can_publish(user):
        if not (status == Status.PUBLISHED and is_live(article)):
            actions += [PUBLISH, SCHEDULE]
        if status == Status.PUBLISHED:
            actions.append(UNPUBLISH)
    return actions


def check_action(user, article, action):
    """Raise PermissionDenied, with a message for the editor, unless ``user`` may make ``action`` now."""
    if action in available_actions(user, article):
        return
    if action in EDITOR_ACTIONS and not can_publish(user):
        raise PermissionDenied(_("You may not publish, schedule or unpublish stories; submit it for review instead."))
    if article is not None and article.pk is not None and not can_edit(user, article):
        raise PermissionDenied(_("This story has been published; only an editor can change it."))
    if action not in ACTIONS:
        raise PermissionDenied(_("That is not a workflow action."))
    raise PermissionDenied(
        _("A story that is %(status)s cannot be moved that way; reload the page to see where it stands now.")
        % {"status": public_status(article)}
    )


def public_status(article):
    """The status as the newsroom says it: a published story with a future time is "scheduled"."""
    if article.status == Status.PUBLISHED and not is_live(article):
        return _("scheduled")
    return article.get_status_display()


def check_schedule_time(at, now=None):
    """Raise ValidationError unless ``at`` is a time to schedule a story for (in the future)."""
    if at is None:
        raise ValidationError(_("Choose the date and time the story should appear."), code="required")
    if at <= (now or timezone.now()):
        raise ValidationError(_("That time has passed; choose a time in the future, or publish now."), code="past")


def submit_for_review(article, *, user, note=""):
    """Hand the story to the editors: it goes into their review queue with ``note``.

    The caller saves the story; the admin then tells the editors
    (``articles.editing.review.notify_editors``) once the save has committed.
    """
    check_status_change(user, article, Status.REVIEW)
    article.status = Status.REVIEW
    article.review_requested_by = user
    article.review_requested_at = timezone.now()
    article.review_note = note.strip()
    article.updated_by = user


def schedule(article, *, user, at):
    """Publish at ``at``, a time in the future."""
    check_schedule_time(at)
    publish(article, user=user, at=at)


def apply_action(article, *, user, action, at=None, note=""):
    """Make the move a workflow button names (after :func:`check_action` allowed it).

    ``Publish now`` means now, whatever time the story carried before.
    """
    if action == SUBMIT:
        submit_for_review(article, user=user, note=note)
    elif action == PUBLISH:
        publish(article, user=user, at=timezone.now())
    elif action == SCHEDULE:
        schedule(article, user=user, at=at)
    elif action == UNPUBLISH:
        unpublish(article, user=user)
