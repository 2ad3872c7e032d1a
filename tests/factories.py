"""factory_boy factories, one per model."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from taggit.models import Tag

from articles import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Author

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"author-{n}")
    kind = models.Author.Kind.PERSON


# Whether ImageFactory makes every picture's rendition files (see there).
MAKE_RENDITIONS = False


class ImageFactory(factory.django.DjangoModelFactory):
    """A library picture: a real JPEG.

    Its renditions' names are known without the files (pages are drawn the
    same), but making the files costs ~0.4 s a picture, so they are made only
    where a test reads them: ``ImageFactory(renditions=True)``, or every
    picture of a test that sets ``MAKE_RENDITIONS`` (the browser tests do,
    in tests/browser/conftest.py).
    """

    class Meta:
        model = models.Image

    file = factory.django.ImageField(width=800, height=600, format="JPEG", color="navy", filename="picture.jpg")
    alt = factory.Sequence(lambda n: f"Picture {n}")

    @classmethod
    def _create(cls, model_class, *args, renditions=None, **kwargs):
        image = model_class(*args, **kwargs)
        # django-imagefield's own switch (its process_imagefields command sets it).
        image._skip_generate_files = not (MAKE_RENDITIONS if renditions is None else renditions)
        image.save()
        return image


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published story, published an hour ago unless told otherwise."""

    class Meta:
        model = models.Article

    headline = factory.Faker("sentence", nb_words=8)
    slug = factory.Sequence(lambda n: f"story-{n}")
    standfirst = factory.Faker("sentence", nb_words=20)
    section = factory.SubFactory(SectionFactory, name="World", slug="world")
    status = models.Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    class Params:
        draft = factory.Trait(status=models.Article.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
        )


class BylineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Byline

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(AuthorFactory)
    role = models.Byline.Role.BY
    position = factory.Sequence(lambda n: n)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class TaggedArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TaggedArticle

    content_object = factory.SubFactory(ArticleFactory)
    tag = factory.SubFactory(TagFactory)


class RichTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RichText

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    text = factory.Sequence(lambda n: f"<p>Paragraph number {n} of the story.</p>")


class PullQuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PullQuote

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    quote = factory.Faker("sentence")
    attribution = factory.Faker("name")


class EmbedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Embed

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: n * 10 + 5)
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    title = "A video"


class TimelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Timeline

    title = factory.Faker("sentence", nb_words=3)
    slug = factory.Sequence(lambda n: f"timeline-{n}")


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TimelineEvent

    timeline = factory.SubFactory(TimelineFactory)
    date = factory.Sequence(lambda n: datetime.date(2000, 1, 1) + datetime.timedelta(days=n))
    title = factory.Faker("sentence", nb_words=6)


class TimelineBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TimelineBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    widget = factory.SubFactory(TimelineFactory)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Profile

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"profile-{n}")
    born = "1 January 1960, London"
    role = factory.Faker("job")
    summary = factory.Faker("sentence")


class ProfileFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProfileFact

    profile = factory.SubFactory(ProfileFactory)
    label = factory.Sequence(lambda n: f"Fact {n}")
    value = factory.Faker("sentence")


class ProfileBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProfileBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    widget = factory.SubFactory(ProfileFactory)


class ImageBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ImageBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    image = factory.SubFactory(ImageFactory)


class GalleryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Gallery

    title = factory.Faker("sentence", nb_words=4)
    slug = factory.Sequence(lambda n: f"gallery-{n}")


class GalleryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.GalleryItem

    gallery = factory.SubFactory(GalleryFactory)
    image = factory.SubFactory(ImageFactory)
    position = factory.Sequence(lambda n: n)


class GalleryBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.GalleryBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    widget = factory.SubFactory(GalleryFactory)


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Correction

    article = factory.SubFactory(ArticleFactory)
    text = factory.Faker("sentence")


class SlugRedirectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SlugRedirect

    article = factory.SubFactory(ArticleFactory)
    old_slug = factory.Sequence(lambda n: f"old-address-{n}")


class DeliveryKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DeliveryKey
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"article-{n + 100000}")


class StoryRenderFactory(factory.django.DjangoModelFactory):
    """A stored render; saving a published story already makes one, so this gets or updates it."""

    class Meta:
        model = models.StoryRender
        django_get_or_create = ("article",)

    article = factory.SubFactory(ArticleFactory)
    language = "en-gb"
    title = factory.LazyAttribute(lambda o: o.article.headline)
    stale = False


class RenderDependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RenderDependency
        django_get_or_create = ("render", "key")

    render = factory.SubFactory(StoryRenderFactory)
    key = factory.Sequence(lambda n: f"tag-{n}")


class AutosaveDraftFactory(factory.django.DjangoModelFactory):
    """An editor's autosaved draft of a story: its headline changed, nothing else."""

    class Meta:
        model = models.AutosaveDraft

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)
    data = factory.LazyAttribute(lambda o: [["headline", "Autosaved headline"]])
    version_token = factory.LazyAttribute(lambda o: o.article.updated_at.isoformat() if o.article else "")
    saved_at = factory.LazyFunction(timezone.now)


class EditingPresenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EditingPresence

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)
    last_seen = factory.LazyFunction(timezone.now)
