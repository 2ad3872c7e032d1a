"""factory_boy factories, one per model."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from taggit.models import Tag

from articles import models
from articles.delivery import story_render

# Whether a story a factory writes is rendered and stored at once, as after an
# editor's save (articles.delivery.story_render.refresh). Arranging a test's
# stories is not an editor's save: rendering each one again after each of its
# blocks took a quarter of the suite's time (0.4 s for a story of ten
# blocks). Unrendered, a story is rendered by its first reader, as an imported
# one is (story_render.for_request). Tests of the stored render save through
# the admin or the ORM, or set this (the `rendered_at_save` fixture).
RENDER_AT_SAVE = False


class ModelFactory(factory.django.DjangoModelFactory):
    """A factory whose writes render no story (see ``RENDER_AT_SAVE``)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if RENDER_AT_SAVE:
            return super()._create(model_class, *args, **kwargs)
        with story_render.render_at_save(0):
            return super()._create(model_class, *args, **kwargs)


class UserFactory(ModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class SectionFactory(ModelFactory):
    class Meta:
        model = models.Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(ModelFactory):
    class Meta:
        model = models.Author

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"author-{n}")
    kind = models.Author.Kind.PERSON


# Whether ImageFactory makes every picture's rendition files (see there).
MAKE_RENDITIONS = False


class ImageFactory(ModelFactory):
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


class ArticleFactory(ModelFactory):
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


class BylineFactory(ModelFactory):
    class Meta:
        model = models.Byline

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(AuthorFactory)
    role = models.Byline.Role.BY
    position = factory.Sequence(lambda n: n)


class TagFactory(ModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class TaggedArticleFactory(ModelFactory):
    class Meta:
        model = models.TaggedArticle

    content_object = factory.SubFactory(ArticleFactory)
    tag = factory.SubFactory(TagFactory)


class RichTextFactory(ModelFactory):
    class Meta:
        model = models.RichText

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    text = factory.Sequence(lambda n: f"<p>Paragraph number {n} of the story.</p>")


class PullQuoteFactory(ModelFactory):
    class Meta:
        model = models.PullQuote

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    quote = factory.Faker("sentence")
    attribution = factory.Faker("name")


class EmbedFactory(ModelFactory):
    class Meta:
        model = models.Embed

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: n * 10 + 5)
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    title = "A video"


class TimelineFactory(ModelFactory):
    class Meta:
        model = models.Timeline

    title = factory.Faker("sentence", nb_words=3)
    slug = factory.Sequence(lambda n: f"timeline-{n}")


class TimelineEventFactory(ModelFactory):
    class Meta:
        model = models.TimelineEvent

    timeline = factory.SubFactory(TimelineFactory)
    date = factory.Sequence(lambda n: datetime.date(2000, 1, 1) + datetime.timedelta(days=n))
    title = factory.Faker("sentence", nb_words=6)


class TimelineBlockFactory(ModelFactory):
    class Meta:
        model = models.TimelineBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    widget = factory.SubFactory(TimelineFactory)


class ProfileFactory(ModelFactory):
    class Meta:
        model = models.Profile

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"profile-{n}")
    born = "1 January 1960, London"
    role = factory.Faker("job")
    summary = factory.Faker("sentence")


class ProfileFactFactory(ModelFactory):
    class Meta:
        model = models.ProfileFact

    profile = factory.SubFactory(ProfileFactory)
    label = factory.Sequence(lambda n: f"Fact {n}")
    value = factory.Faker("sentence")


class ProfileBlockFactory(ModelFactory):
    class Meta:
        model = models.ProfileBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    widget = factory.SubFactory(ProfileFactory)


class ImageBlockFactory(ModelFactory):
    class Meta:
        model = models.ImageBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    image = factory.SubFactory(ImageFactory)


class GalleryFactory(ModelFactory):
    class Meta:
        model = models.Gallery

    title = factory.Faker("sentence", nb_words=4)
    slug = factory.Sequence(lambda n: f"gallery-{n}")


class GalleryItemFactory(ModelFactory):
    class Meta:
        model = models.GalleryItem

    gallery = factory.SubFactory(GalleryFactory)
    image = factory.SubFactory(ImageFactory)
    position = factory.Sequence(lambda n: n)


class GalleryBlockFactory(ModelFactory):
    class Meta:
        model = models.GalleryBlock

    parent = factory.SubFactory(ArticleFactory)
    region = "body"
    ordering = factory.Sequence(lambda n: (n + 1) * 10)
    widget = factory.SubFactory(GalleryFactory)


class CorrectionFactory(ModelFactory):
    class Meta:
        model = models.Correction

    article = factory.SubFactory(ArticleFactory)
    text = factory.Faker("sentence")


class SlugRedirectFactory(ModelFactory):
    class Meta:
        model = models.SlugRedirect

    article = factory.SubFactory(ArticleFactory)
    old_slug = factory.Sequence(lambda n: f"old-address-{n}")


class DeliveryKeyFactory(ModelFactory):
    class Meta:
        model = models.DeliveryKey
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"article-{n + 100000}")


class StoryRenderFactory(ModelFactory):
    """A stored render; saving a published story already makes one, so this gets or updates it."""

    class Meta:
        model = models.StoryRender
        django_get_or_create = ("article",)

    article = factory.SubFactory(ArticleFactory)
    language = "en-gb"
    title = factory.LazyAttribute(lambda o: o.article.headline)
    stale = False


class RenderDependencyFactory(ModelFactory):
    class Meta:
        model = models.RenderDependency
        django_get_or_create = ("render", "key")

    render = factory.SubFactory(StoryRenderFactory)
    key = factory.Sequence(lambda n: f"tag-{n}")


class AutosaveDraftFactory(ModelFactory):
    """An editor's autosaved draft of a story: its headline changed, nothing else."""

    class Meta:
        model = models.AutosaveDraft

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)
    data = factory.LazyAttribute(lambda o: [["headline", "Autosaved headline"]])
    version_token = factory.LazyAttribute(lambda o: o.article.updated_at.isoformat() if o.article else "")
    saved_at = factory.LazyFunction(timezone.now)


class EditingPresenceFactory(ModelFactory):
    class Meta:
        model = models.EditingPresence

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)
    last_seen = factory.LazyFunction(timezone.now)
