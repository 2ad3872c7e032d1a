import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_lists_published_stories_newest_first_and_links_them(client):
    older = factories.ArticleFactory(headline="Older", published_at=timezone.now() - datetime.timedelta(days=2))
    newer = factories.ArticleFactory(headline="Newer")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Newer") < html.index("Older")
    assert f'href="{newer.get_absolute_url()}"' in html
    assert f'href="{older.get_absolute_url()}"' in html


def test_home_hides_drafts_scheduled_and_unpublished(client):
    factories.ArticleFactory(headline="Visible story")
    factories.ArticleFactory(headline="Draft story", draft=True)
    factories.ArticleFactory(headline="Scheduled story", scheduled=True)
    factories.ArticleFactory(headline="Review story", status=Article.Status.REVIEW)
    factories.ArticleFactory(headline="Withdrawn story", status=Article.Status.UNPUBLISHED)
    html = client.get("/").content.decode()
    assert "Visible story" in html
    for hidden in ("Draft story", "Scheduled story", "Review story", "Withdrawn story"):
        assert hidden not in html


def test_published_queryset_is_the_one_rule():
    visible = factories.ArticleFactory()
    scheduled = factories.ArticleFactory(scheduled=True)
    factories.ArticleFactory(draft=True)
    assert list(Article.objects.published()) == [visible]
    # a scheduled story appears when its time comes, with no job run
    later = scheduled.published_at + datetime.timedelta(seconds=1)
    assert set(Article.objects.published(at=later)) == {visible, scheduled}
    assert visible.is_visible and not scheduled.is_visible and scheduled.is_scheduled


@pytest.mark.parametrize(
    "traits",
    [{"draft": True}, {"scheduled": True}, {"status": Article.Status.REVIEW}, {"status": Article.Status.UNPUBLISHED}],
)
def test_hidden_stories_are_404(client, traits):
    article = factories.ArticleFactory(**traits)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_article_page_shows_story_parts(client):
    article = factories.ArticleFactory(
        kicker="Analysis",
        headline="Ceasefire holds",
        standfirst="A fragile calm settles.",
        lead_image_caption="Smoke rises over the city",
        lead_image_credit="Reuters",
    )
    factories.BylineFactory(article=article, author__name="Jane Reporter", position=1)
    factories.BylineFactory(article=article, author__name="Wire Desk", position=2)
    factories.BylineFactory(article=article, author__name="Sam Lens", role="photographs", position=3)
    factories.PullQuoteFactory(parent=article, quote="We will not retreat", attribution="A commander")
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Analysis", "Ceasefire holds", "A fragile calm settles.", "Smoke rises over the city", "Reuters"):
        assert text in html
    jane, desk, lens = (byline.author for byline in article.bylines.all())
    assert (
        f'By <a class="byline__author" href="/author/{jane.slug}/">Jane Reporter</a>'
        f' and <a class="byline__author" href="/author/{desk.slug}/">Wire Desk</a>'
    ) in html
    assert f'Photographs by <a class="byline__author" href="/author/{lens.slug}/">Sam Lens</a>' in html
    # Whole seconds: the HTML checker refuses more than three fraction digits.
    published = timezone.localtime(article.published_at).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert f'<time class="dateline" datetime="{published}">' in html
    assert "<blockquote><p>We will not retreat</p></blockquote>" in html


def test_widgets_render_semantically(client):
    article = factories.ArticleFactory()
    timeline = factories.TimelineBlockFactory(parent=article, widget__title="War timeline").widget
    factories.TimelineEventFactory(timeline=timeline, date=datetime.date(2011, 3, 15), title="Protests begin")
    factories.TimelineEventFactory(
        timeline=timeline, date=datetime.date(2012, 7, 1), precision="month", title="Fighting spreads"
    )
    profile = factories.ProfileBlockFactory(parent=article, widget__name="A. Person", widget__born="1965").widget
    factories.ProfileFactFactory(profile=profile, label="Education", value="London")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<ol class="timeline">' in html
    assert '<time class="timeline__date" datetime="2011-03-15">15 March 2011</time>' in html
    assert '<time class="timeline__date" datetime="2012-07">July 2012</time>' in html
    assert html.index("Protests begin") < html.index("Fighting spreads")
    assert '<aside class="widget widget--profile"' in html
    assert "<dt>Education</dt><dd>London</dd>" in html
    assert "<dt>Born</dt><dd>1965</dd>" in html


@pytest.mark.parametrize(
    "path",
    [
        "/2017/02/30/anything/",  # no such day
        "/2017/13/01/anything/",  # no such month
        "/2017/00/10/anything/",
        "/17/07/05/anything/",  # malformed year
        "/2017/07/05/no-such-story/",
        "/2017/07/05/bad%20slug/",
    ],
)
def test_bad_urls_are_404(client, path):
    factories.ArticleFactory(slug="anything")
    assert client.get(path).status_code == 404


def test_wrong_date_redirects_permanently_to_the_story(client):
    article = factories.ArticleFactory(
        slug="moved", published_at=timezone.make_aware(datetime.datetime(2020, 5, 1, 12))
    )
    response = client.get("/2020/04/30/moved/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


@pytest.mark.parametrize("page", ["999", "0", "abc", "-1"])
def test_bad_page_numbers_are_404(client, page):
    factories.ArticleFactory()
    assert client.get("/", {"page": page}).status_code == 404
