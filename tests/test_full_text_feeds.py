"""Full-text feeds: RSS content:encoded and Atom content carry the body as readers see it, standing alone."""

import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from articles.models import Timeline, TimelineEvent
from tests import factories
from tests.syndication_stories import rich_story
from tests.test_feeds import LATEST_FEED_QUERIES, OBJECT_FEED_QUERIES

pytestmark = pytest.mark.django_db

FLAVOURS = ["rss", "atom"]
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"
# Anything that needs our CSS or JavaScript, or could run something.
NOT_PORTABLE = re.compile(r"<script|<iframe|<button|<picture|<source|srcset|class=|style=|data-|\son\w+=", re.I)


def raw_contents(client, flavour):
    """Each item's full text as the XML carries it (feedparser would sanitise it on the way)."""
    response = client.get(f"/feeds/{flavour}/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    if flavour == "rss":
        return [item.find(CONTENT).text for item in root.iter("item")]
    return [entry.find(f"{ATOM}content").text for entry in root.iter(f"{ATOM}entry")]


def parsed_content(client, flavour):
    parsed = feedparser.parse(client.get(f"/feeds/{flavour}/").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = parsed.entries
    [content] = entry.content
    assert content.type == "text/html"
    return content.value


def addresses(html):
    return re.findall(r'(?:href|src)="([^"]*)"', html)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_seed_story_comes_with_its_whole_body(client, seed_story, flavour):
    html = parsed_content(client, flavour)

    assert "The United States is prepared to discuss with Russia joint military efforts" in html
    # The last paragraph too, and both widgets as text.
    assert "Mr Trump came into office in January" in html
    assert "Syria war timeline" in html and "Sarin attack on Eastern Ghouta" in html
    assert "Profile | Bashar al-Assad" in html and "Ophthalmologist, trained in London" in html
    [raw] = raw_contents(client, flavour)
    assert not NOT_PORTABLE.search(raw)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_block_stands_alone_with_absolute_addresses(client, flavour):
    rich_story()
    html = parsed_content(client, flavour)
    [raw] = raw_contents(client, flavour)

    assert '<a href="http://testserver/tag/syria/">Syria</a>' in raw
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">The statement on video</a>' in raw
    # The lead picture, the body picture and the gallery's two, as plain <img>.
    assert raw.count("<img ") == 4
    # Credits and picture numbers set apart by words, not by the site's CSS.
    assert "Rex Tillerson at the podium <small>(Pool)</small>" in raw
    assert "<figcaption>Picture 1 of 2.</figcaption>" in raw
    assert "Stability on the ground" in raw
    assert "Protests begin in Daraa" in raw and "Hamburg in pictures" in raw
    assert not NOT_PORTABLE.search(raw)
    for address in addresses(raw):
        assert address.startswith(("http://testserver/", "https://www.youtube.com/")), address
    assert all(address.startswith("http") for address in addresses(html))


def test_addresses_are_made_absolute_against_the_site_url(client, settings):
    settings.ARTICLES_SITE_URL = "https://news.example.com"
    rich_story()
    [raw] = raw_contents(client, "rss")
    for address in addresses(raw):
        assert address.startswith(("https://news.example.com/", "https://www.youtube.com/")), address


def test_widget_text_is_text_never_markup(client):
    article = factories.ArticleFactory()
    timeline = factories.TimelineFactory(title='<script>alert("x")</script>Timeline')
    factories.TimelineEventFactory(timeline=timeline, title='<img src=x onerror="alert(1)">')
    factories.TimelineBlockFactory(parent=article, widget=timeline)

    for flavour in FLAVOURS:
        [raw] = raw_contents(client, flavour)
        assert "<script" not in raw and "<img" not in raw
        assert '&lt;script&gt;alert("x")&lt;/script&gt;Timeline' in raw


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_widget_edit_reaches_the_feed(client, flavour):
    rich_story()
    assert "Protests begin in Daraa" in raw_contents(client, flavour)[0]
    event = TimelineEvent.objects.get()
    event.title = "Protests spread from Daraa"
    event.save()
    assert "Protests spread from Daraa" in raw_contents(client, flavour)[0]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_full_text_costs_the_same_queries_for_one_plain_story_or_many_rich_ones(
    client, django_assert_num_queries, flavour
):
    section = factories.SectionFactory(name="World", slug="world")
    for _ in range(3):
        rich_story(section=section)
    assert Timeline.objects.count() == 3

    with django_assert_num_queries(LATEST_FEED_QUERIES):
        assert len(raw_contents(client, flavour)) == 3
    with django_assert_num_queries(OBJECT_FEED_QUERIES):
        assert client.get(f"/feeds/section/world/{flavour}/").status_code == 200


def test_the_full_text_is_valid_html(client, seed_story):
    """As a page's body: every story's full text, its widgets and pictures too (Nu Html Checker)."""
    from tests.quality import vnu_check

    rich_story()
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story</title></head><body>{}</body></html>'
    )
    texts = raw_contents(client, "rss")
    assert len(texts) == 2
    problems = vnu_check({f"story {n}": page.format(text) for n, text in enumerate(texts)})
    assert all(found == [] for found in problems.values()), problems
