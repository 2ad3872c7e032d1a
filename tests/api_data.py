"""A small newsroom for the API tests: stories with every kind of byline, body block and widget."""

import datetime

from django.utils import timezone

from articles.models import Author, Byline, Correction
from tests import factories


def newsroom_stories():
    """Three published stories (one with every block, widget and byline role), a draft and a scheduled one."""
    world = factories.SectionFactory(name="World", slug="world")
    politics = factories.SectionFactory(name="Politics", slug="politics")
    jane = factories.AuthorFactory(name="Jane Hack", slug="jane-hack")
    desk = factories.AuthorFactory(name="Our Foreign Staff", slug="our-foreign-staff", kind=Author.Kind.DESK)
    agency = factories.AuthorFactory(name="Reuters", slug="reuters", kind=Author.Kind.AGENCY)
    tracy = factories.AuthorFactory(name="Tracy Thompson", slug="tracy-thompson")
    syria = factories.TagFactory(name="Syria", slug="syria")
    russia = factories.TagFactory(name="Russia", slug="russia")
    now = timezone.now()

    lead = factories.ArticleFactory(
        headline="Talks on Syria no-fly zones",
        slug="syria-no-fly-zones",
        kicker="Analysis",
        section=world,
        published_at=now - datetime.timedelta(hours=1),
        lead_image=factories.ImageFactory(caption="Hamburg", credit="Reuters"),
    )
    for position, (author, role) in enumerate(
        [
            (jane, Byline.Role.BY),
            (agency, Byline.Role.BY),
            (desk, Byline.Role.ADDITIONAL_REPORTING),
            (tracy, Byline.Role.PHOTOGRAPHS),
        ]
    ):
        factories.BylineFactory(article=lead, author=author, role=role, position=position)
    lead.tags.add(syria, russia)
    factories.RichTextFactory(parent=lead, ordering=10, text="<p>The <strong>first</strong> paragraph.</p>")
    timeline = factories.TimelineFactory(title="Syria war timeline", slug="syria-war-timeline")
    factories.TimelineEventFactory(timeline=timeline, date=datetime.date(2011, 3, 15), title="Protests begin in Daraa")
    factories.TimelineEventFactory(
        timeline=timeline, date=datetime.date(2015, 9, 1), precision="month", title="Russia begins air strikes"
    )
    factories.TimelineBlockFactory(parent=lead, ordering=20, widget=timeline)
    profile = factories.ProfileFactory(name="Bashar al-Assad", slug="bashar-al-assad")
    factories.ProfileFactFactory(profile=profile, label="Born", value="11 September 1965, Damascus")
    factories.ProfileBlockFactory(parent=lead, ordering=30, widget=profile)
    factories.PullQuoteFactory(parent=lead, ordering=40, quote="Stability on the ground.", attribution="Rex Tillerson")
    factories.ImageBlockFactory(parent=lead, ordering=50, caption="A caption of this story's own")
    gallery = factories.GalleryFactory(title="Hamburg G20 in pictures", slug="hamburg-g20")
    factories.GalleryItemFactory(gallery=gallery, position=0)
    factories.GalleryBlockFactory(parent=lead, ordering=60, widget=gallery)
    factories.EmbedFactory(parent=lead, ordering=70)
    factories.RichTextFactory(parent=lead, ordering=80, text='<p>The <a href="https://example.com/">last</a> one.</p>')
    Correction.objects.create(article=lead, text="An earlier version misspelt Daraa.")

    second = factories.ArticleFactory(
        headline="Russia and the US in Hamburg",
        slug="russia-us-hamburg",
        section=politics,
        published_at=now - datetime.timedelta(days=2),
    )
    factories.BylineFactory(article=second, author=desk)
    second.tags.add(russia)
    factories.RichTextFactory(parent=second, text="<p>Hamburg talks.</p>")
    third = factories.ArticleFactory(
        headline="A quiet day", slug="a-quiet-day", section=world, published_at=now - datetime.timedelta(days=3)
    )
    factories.BylineFactory(article=third, author=jane)

    draft = factories.ArticleFactory(headline="Draft about a secret", slug="secret-draft", draft=True)
    draft.tags.add(factories.TagFactory(name="Unannounced", slug="unannounced"))
    scheduled = factories.ArticleFactory(headline="Tomorrow's story", slug="tomorrow", scheduled=True)
    return {"lead": lead, "second": second, "third": third, "draft": draft, "scheduled": scheduled}


# Every path of the API's schema: the schema test and the fuzz test both check they are all there.
API_PATHS = {
    "/api/stories/",
    "/api/stories/{slug}/",
    "/api/stories/{slug}/ninjs/",
    "/api/authors/",
    "/api/authors/{slug}/",
    "/api/sections/",
    "/api/sections/{slug}/",
    "/api/tags/",
    "/api/tags/{slug}/",
}
