import datetime
from html import unescape

import pytest
import reversion
from django.contrib.messages import get_messages
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Byline, ProfileBlock, RichText, SlugRedirect, TaggedArticle, TimelineBlock
from articles.restoring import StoryContent
from articles.revisions import block_models
from articles.signals import content_changed
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def save_form(client, url, change=None):
    data = form_data(client.get(url).content.decode(), "article_form")
    if change:
        change(data)
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def story_state(article):
    """Everything a revision must bring back, in comparable form."""
    return {
        "headline": type(article).objects.get(pk=article.pk).headline,
        "bylines": list(Byline.objects.filter(article=article).values_list("author__name", "role", "position")),
        "paragraphs": [b.text for b in RichText.objects.filter(parent=article).order_by("ordering")],
        "widgets": sorted(
            [("timeline", b.widget_id, b.ordering) for b in TimelineBlock.objects.filter(parent=article)]
            + [("profile", b.widget_id, b.ordering) for b in ProfileBlock.objects.filter(parent=article)]
        ),
        "tags": sorted(article.tags.names()),
    }


def test_every_admin_save_records_a_revision_with_bylines_blocks_and_tags(editor_client, seed_story, editor):
    save_form(editor_client, change_url(seed_story))

    versions = Version.objects.get_for_object(seed_story)
    assert versions.count() == 1
    revision = versions[0].revision
    assert revision.user == editor
    assert revision.date_created is not None
    saved_models = {v.content_type.model for v in revision.version_set.all()}
    assert saved_models == {"article", "byline", "richtext", "timelineblock", "profileblock", "taggedarticle"}
    paragraphs = seed_story.articles_richtext_set.count()
    assert revision.version_set.filter(content_type__model="richtext").count() == paragraphs
    assert revision.version_set.filter(content_type__model="taggedarticle").count() == 11


def test_restoring_a_revision_brings_back_the_whole_story_as_a_new_revision(editor_client, client, seed_story):
    url = change_url(seed_story)
    save_form(editor_client, url)  # revision 1: the story as loaded
    before = story_state(seed_story)
    new_author = factories.AuthorFactory(name="Moscow Correspondent")

    def edit(data):
        data["headline"] = "A rewritten headline"
        key = next(k for k, v in data.items() if k.endswith("-text") and "Mr Tillerson also said" in v)
        data[key] = data[key].replace("had an obligation", "had a clear obligation")
        # A second byline, a changed role on the first.
        data["bylines-0-role"] = "edited"
        data.update({"bylines-TOTAL_FORMS": "2", "bylines-1-author": str(new_author.pk)})
        data.update({"bylines-1-role": "additional-reporting", "bylines-1-position": "2"})
        # Drop the profile placement; add a paragraph at the end.
        data["articles_profileblock_set-0-DELETE"] = "on"
        n = int(data["articles_richtext_set-TOTAL_FORMS"])
        data["articles_richtext_set-TOTAL_FORMS"] = str(n + 1)
        data.update(
            {
                f"articles_richtext_set-{n}-region": "body",
                f"articles_richtext_set-{n}-ordering": "9999",
                f"articles_richtext_set-{n}-text": "<p>A paragraph added later.</p>",
            }
        )
        data["tags"] = ["Syria", "Moscow"]

    save_form(editor_client, url, edit)  # revision 2
    edited = story_state(seed_story)
    assert edited["headline"] == "A rewritten headline"
    assert len(edited["bylines"]) == 2
    assert edited["paragraphs"][-1] == "<p>A paragraph added later.</p>"
    assert [w[0] for w in edited["widgets"]] == ["timeline"]
    assert edited["tags"] == ["Moscow", "Syria"]

    versions = Version.objects.get_for_object(seed_story)
    assert versions.count() == 2
    oldest = versions.order_by("pk").first()

    # The history lists both revisions, each linking to its revert form.
    history = editor_client.get(reverse("admin:articles_article_history", args=[seed_story.pk])).content.decode()
    for version in versions:
        assert reverse("admin:articles_article_revision", args=[seed_story.pk, version.pk]) in history

    # The revert form shows the old story in the block editor; saving it restores.
    revision_url = reverse("admin:articles_article_revision", args=[seed_story.pk, oldest.pk])
    response = editor_client.get(revision_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "content-editor-context" in html
    assert "Press the save button below to revert" in html
    data = form_data(html, "article_form")
    assert data["headline"] == before["headline"]
    # Looking at an old revision changes nothing.
    assert story_state(seed_story) == edited

    data["_save"] = "Save"
    response = editor_client.post(revision_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert story_state(seed_story) == before
    assert not TaggedArticle.objects.filter(tag__name="Moscow").exists()
    assert Version.objects.get_for_object(seed_story).count() == 3
    latest = Version.objects.get_for_object(seed_story).order_by("-pk").first().revision
    assert "Reverted to previous version" in latest.get_comment()
    assert latest.version_set.filter(content_type__model="profileblock").count() == 1

    # Readers see the restored story.
    page = client.get(seed_story.get_absolute_url()).content.decode()
    assert "Russia had an obligation to prevent" in page
    assert "A paragraph added later." not in page
    assert "Bashar al-Assad" in page


def test_changelist_and_recover_list_load(editor_client, seed_story):
    assert editor_client.get(reverse("admin:articles_article_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:articles_article_recoverlist")).status_code == 200


# --- restoring never takes a story offline -------------------------------------

LIVE_URL = "/2017/07/05/live-address/"
PUBLISHED_AT = datetime.datetime(2017, 7, 5, 12, 0, tzinfo=datetime.UTC)  # 13:00 in London


def revert_url(article, version):
    return reverse("admin:articles_article_revision", args=[article.pk, version.pk])


def open_revert_form(client, article, version):
    """The revert form as the client's browser would submit it, and the page's text."""
    response = client.get(revert_url(article, version))
    assert response.status_code == 200
    html = response.content.decode()
    data = form_data(html, "article_form")
    data["_save"] = "Save"
    return unescape(html), data


@pytest.fixture
def reader():
    """Someone reading the site, not signed in."""
    return Client()


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def when(moment):
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i")


def latest_version(article):
    return Version.objects.get_for_object(article).order_by("-pk").first()


@pytest.fixture
def live_story(db):
    """A published story whose first revision was a draft in review, with other content and address."""
    first, second = factories.AuthorFactory(name="Anna Reporter"), factories.AuthorFactory(name="Ben Reporter")
    with reversion.create_revision():
        article = factories.ArticleFactory(
            status=Article.Status.REVIEW,
            published_at=None,
            slug="draft-address",
            headline="Draft headline",
            standfirst="Draft standfirst.",
        )
        factories.RichTextFactory(parent=article, ordering=10, text="<p>First draft paragraph.</p>")
        factories.BylineFactory(article=article, author=first, position=0)
        article.tags.add("Syria")
    draft = latest_version(article)
    with reversion.create_revision():
        article.status = Article.Status.PUBLISHED
        article.published_at = PUBLISHED_AT
        article.slug = "live-address"
        article.headline = "Published headline"
        article.save()
        factories.RichTextFactory(parent=article, ordering=20, text="<p>Published second paragraph.</p>")
        factories.TimelineBlockFactory(parent=article, ordering=30)
        factories.BylineFactory(article=article, author=second, position=1)
        article.tags.add("Russia")
    article.refresh_from_db()
    assert article.get_absolute_url() == LIVE_URL
    return article, draft


def publication(article):
    article.refresh_from_db()
    return article.status, article.published_at, article.slug


def test_restoring_a_live_story_keeps_it_live_at_its_address(editor_client, reader, live_story):
    article, draft = live_story
    before = publication(article)
    assert "Published headline" in reader.get(LIVE_URL).content.decode()  # cached now
    html, data = open_revert_form(editor_client, article, draft)

    # The form says what will change and what stays, before anything is saved.
    assert (
        "Restoring this revision will change: headline (from “Published headline” to “Draft headline”); "
        "body (3 blocks → 1); bylines (from by Anna Reporter; by Ben Reporter to by Anna Reporter); "
        "tags (\N{MINUS SIGN}Russia)." in html
    )
    assert (
        "It keeps the publication state: status published, publication time 5 July 2017, 13:00, "
        f"address {LIVE_URL}." in html
    )
    # Status, time and address are not on the form to be changed by accident.
    assert not {"status", "slug", "published_at_0", "published_at_1"} & data.keys()

    response = editor_client.post(revert_url(article, draft), data)

    assert response.status_code == 302
    assert publication(article) == before
    assert article.headline == "Draft headline"
    page = reader.get(LIVE_URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Draft headline" in text
    assert "First draft paragraph." in text
    assert "Published second paragraph." not in text
    assert messages_of(response) == [
        f"Restored the revision saved on {when(draft.revision.date_created)}: headline, body, bylines, tags. "
        f"The story stayed live at {LIVE_URL} (status published, publication time 5 July 2017, 13:00, "
        f"address {LIVE_URL})."
    ]
    assert "publication state kept" in latest_version(article).revision.get_comment()


def test_a_restore_keeps_the_publication_state_whatever_the_post_carries(editor_client, reader, live_story):
    article, draft = live_story
    before = publication(article)
    _html, data = open_revert_form(editor_client, article, draft)
    data.update({"status": "review", "published_at_0": "", "published_at_1": "", "slug": "draft-address"})

    assert editor_client.post(revert_url(article, draft), data).status_code == 302

    assert publication(article) == before
    assert article.headline == "Draft headline"
    assert reader.get(LIVE_URL).status_code == 200


def test_the_editor_may_restore_the_publication_state_too(editor_client, reader, live_story):
    article, draft = live_story
    html, data = open_revert_form(editor_client, article, draft)
    label = "Also restore the publication state (status, time, address) of this revision"
    assert label in html
    assert "restore_publication" not in data  # off unless the editor ticks it
    draft_url = Article(slug="draft-address", created_at=article.created_at).get_absolute_url()
    assert (
        "In this revision the story had status in review, publication time none, "
        f"address {draft_url}. To go back to that too, tick “{label}”" in html
    )

    data["restore_publication"] = "on"
    response = editor_client.post(revert_url(article, draft), data)

    assert response.status_code == 302
    assert publication(article) == (Article.Status.REVIEW, None, "draft-address")
    assert article.headline == "Draft headline"
    assert messages_of(response)[0].endswith(
        "Its publication state was restored too: status published → in review; "
        f"publication time 5 July 2017, 13:00 → none; address {LIVE_URL} → {draft_url}. "
        "Readers no longer see it."
    )
    assert "publication state included" in latest_version(article).revision.get_comment()
    # Readers knew the live address: it is kept, and leads on once the story is out again.
    assert SlugRedirect.objects.filter(old_slug="live-address", article=article).exists()
    assert not SlugRedirect.objects.filter(old_slug=article.slug).exists()
    assert reader.get(LIVE_URL).status_code == 404
    article.status, article.published_at = Article.Status.PUBLISHED, PUBLISHED_AT
    article.save()
    moved = reader.get(LIVE_URL)
    assert moved.status_code == 301
    assert moved["Location"] == "/2017/07/05/draft-address/"


def test_restoring_an_earlier_address_leaves_no_redirect_from_it(editor_client, reader):
    with reversion.create_revision():
        article = factories.ArticleFactory(slug="first-address", published_at=PUBLISHED_AT, headline="First")
    first = latest_version(article)
    with reversion.create_revision():
        article.slug, article.headline = "second-address", "Second"
        article.save()
    assert SlugRedirect.objects.filter(old_slug="first-address").exists()

    _html, data = open_revert_form(editor_client, article, first)
    data["restore_publication"] = "on"
    assert editor_client.post(revert_url(article, first), data).status_code == 302

    assert publication(article)[2] == "first-address"
    assert article.headline == "First"
    assert not SlugRedirect.objects.filter(old_slug="first-address").exists()
    assert SlugRedirect.objects.filter(old_slug="second-address", article=article).exists()
    assert reader.get("/2017/07/05/first-address/").status_code == 200
    moved = reader.get("/2017/07/05/second-address/")
    assert moved.status_code == 301
    assert moved["Location"] == "/2017/07/05/first-address/"


def test_a_revision_whose_address_another_story_took_restores_its_content(editor_client, live_story):
    article, draft = live_story
    factories.ArticleFactory(slug="draft-address")
    _html, data = open_revert_form(editor_client, article, draft)

    data["restore_publication"] = "on"
    response = editor_client.post(revert_url(article, draft), data)
    assert response.status_code == 200
    assert "now belongs to another story" in unescape(response.content.decode())
    assert publication(article)[2] == "live-address"
    assert article.headline == "Published headline"

    del data["restore_publication"]
    assert editor_client.post(revert_url(article, draft), data).status_code == 302
    assert publication(article)[2] == "live-address"
    assert article.headline == "Draft headline"


@pytest.fixture
def pulled_story(db):
    """A story that was published, then taken back to a draft and rewritten by an editor."""
    with reversion.create_revision():
        article = factories.ArticleFactory(slug="council-budget", headline="Published headline")
    published = latest_version(article)
    with reversion.create_revision():
        article.status, article.headline = Article.Status.DRAFT, "Reworked draft"
        article.save()
    return article, published


def test_a_reporter_cannot_publish_by_restoring(reporter_client, reader, pulled_story):
    article, published = pulled_story
    _html, data = open_revert_form(reporter_client, article, published)

    data["restore_publication"] = "on"
    response = reporter_client.post(revert_url(article, published), data)
    assert response.status_code == 200
    assert "You may not publish, schedule or unpublish stories" in unescape(response.content.decode())
    article.refresh_from_db()
    assert (article.status, article.headline) == (Article.Status.DRAFT, "Reworked draft")
    assert reader.get(article.get_absolute_url()).status_code == 404

    # The content alone is theirs to restore.
    del data["restore_publication"]
    assert reporter_client.post(revert_url(article, published), data).status_code == 302
    article.refresh_from_db()
    assert (article.status, article.headline) == (Article.Status.DRAFT, "Published headline")


def test_a_reporter_cannot_unpublish_by_restoring(reporter_client, reader, live_story):
    article, draft = live_story
    _html, data = open_revert_form(reporter_client, article, draft)  # a published story: view only
    for extra in ({}, {"restore_publication": "on", "status": "review"}):
        assert reporter_client.post(revert_url(article, draft), data | extra).status_code == 403
        assert publication(article)[0] == Article.Status.PUBLISHED
        assert article.headline == "Published headline"
    assert reader.get(LIVE_URL).status_code == 200


def test_a_restore_does_not_overwrite_a_save_made_after_its_form_opened(editor_client, jane_client, live_story):
    article, draft = live_story
    _html, data = open_revert_form(editor_client, article, draft)
    # The form carries the story's version as it is now, not the revision's.
    assert data["version_token"] == article.updated_at.isoformat()

    janes = form_data(jane_client.get(change_url(article)).content.decode(), "article_form")
    janes.update({"headline": "Jane's headline", "_save": "Save"})
    assert jane_client.post(change_url(article), janes).status_code == 302

    response = editor_client.post(revert_url(article, draft), data)
    assert response.status_code == 200
    assert "Jane Editor saved this story at" in unescape(response.content.decode())
    article.refresh_from_db()
    assert article.headline == "Jane's headline"
    assert RichText.objects.filter(parent=article).count() == 2

    # Opened again, the same restore saves.
    _html, data = open_revert_form(editor_client, article, draft)
    assert editor_client.post(revert_url(article, draft), data).status_code == 302
    article.refresh_from_db()
    assert article.headline == "Draft headline"


def test_reading_a_story_for_the_summary_costs_no_query_per_block(django_assert_num_queries):
    short, long = factories.ArticleFactory(), factories.ArticleFactory()
    factories.RichTextFactory(parent=short)
    factories.RichTextFactory.create_batch(30, parent=long)
    factories.TimelineBlockFactory.create_batch(5, parent=long)
    for article in (short, long):
        # The story, its bylines, its tags and one query per block type.
        with django_assert_num_queries(3 + len(block_models())):
            StoryContent.read(article.pk)


def test_a_revision_whose_tag_was_deleted_since_restores_without_it(editor_client, reader, live_story):
    """A tag only unreleased stories carry may be deleted; a revision that had it still restores."""
    article, _draft = live_story
    with reversion.create_revision():
        article.headline = "Headline with the embargoed tag"
        article.tags.add("Embargoed")
        article.save()
    tagged = latest_version(article)
    with reversion.create_revision():
        article.tags.remove("Embargoed")
        article.headline = "Later headline"
        article.save()
    Tag.objects.get(name="Embargoed").delete()  # no released story carries it now

    html, data = open_revert_form(editor_client, article, tagged)
    assert "1 tag of this revision has been deleted since and is left out." in html
    response = editor_client.post(revert_url(article, tagged), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Headline with the embargoed tag"
    assert sorted(article.tags.names()) == ["Russia", "Syria"]
    assert "1 tag of this revision has been deleted since and is left out." in messages_of(response)[0]
    assert "Headline with the embargoed tag" in reader.get(LIVE_URL).content.decode()


def test_looking_at_a_revision_mutes_no_signal_and_announces_nothing(editor_client, reader, live_story):
    """Reversion mutes every model signal, process-wide, while a revision is looked at.

    Another editor saving in that moment would then record no revision and
    leave readers' pages stale. The revert form runs with signals on; what
    they change is rolled back with the form, and nothing is announced.
    """
    article, draft = live_story
    etag = reader.get(LIVE_URL)["ETag"]
    fired, announced = [], []

    def saved(sender, instance, raw=False, **kwargs):
        fired.append((sender, raw))

    def changed(sender, **kwargs):
        announced.append(sender)

    post_save.connect(saved, sender=Article, weak=False)
    content_changed.connect(changed, weak=False)
    try:
        open_revert_form(editor_client, article, draft)
    finally:
        post_save.disconnect(saved, sender=Article)
        content_changed.disconnect(changed)

    assert (Article, True) in fired  # the revert's own raw save, with receivers still connected
    assert announced == []
    assert reader.get(LIVE_URL)["ETag"] == etag
    assert publication(article)[2] == "live-address"


@pytest.mark.capture_on_commit
def test_content_changed_is_sent_once_the_change_is_committed(django_capture_on_commit_callbacks):
    announced = []

    def changed(sender, **kwargs):
        announced.append(sender)

    content_changed.connect(changed, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            factories.ArticleFactory()
            assert announced == []
        assert announced
    finally:
        content_changed.disconnect(changed)
