"""Autosave: what an editor typed, kept as a per-user draft until they save.

The change form (and the add form) posts itself here every few seconds after
a change and when the page is left. The draft is the form's data as the
browser would have submitted it, plus the version token the form was loaded
with (``articles.locking``). It never touches the story: no save, no
revision, no publication. On reopening the form the editor is offered the
draft; recovering renders the form bound to it, and the editor saves it the
ordinary way — so a story someone else saved since the draft's version is
refused by the stale-save rule, never silently overwritten.

One draft per user and story, and one per user for a story not yet created
(``article`` is empty). A save of the story deletes the saver's draft.
Drafts older than ``ARTICLES_AUTOSAVE_MAX_AGE`` are pruned on every write
and by ``manage.py prune_editing_sessions``.
"""

from django.conf import settings as django_settings
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.conf import settings

# Submit buttons and the CSRF token are the browser's business at submit
# time, not part of what the editor typed.
NOT_STORED = frozenset({"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew"})


class AutosaveDraftQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(saved_at__lt=(now or timezone.now()) - settings.AUTOSAVE_MAX_AGE)

    def current(self, now=None):
        return self.filter(saved_at__gte=(now or timezone.now()) - settings.AUTOSAVE_MAX_AGE)

    def of(self, user, article=None):
        """The draft of ``user`` for ``article`` (``None``: for a story not yet created)."""
        if article is None or article.pk is None:
            return self.filter(user=user, article__isnull=True)
        return self.filter(user=user, article=article)


class AutosaveDraft(models.Model):
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("story"),
        help_text=_("Empty for a story not created yet."),
    )
    data = models.JSONField(_("form data"), help_text=_("The form's fields as [name, value] pairs."))
    version_token = models.CharField(
        _("version token"),
        max_length=64,
        blank=True,
        help_text=_("When the story was last saved as the form was opened (articles.locking)."),
    )
    saved_at = models.DateTimeField(_("saved at"), db_index=True)

    objects = AutosaveDraftQuerySet.as_manager()

    class Meta:
        verbose_name = _("autosaved draft")
        verbose_name_plural = _("autosaved drafts")
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="articles_autosave_one_per_user_story"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(article=None), name="articles_autosave_one_new_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} / {self.article or '-'} @ {self.saved_at:%Y-%m-%d %H:%M:%S}"

    def query_dict(self):
        """The draft as the POST the form would have sent (repeated names kept)."""
        data = QueryDict(mutable=True)
        for name, value in self.data:
            data.appendlist(name, value)
        return data


def form_pairs(post):
    """The fields of a posted form worth keeping, as JSON-ready [name, value] pairs."""
    return [[name, value] for name, values in post.lists() if name not in NOT_STORED for value in values]


def store(user, article, post, version_token, now=None):
    """Keep ``post`` (the form's data) as ``user``'s draft of ``article``; return the draft.

    Expired drafts of anyone go at the same time: one DELETE, so nothing
    needs a scheduled job for the table to stay small.
    """
    now = now or timezone.now()
    AutosaveDraft.objects.expired(now).delete()
    draft, _created = AutosaveDraft.objects.update_or_create(
        user=user,
        article=article if article is not None and article.pk is not None else None,
        defaults={"data": form_pairs(post), "version_token": version_token or "", "saved_at": now},
    )
    return draft


def draft_of(user, article=None):
    return AutosaveDraft.objects.current().of(user, article).first()


def discard(user, article=None):
    """Delete ``user``'s draft of ``article`` (or of their new story); return how many went."""
    deleted, _by_model = AutosaveDraft.objects.of(user, article).delete()
    return deleted


def prune(now=None):
    deleted, _by_model = AutosaveDraft.objects.expired(now).delete()
    return deleted
