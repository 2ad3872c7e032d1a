"""Search and filters at /search/: what matches, and what bad input gets."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, RichText
from tests import factories
from tests.test_listing_pages import HIDDEN, assert_sound_html

pytestmark = pytest.mark.django_db


def search(client, **params):
    response = client.get("/search/", params)
    return response, list(response.context["articles"]) if response.context else None


def at(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def test_empty_search_lists_every_published_story(client):
    stories = [factories.ArticleFactory() for _ in range(3)]
    response, found = search(client)
    assert response.status_code == 200
    assert set(found) == set(stories)
    assert "3 stories found" in response.content.decode()
    assert_sound_html(response.content.decode())


def test_free_text_matches_headline_standfirst_and_body_once(client):
    in_headline = factories.ArticleFactory(headline="Ceasefire agreed in Aleppo")
    in_standfirst = factories.ArticleFactory(standfirst="Talks on a ceasefire resume.")
    in_body = factories.ArticleFactory()
    # Matching in several paragraphs must not list the story several times.
    for _ in range(3):
        factories.RichTextFactory(parent=in_body, text="<p>The CEASEFIRE held overnight.</p>")
    factories.ArticleFactory(headline="Oil prices fall")
    response, found = search(client, q="ceasefire")
    assert sorted(found, key=lambda a: a.pk) == sorted([in_headline, in_standfirst, in_body], key=lambda a: a.pk)
    assert "3 stories found" in response.content.decode()


def test_body_words_with_ampersands_and_angle_brackets_are_found(client):
    # The body is stored as sanitised HTML: "Marks&Spencer" is "Marks&amp;Spencer" there.
    # ("AT&T" would be two English stop words to PostgreSQL's stemmer.)
    story = factories.ArticleFactory()
    factories.RichTextFactory(parent=story, text="<p>Marks&Spencer and Procter & Gamble said x&lt;y.</p>")
    assert "Marks&amp;Spencer" in RichText.objects.get(parent=story).text
    factories.ArticleFactory()
    for query in ("Marks&Spencer", "Procter & Gamble", "x<y"):
        _, found = search(client, q=query)
        assert found == [story], query
    # The entities' names are markup, not words of the story.
    for query in ("amp", "lt"):
        _, found = search(client, q=query)
        assert found == [], query


def test_every_word_must_match(client):
    both = factories.ArticleFactory(headline="Russia and Syria agree")
    factories.ArticleFactory(headline="Russia alone")
    _, found = search(client, q="  syria   russia ")
    assert found == [both]


def test_seed_story_is_found_by_body_text(client, seed_story):
    # "Hamburg" is in the body only, not in the headline or standfirst.
    assert "hamburg" not in (seed_story.headline + seed_story.standfirst).lower()
    response, found = search(client, q="Hamburg")
    assert found == [seed_story]
    assert "1 story found" in response.content.decode()


def test_filters_by_section_tag_author_and_dates(client, seed_story):
    _, found = search(client, section="world", tag=["syria", "russia"], author="our-foreign-staff")
    assert found == [seed_story]
    _, found = search(client, date_from="2017-07-05", date_to="2017-07-05")
    assert found == [seed_story]
    _, found = search(client, date_from="2017-07-06")
    assert found == []
    _, found = search(client, date_to="2017-07-04")
    assert found == []


def test_several_tags_mean_all_of_them(client):
    syria, russia = factories.TagFactory(slug="syria"), factories.TagFactory(slug="russia")
    both = factories.ArticleFactory()
    for tag in (syria, russia):
        factories.TaggedArticleFactory(content_object=both, tag=tag)
    factories.TaggedArticleFactory(tag=syria)
    factories.TaggedArticleFactory(tag=russia)
    _, found = search(client, tag=["syria", "russia"])
    assert found == [both]
    _, found = search(client, tag="syria")
    assert len(found) == 2


def test_author_filter_counts_any_role_once(client):
    author = factories.AuthorFactory(slug="sam")
    story = factories.ArticleFactory()
    factories.BylineFactory(article=story, author=author, role="by")
    factories.BylineFactory(article=story, author=author, role="photographs")
    factories.BylineFactory()
    _, found = search(client, author="sam")
    assert found == [story]


def test_dates_are_local_dates(client, settings):
    settings.TIME_ZONE = "Europe/London"
    # 23:30 UTC on 5 July is 00:30 on 6 July in London (BST).
    late = factories.ArticleFactory(published_at=datetime.datetime(2017, 7, 5, 23, 30, tzinfo=datetime.UTC))
    _, found = search(client, date_from="2017-07-06", date_to="2017-07-06")
    assert found == [late]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("newest", ["b", "c", "a"]),
        ("oldest", ["a", "c", "b"]),
        ("headline", ["a", "b", "c"]),
        ("", ["b", "c", "a"]),
        # Empty items of the comma-separated list are skipped (this was a 500).
        (",oldest", ["a", "c", "b"]),
        (",", ["b", "c", "a"]),
    ],
)
def test_ordering(client, ordering, expected):
    factories.ArticleFactory(headline="a Alpha", published_at=at(2020, 1, 1))
    factories.ArticleFactory(headline="b Bravo", published_at=at(2020, 3, 1))
    factories.ArticleFactory(headline="c Charlie", published_at=at(2020, 2, 1))
    _, found = search(client, ordering=ordering)
    assert [article.headline[0] for article in found] == expected


@pytest.mark.parametrize("traits", HIDDEN)
def test_hidden_stories_are_never_found(client, traits):
    tag = factories.TagFactory(slug="ceasefire")
    author = factories.AuthorFactory(slug="jane")
    hidden = factories.ArticleFactory(headline="Ceasefire secret", **traits)
    factories.TaggedArticleFactory(content_object=hidden, tag=tag)
    factories.BylineFactory(article=hidden, author=author)
    factories.RichTextFactory(parent=hidden, text="<p>ceasefire</p>")
    for params in ({}, {"q": "ceasefire"}, {"author": "jane"}, {"section": "world"}):
        response, found = search(client, **params)
        assert found == []
        assert "Ceasefire secret" not in response.content.decode()
    # A tag used only by hidden stories is neither offered nor accepted.
    response, found = search(client, tag="ceasefire")
    assert found == []
    assert response.context["filter"].errors["tag"]
    assert 'value="ceasefire"' not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tag": "no-such-tag"}, "tag"),
        ({"tag": ["syria", "no-such-tag"]}, "tag"),
        ({"section": "no-such-section"}, "section"),
        ({"author": "nobody"}, "author"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "2017-02-30"}, "date_to"),
        ({"date_from": "99999-01-01"}, "date_from"),
        ({"date_from": "2017-07-10", "date_to": "2017-07-01"}, "date_to"),
        ({"ordering": "junk"}, "ordering"),
        ({"ordering": "-published_at"}, "ordering"),
        ({"q": "x" * 201}, "q"),
        # PostgreSQL refuses NUL bytes: each must be a form error, not a 500.
        ({"q": "a\x00b"}, "q"),
        ({"tag": "a\x00b"}, "tag"),
        ({"section": "a\x00b"}, "section"),
        ({"author": "a\x00b"}, "author"),
        ({"date_from": "2017-07-05\x00"}, "date_from"),
    ],
)
def test_bad_parameters_show_the_form_with_errors_and_no_stories(client, seed_story, params, field):
    response, found = search(client, **params)
    assert response.status_code == 200
    assert found == []
    assert field in response.context["filter"].errors
    html = response.content.decode()
    assert 'class="errorlist"' in html
    described_by = f"id_{field}_helptext id_{field}_error" if field == "tag" else f"id_{field}_error"
    assert f'aria-describedby="{described_by}"' in html
    assert seed_story.headline not in html.replace("&#x27;", "'")
    assert_sound_html(html)


@pytest.mark.parametrize("value", ["<b>x", "2017-02-30", "17-7-5"])
def test_malformed_date_is_not_echoed_into_the_date_input(client, value):
    # A date input holding anything but a real ISO date is invalid HTML.
    html = client.get("/search/", {"date_from": value}).content.decode()
    assert '<input type="date" name="date_from" aria-invalid="true"' in html
    assert f'value="{value}"' not in html


def test_valid_date_is_kept_in_the_date_input(client):
    html = client.get("/search/", {"date_from": "2017-07-05"}).content.decode()
    assert '<input type="date" name="date_from" value="2017-07-05"' in html


@pytest.mark.parametrize("page", ["9999", "abc", "0", "99999999999999999999"])
def test_bad_page_number_shows_the_form_with_404(client, page):
    factories.ArticleFactory()
    response = client.get("/search/", {"q": "anything", "page": page})
    assert response.status_code == 404
    html = response.content.decode()
    assert '<form class="search-form"' in html
    assert "No such page of results" in html
    assert list(response.context["articles"]) == []


def test_pagination_keeps_the_filters(client, settings):
    settings.ARTICLES_PAGINATE_BY = 2
    tag = factories.TagFactory(slug="syria")
    for n in range(5):
        factories.TaggedArticleFactory(
            tag=tag, content_object__published_at=timezone.now() - datetime.timedelta(hours=n + 1)
        )
    response = client.get("/search/", {"tag": "syria", "ordering": "oldest", "page": 2, "utm_source": "x"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "5 stories found" in html
    assert 'href="/search/?tag=syria&amp;ordering=oldest"' in html  # page 1: no page parameter
    assert 'href="/search/?tag=syria&amp;ordering=oldest&amp;page=3"' in html
    assert "utm_source" not in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_the_form_is_a_labelled_get_form(client):
    factories.ArticleFactory()
    html = client.get("/search/").content.decode()
    assert '<form class="search-form" method="get" action="/search/" role="search"' in html
    for name in ("q", "section", "tag", "author", "date_from", "date_to", "ordering"):
        assert f'<label for="id_{name}">' in html
        assert f'id="id_{name}"' in html
    assert '<input type="date" name="date_from"' in html


def test_result_count_counts_all_pages(client, settings):
    settings.ARTICLES_PAGINATE_BY = 2
    for _ in range(3):
        factories.ArticleFactory(headline="Budget day")
    assert "3 stories found" in client.get("/search/", {"q": "budget"}).content.decode()
    assert "0 stories found" in client.get("/search/", {"q": "zebra"}).content.decode()


def test_search_queryset_is_the_readers_one(client):
    factories.ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)
    _, found = search(client)
    assert found == []


@pytest.mark.parametrize(
    ("widget", "value"),
    [("single", "world"), ("single", None), ("multiple", ["syria", "g20"]), ("multiple", [])],
)
def test_the_search_forms_lists_are_drawn_as_djangos_selects_would_be(widget, value):
    """The quick selects (articles.filters.QuickSelect…) write what Django's templates write:
    the same attributes, the chosen options selected, labels escaped."""
    import re

    from django import forms

    from articles.filters import QuickSelect, QuickSelectMultiple

    choices = [("", "All sections"), ("world", "World"), ("syria", "Syria <& co>"), ("g20", 'G20 "summit"')]
    quick, plain = (QuickSelect, forms.Select) if widget == "single" else (QuickSelectMultiple, forms.SelectMultiple)
    attrs = {"id": "id_topic", "aria-describedby": "id_topic_helptext", "aria-invalid": "true"}

    def drawn(cls):
        html = cls(choices=choices).render("topic", value, attrs=attrs)
        return re.sub(r"\s+", " ", html).replace("> <", "><")

    assert drawn(quick) == drawn(plain)
    assert "Syria &lt;&amp; co&gt;" in drawn(quick)


def test_the_forms_lists_are_read_as_names_not_built_as_models(client):
    """Every section, topic and author is listed: as (slug, name) pairs, with no model instance each."""
    from django.db.models.signals import pre_init
    from taggit.models import Tag

    from articles.models import Author, Section

    story = factories.ArticleFactory(headline="Council meets", section__name="Politics & Power")
    story.tags.add("Road <works>")
    factories.BylineFactory(article=story, author__name="Jane O'Hack", author__slug="jane-ohack")
    built = []

    def count(sender, **kwargs):
        if sender in (Tag, Author, Section):
            built.append(sender.__name__)

    pre_init.connect(count)
    try:
        html = client.get("/search/", {"q": "council"}).content.decode()
    finally:
        pre_init.disconnect(count)
    assert f'<option value="{story.section.slug}">Politics &amp; Power</option>' in html
    assert '<option value="road-works">Road &lt;works&gt;</option>' in html
    assert '<option value="jane-ohack">Jane O&#x27;Hack</option>' in html
    # The story's card still names its section and byline: those are the page's only
    # instances (no Tag: a card does not show its story's tags, so none is read).
    assert sorted(set(built)) == ["Author", "Section"]
    assert built.count("Author") == 1 and built.count("Section") <= 1


# -- the form's lists, kept between searches (articles.search.choices)


def form_lists(client, **params):
    """The options of the section, topic and author selects: {name: [(value, label, selected)]}."""
    import re

    html = client.get("/search/", params).content.decode()
    lists = {}
    for name in ("section", "tag", "author"):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        lists[name] = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    return lists


def test_the_kept_lists_are_what_the_form_draws_without_them(client, monkeypatch):
    from articles.filters import NamedChoiceIterator

    story = factories.ArticleFactory(section__name="Politics & Power", section__slug="politics")
    story.tags.add("Road <works>", "Syria")
    factories.BylineFactory(article=story, author__name="Jane O'Hack", author__slug="jane-ohack")
    for params in ({}, {"section": "politics", "tag": ["syria", "road-works"], "author": "jane-ohack"}):
        kept = client.get("/search/", params).content
        kept_again = client.get("/search/", params).content  # from the kept lists
        with monkeypatch.context() as patched:
            patched.setattr(NamedChoiceIterator, "kept_options", lambda self: None)
            drawn = client.get("/search/", params).content
        assert kept == kept_again == drawn
    lists = form_lists(client, section="politics", tag=["syria"])
    assert ("politics", " selected", "Politics &amp; Power") in lists["section"]
    assert ("", "", "All sections") in lists["section"]
    assert ("syria", " selected", "Syria") in lists["tag"]
    assert ("road-works", "", "Road &lt;works&gt;") in lists["tag"]
    assert form_lists(client)["section"][0] == ("", " selected", "All sections")


def test_the_kept_lists_follow_each_change(client):
    story = factories.ArticleFactory(section__slug="world", section__name="World")
    story.tags.add("Syria")
    author = factories.BylineFactory(article=story, author__slug="jane", author__name="Jane Hack").author
    form_lists(client)  # kept
    factories.SectionFactory(slug="sport", name="Sport")
    author.name = "Jane Hack-Smith"
    author.save()
    other = factories.ArticleFactory(section=story.section)
    other.tags.add("G20")
    lists = form_lists(client)
    assert ("sport", "", "Sport") in lists["section"]
    assert ("jane", "", "Jane Hack-Smith") in lists["author"]
    assert [value for value, _selected, _label in lists["tag"]] == ["g20", "syria"]
    other.status = Article.Status.UNPUBLISHED
    other.save()
    assert [value for value, _selected, _label in form_lists(client)["tag"]] == ["syria"]


def test_a_topic_comes_into_the_kept_list_when_its_story_comes_due(client, monkeypatch):
    factories.ArticleFactory().tags.add("Syria")
    due = factories.ArticleFactory(published_at=timezone.now() + datetime.timedelta(hours=1))
    due.tags.add("G20")
    assert [value for value, _selected, _label in form_lists(client)["tag"]] == ["syria"]
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert [value for value, _selected, _label in form_lists(client)["tag"]] == ["g20", "syria"]
