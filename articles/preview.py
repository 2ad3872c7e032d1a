"""Previews: a story on the real reader template before readers can see it.

Two ways in:

- ``/preview/<pk>/`` for anyone signed in who may change articles;
- ``/preview/shared/<token>/``, a signed link an editor can send to someone
  without an account (a source checking a quote, a lawyer). The token is the
  article's id and a timestamp, signed with the project's ``SECRET_KEY`` and
  the story's own ``preview_key``, so it cannot be forged or pointed at
  another story, and it expires after ``ARTICLES_PREVIEW_MAX_AGE``. Replacing
  the key (``Article.revoke_preview_links()``, or withdrawing the story)
  revokes every link made so far. A withdrawn story opens from no link at all.

Anything wrong — no permission, a tampered, expired or revoked token, an
unknown or withdrawn story — is a 404, so a preview address reveals nothing
about what exists.
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


def _signer(article):
    # The salt carries the story's key: the token stays "id:timestamp:signature"
    # (short, URL-safe, the key never in it), yet a new key invalidates every
    # token signed before. "articles.preview" keeps values signed for anything
    # else in the project (sessions, password resets) from ever being a token.
    return signing.TimestampSigner(salt=f"articles.preview:{article.preview_key}")


def make_preview_token(article):
    return _signer(article).sign(str(article.pk))


def shared_preview_url(article):
    """The path of a signed preview link for ``article``, valid from now."""
    return reverse("articles:shared_preview", kwargs={"token": make_preview_token(article)})


def article_from_token(token, queryset=None, max_age=None):
    """The story a token opens, or ``None`` if it is forged, expired or revoked.

    The id travels in clear, so the story (and with it the key to check the
    signature with) is read first; a withdrawn story is never matched.
    """
    pk = token.partition(":")[0]
    # isascii(): str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (pk.isascii() and pk.isdigit()):
        return None
    queryset = Article.objects.all() if queryset is None else queryset
    try:
        article = queryset.exclude(status=Article.Status.UNPUBLISHED).get(pk=int(pk))
    except Article.DoesNotExist:
        return None
    try:
        value = _signer(article).unsign(token, max_age=max_age if max_age is not None else settings.PREVIEW_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return article if value == str(article.pk) else None


def can_preview(user):
    return user.is_authenticated and user.is_active and user.has_perm("articles.change_article")


@method_decorator(never_cache, name="dispatch")
class PreviewView(StoryPageMixin, DetailView):
    """Base of both previews: any status, reader template, private headers."""

    def get_queryset(self):
        # Corrections for the page and its JSON-LD in one query, as the stored render has them.
        return Article.objects.with_page_relations().prefetch_related("corrections")

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
        article = article_from_token(self.kwargs["token"], self.get_queryset())
        if article is None:
            raise Http404("No such story.")
        return article
