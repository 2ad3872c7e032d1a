"""A story with every kind of block and credit, for the syndication tests (feeds, ninjs)."""

from django.db import transaction

from articles.models import Author, Byline
from tests import factories


@transaction.atomic  # one change, as an editor's save is
def rich_story(**fields):
    """By Jane Hack and Reuters, additional reporting by Our Foreign Staff, photographs by Tracy Thompson.

    Its body: text with a site-relative link, a pull quote, a library
    picture, a YouTube embed, a timeline, a gallery and more text.
    """
    lead = factories.ImageFactory(caption="Rex Tillerson at the podium", credit="Pool")
    article = factories.ArticleFactory(
        kicker="Analysis", standfirst="What “no-fly zones” would mean & for whom", lead_image=lead, **fields
    )
    credits = [
        ("Jane Hack", "jane-hack", Author.Kind.PERSON, Byline.Role.BY),
        ("Reuters", "reuters", Author.Kind.AGENCY, Byline.Role.BY),
        ("Our Foreign Staff", "our-foreign-staff", Author.Kind.DESK, Byline.Role.ADDITIONAL_REPORTING),
        ("Tracy Thompson", "tracy-thompson", Author.Kind.PERSON, Byline.Role.PHOTOGRAPHS),
    ]
    for position, (name, slug, kind, role) in enumerate(credits):
        author = Author.objects.filter(slug=slug).first() or factories.AuthorFactory(name=name, slug=slug, kind=kind)
        factories.BylineFactory(article=article, author=author, role=role, position=position)
    factories.RichTextFactory(
        parent=article,
        ordering=10,
        text='<p>The <a href="/tag/syria/">Syria</a> talks resume.</p><p>Second paragraph.</p>',
    )
    factories.PullQuoteFactory(parent=article, ordering=20, quote="Stability on the ground", attribution="Tillerson")
    factories.ImageBlockFactory(parent=article, ordering=30, caption="Hamburg, before the summit")
    factories.EmbedFactory(parent=article, ordering=40, title="The statement on video")
    timeline = factories.TimelineFactory(title="Syria war timeline")
    factories.TimelineEventFactory(timeline=timeline, title="Protests begin in Daraa")
    factories.TimelineBlockFactory(parent=article, ordering=50, widget=timeline)
    gallery = factories.GalleryFactory(title="Hamburg in pictures")
    factories.GalleryItemFactory(gallery=gallery)
    factories.GalleryItemFactory(gallery=gallery)
    factories.GalleryBlockFactory(parent=article, ordering=60, widget=gallery)
    factories.RichTextFactory(parent=article, ordering=70, text="<p>Last paragraph.</p>")
    for name in ("Syria", "Russia"):
        factories.TaggedArticleFactory(content_object=article, tag=factories.TagFactory(name=name))
    return article
