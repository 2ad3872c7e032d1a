"""Previews: a story on the real reader template before readers can see it.

Two ways in:

- ``/preview/<pk>/`` for anyone signed in who may change articles;
- ``/preview/shared/<token>/``, a signed link an editor can send to someone
  without an account (a source checking a quote, a lawyer). The token is the
  article's id signed with the project's ``SECRET_KEY`` and a timestamp, so it
  cannot be forged or pointed at another story, and it expires after
  ``ARTICLES_PREVIEW_MAX_AGE``.

Anything wrong — no permission, a tampered or expired token, an unknown
story — is a 404, so a preview address reveals nothing about what exists.
Preview responses must never land in a shared cache or a search index.
"""

from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView

from articles.conf import settings
from articles.models import Article
from articles.views import StoryPageMixin

# A distinct salt: a value signed for anything else in the project (sessions,
# password resets) is never a valid preview token.
_signer = signing.TimestampSigner(salt="articles.preview")


def make_preview_token(article):
    return _signer.sign(str(article.pk))


def shared_preview_url(article):
    """The path of a signed preview link for ``article``, valid from now."""
    return reverse("articles:shared_preview", kwargs={"token": make_preview_token(article)})


def article_pk_from_token(token, max_age=None):
    """The article id a token was made for, or ``None`` if it is forged or expired."""
    try:
        value = _signer.unsign(token, max_age=max_age if max_age is not None else settings.PREVIEW_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return int(value) if value.isdigit() else None


def can_preview(user):
    return user.is_authenticated and user.is_active and user.has_perm("articles.change_article")


@method_decorator(never_cache, name="dispatch")
class PreviewView(StoryPageMixin, DetailView):
    """Base of both previews: any status, reader template, private headers."""

    def get_queryset(self):
        return Article.objects.with_page_relations()

    def get(self, request, *args, **kwargs):
        return self.render_story(self.get_object(), preview=True)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # A draft must never be indexed, even if a link to it leaks.
        response["X-Robots-Tag"] = "noindex"
        return response


class StaffPreviewView(PreviewView):
    def get_object(self, queryset=None):
        # 404 rather than a login redirect: the address of an unpublished
        # story should not confirm that it exists.
        if not can_preview(self.request.user):
            raise Http404("No such story.")
        return super().get_object(queryset)


class SharedPreviewView(PreviewView):
    def get_object(self, queryset=None):
        pk = article_pk_from_token(self.kwargs["token"])
        if pk is None:
            raise Http404("No such story.")
        try:
            return self.get_queryset().get(pk=pk)
        except Article.DoesNotExist as exc:
            raise Http404("No such story.") from exc
