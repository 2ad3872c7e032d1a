"""Story cards kept drawn per process (articles.delivery.cards): the same markup, and never out of date."""

import datetime

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from articles.delivery import cards, page_cache
from articles.signals import mark_content_changed
from tests import factories

SEARCH = "/search/?q=zeppelin"


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # Lists are drawn on every request, as on the first one after a change.
    settings.ARTICLES_PAGE_CACHE = None


@pytest.fixture
def drawn(monkeypatch):
    """How many cards were drawn from the template (not taken from the shelf)."""
    count = []
    draw = cards._draw

    def counting(context, values):
        count.append(values["article"].pk)
        return draw(context, values)

    monkeypatch.setattr(cards, "_draw", counting)
    return count


@pytest.fixture
def stories(db):
    section = factories.SectionFactory(name="World")
    picture = factories.ImageFactory(alt="An airship over the harbour")
    made = []
    for n in range(3):
        article = factories.ArticleFactory(
            headline=f"Zeppelin number {n}",
            section=section,
            lead_image=picture if n == 0 else None,
            published_at=timezone.now() - datetime.timedelta(hours=n + 1),
        )
        factories.RichTextFactory(parent=article, text="<p>The zeppelin landed in the harbour.</p>")
        factories.BylineFactory(article=article, author=factories.AuthorFactory(name=f"Reporter {n}"))
        article.tags.add("Airships")
        made.append(article)
    return made


def pages(stories):
    story = stories[0]
    return [
        "/",
        story.section.get_absolute_url(),
        reverse("articles:tag", kwargs={"slug": "airships"}),
        story.bylines.get().author.get_absolute_url(),
        SEARCH,
        '/search/?q="zeppelin+number"',
    ]


def test_pages_are_the_same_drawn_and_from_kept_cards(client, settings, stories, drawn):
    kept = {}
    for url in pages(stories):
        settings.ARTICLES_KEPT_CARDS = 0
        live = client.get(url)
        assert live.status_code == 200, url
        assert b"Zeppelin number 0" in live.content, url
        settings.ARTICLES_KEPT_CARDS = 2000
        cards.forget()
        drawn.clear()
        cold = client.get(url).content
        assert len(drawn) == live.content.count(b'class="story-card__body"') > 0, url
        drawn.clear()
        warm = client.get(url).content
        assert drawn == [], url  # all three from the shelf
        assert cold == live.content, url
        assert warm == live.content, url
        kept[url] = warm
    # Search snippets are filled in per request, into cards kept with a placeholder.
    assert kept[SEARCH].count(b'<p class="search-snippet">') == 3
    assert b"<mark>" in kept[SEARCH]
    assert b"\x05" not in kept[SEARCH]


def test_a_list_with_kept_cards_reads_no_bylines(client, stories, django_assert_num_queries):
    client.get("/")
    client.get("/")
    with django_assert_num_queries(4):  # versions of the page, stories, due time, versions of the cards
        assert client.get("/").status_code == 200


def test_an_edited_headline_reaches_the_kept_card(client, stories):
    client.get(SEARCH)
    story = stories[1]
    story.headline = "Zeppelin lands at last"
    story.save()
    assert "Zeppelin lands at last" in client.get(SEARCH).content.decode()


def test_a_renamed_author_reaches_the_kept_card(client, stories):
    author = stories[2].bylines.get().author
    client.get("/")
    author.name = "Our Airship Correspondent"
    author.save()
    assert "Our Airship Correspondent" in client.get("/").content.decode()
    # Written without a signal, the change reaches cards when announced, as it does pages.
    type(author).objects.filter(pk=author.pk).update(name="Our Zeppelin Staff")
    assert "Our Zeppelin Staff" not in client.get("/").content.decode()
    mark_content_changed(f"author-{author.pk}")
    assert "Our Zeppelin Staff" in client.get("/").content.decode()


def test_a_changed_picture_reaches_the_kept_card(client, stories):
    client.get("/")
    picture = stories[0].lead_image
    picture.alt = "A zeppelin moored at dusk"
    picture.save()
    assert 'alt="A zeppelin moored at dusk"' in client.get("/").content.decode()


def test_a_new_byline_reaches_the_kept_card(client, stories):
    client.get(SEARCH)
    factories.BylineFactory(article=stories[0], author=factories.AuthorFactory(name="Reuters"), position=5)
    assert "Reuters" in client.get(SEARCH).content.decode()


def test_a_card_drawn_while_what_it_shows_changed_is_not_kept(client, stories, monkeypatch):
    # Every key of these stories changed moments ago: within a generous allowance for clocks.
    monkeypatch.setattr(page_cache, "CLOCK_SKEW", datetime.timedelta(hours=1))
    client.get("/")
    assert len(cards.shelf) == 0
    monkeypatch.setattr(page_cache, "CLOCK_SKEW", datetime.timedelta(0))
    client.get("/")
    assert len(cards.shelf) == 3


def test_cards_are_kept_per_time_zone(client, settings, stories):
    client.get("/")
    settings.TIME_ZONE = "Pacific/Auckland"
    settings.ARTICLES_KEPT_CARDS = 0
    live = client.get("/").content
    settings.ARTICLES_KEPT_CARDS = 2000
    assert client.get("/").content == live


def test_the_shelf_holds_at_most_the_setting(client, settings, stories, drawn):
    settings.ARTICLES_KEPT_CARDS = 2
    client.get("/")
    assert len(cards.shelf) == 2
    drawn.clear()
    client.get("/")
    assert len(drawn) == 1  # the one that did not fit; it pushed out the least recently shown


def test_a_card_is_drawn_again_after_the_page_cache_time(client, settings, stories, drawn):
    settings.ARTICLES_PAGE_CACHE_SECONDS = 300
    client.get("/")
    for kept in cards.shelf._items.values():
        kept.drawn_at -= datetime.timedelta(seconds=301)
    drawn.clear()
    client.get("/")
    assert len(drawn) == 3


def test_a_site_card_showing_more_is_drawn_every_time(client, settings, stories, drawn):
    settings.ARTICLES_CARD_PREFETCH = ["tags"]
    client.get("/")
    drawn.clear()
    client.get("/")
    assert len(drawn) == 3
    assert len(cards.shelf) == 0


def test_a_database_that_refuses_the_versions_still_serves_the_list(client, stories, monkeypatch, caplog):
    def refuse(keys, with_times=False):
        if with_times:
            raise DatabaseError("the database is busy")
        return {}

    monkeypatch.setattr(page_cache, "read_versions", refuse)
    response = client.get("/")
    assert response.status_code == 200
    assert "Zeppelin number 0" in response.content.decode()
    assert "not keeping them" in caplog.text
    assert len(cards.shelf) == 0


def test_a_kept_card_shows_each_search_its_own_snippet(client, stories, drawn):
    client.get(SEARCH)
    drawn.clear()
    harbour = client.get("/search/?q=harbour").content.decode()
    assert drawn == []  # the same stories' cards, from the shelf
    assert harbour.count("<mark>harbour</mark>") == 3
    assert "<mark>zeppelin</mark>" not in harbour.lower()
    assert "search-snippet" not in client.get("/").content.decode()


def test_a_queryset_update_reaches_the_kept_card(client, stories):
    client.get("/")
    type(stories[1]).objects.filter(pk=stories[1].pk).update(standfirst="Moored at last, after a week at sea.")
    assert "Moored at last, after a week at sea." in client.get("/").content.decode()
