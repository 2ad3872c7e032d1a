"""Comparing two revisions of a story, restoring from there, and corrections in revisions and JSON-LD."""

import datetime
import re
from html import unescape

import pytest
import reversion
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles import dates
from articles.editing import compare
from articles.models import Article, Byline, Correction
from tests import factories
from tests.forms import form_data
from tests.test_metadata import jsonld, page

pytestmark = pytest.mark.django_db

SAVED_AT = datetime.datetime(2026, 3, 2, 9, 5, tzinfo=datetime.UTC)


def latest_version(article):
    return Version.objects.get_for_object(article).order_by("-pk").first()


def saved(article, user=None, when=None):
    """Close a revision of ``article`` as it stands now (as the admin's save does), returning its version."""
    with reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.add_to_revision(article)
    version = latest_version(article)
    if when is not None:
        version.revision.date_created = when
        version.revision.save()
    return version


def compare_url(article, first=None, second=None):
    url = reverse("admin:articles_article_compare", args=[article.pk])
    if first is not None:
        url += f"?from={first.pk}&to={second.pk}"
    return url


def compare_page(client, article, first, second):
    response = client.get(compare_url(article, first, second))
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def section(html, heading_id):
    """The HTML of one section of the compare page."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def text_of(html):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def story(db):
    return factories.ArticleFactory(
        headline="Ministers meet in Hamburg",
        standfirst="Talks on Syria before the summit.",
        kicker="G20",
        seo_title="Ministers meet",
    )


# --- the pure functions ---------------------------------------------------------


def test_a_word_diff_marks_only_the_changed_words_and_escapes_them():
    diff = compare.word_diff("The US would <b>consider</b> it", "The US would <i>reject</i> it")
    assert "<ins>" in diff and "<del>" in diff
    assert "<b>" not in diff and "<i>" not in diff
    assert "The US would &lt;" in diff
    assert diff == (
        "The US would &lt;<del>b</del><ins>i</ins>&gt;<del>consider</del><ins>reject</ins>"
        "&lt;/<del>b</del><ins>i</ins>&gt; it"
    )
    old, new = compare.word_diff_sides("one two three", "one 2 three")
    assert old == "one <del>two</del> three"
    assert new == "one <ins>2</ins> three"


def test_rich_text_is_compared_as_text_one_line_per_paragraph():
    html = "<p>First <strong>bold</strong> para.</p><ul><li>one</li><li>two &amp; three</li></ul><p>Last<br>line</p>"
    assert compare.html_to_text(html) == "First bold para.\none\ntwo & three\nLast\nline"


def item(key, text="x", kind="text"):
    return compare.Item(key=key, kind=kind, text=text)


def test_items_in_order_are_same_changed_moved_added_or_removed():
    before = [item("a"), item("b"), item("c", "old words"), item("d"), item("e")]
    after = [item("b"), item("c", "new words"), item("d"), item("a"), item("f")]
    changes = compare.compare_items(before, after)
    assert [(change.item.key, change.status) for change in changes] == [
        ("b", compare.SAME),
        ("c", compare.CHANGED),
        ("d", compare.SAME),
        ("e", compare.REMOVED),
        ("a", compare.MOVED),
        ("f", compare.ADDED),
    ]
    assert not changes[4].edited
    assert str(changes[1].diff) == "<del>old</del><ins>new</ins> words"


# --- fields ---------------------------------------------------------------------------


def test_every_changed_field_is_shown_with_both_values(editor_client, editor, story):
    first = saved(story, editor)
    story.headline = "Ministers meet in Hamburg on Friday"
    story.standfirst = "Talks on Syria after the summit."
    story.kicker = ""
    story.section = factories.SectionFactory(name="Politics", slug="politics")
    story.status = Article.Status.REVIEW
    story.published_at = datetime.datetime(2017, 7, 5, 12, 0, tzinfo=datetime.UTC)
    story.seo_description = "Ministers and the summit."
    story.lead_image = factories.ImageFactory(alt="Rex Tillerson at a podium")
    story.save()
    second = saved(story, editor)

    html = compare_page(editor_client, story, first, second)
    fields = section(html, "compare-fields")
    rows = {
        text_of(row.split("</th>")[0]).strip(): row
        for row in re.findall(r'<tr class="compare-field.*?</tr>', fields, flags=re.S)
    }
    assert list(rows) == [
        "Kicker",
        "Headline",
        "Standfirst",
        "Section",
        "Status",
        "Publication time",
        "Lead image",
        "SEO description",
    ]
    headline = rows["Headline"]
    assert "Ministers meet in Hamburg <ins>on Friday</ins>" in headline
    standfirst = rows["Standfirst"]
    assert "<del>before</del>" in standfirst and "<ins>after</ins>" in standfirst
    assert "World" in text_of(fields) and "Politics" in text_of(fields)
    assert "Rex Tillerson at a podium" in text_of(fields)
    assert dates.dateline(story.published_at) in text_of(fields)
    assert "(empty)" in text_of(rows["Kicker"]) and "(empty)" in text_of(rows["SEO description"])


# --- the body ----------------------------------------------------------------------------


@pytest.fixture
def bodied_story(story):
    timeline = factories.TimelineFactory(title="Syria war timeline")
    blocks = {
        "first": factories.RichTextFactory(parent=story, ordering=10, text="<p>The US would consider it.</p>"),
        "timeline": factories.TimelineBlockFactory(parent=story, ordering=20, widget=timeline),
        "quote": factories.PullQuoteFactory(parent=story, ordering=30, quote="We will see.", attribution="A diplomat"),
        "dropped": factories.RichTextFactory(parent=story, ordering=40, text="<p>A paragraph that goes.</p>"),
        "last": factories.RichTextFactory(parent=story, ordering=50, text="<p>The last word.</p>"),
    }
    return story, blocks


def test_body_blocks_are_compared_in_order_with_a_word_diff_inside_paragraphs(editor_client, editor, bodied_story):
    story, blocks = bodied_story
    first = saved(story, editor)
    blocks["first"].text = "<p>The US would <em>not</em> consider it.</p>"
    blocks["first"].save()
    blocks["dropped"].delete()
    blocks["last"].ordering = 5  # moved to the top
    blocks["last"].save()
    blocks["quote"].quote = "We will see what happens."
    blocks["quote"].save()
    profile = factories.ProfileFactory(name="Bashar al-Assad")
    factories.ProfileBlockFactory(parent=story, ordering=60, widget=profile)
    factories.EmbedFactory(parent=story, ordering=70, title="Summit")  # the factory's YouTube address
    factories.ImageBlockFactory(parent=story, ordering=80, image=factories.ImageFactory(alt="Hamburg at night"))
    second = saved(story, editor)

    body = section(compare_page(editor_client, story, first, second), "compare-body")
    items = re.findall(r'<li class="compare-item compare-item--(\w+)">(.*?)</li>', body, flags=re.S)
    listed = [(status, text_of(content).strip()) for status, content in items]
    assert [status for status, _text in listed] == [
        "moved",  # the last paragraph, now first
        "changed",  # the first paragraph
        "same",  # the timeline, by its title
        "changed",  # the pull quote
        "removed",  # where the dropped paragraph stood
        "added",  # the profile
        "added",  # the embed
        "added",  # the picture
    ]
    assert "The last word." in listed[0][1]
    assert "would <ins>not</ins> consider" in items[1][1]
    assert "Syria war timeline" in listed[2][1] and listed[2][1].startswith("Unchanged Timeline")
    assert "<ins>what happens</ins>" in items[3][1] and "Attribution: A diplomat" in listed[3][1]
    assert "<del>A paragraph that goes.</del>" in items[4][1]
    assert "Bashar al-Assad" in listed[5][1]
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in listed[6][1] and "Summit" in listed[6][1]
    assert "Hamburg at night" in listed[7][1]


# --- bylines, tags, corrections ------------------------------------------------------------


def test_bylines_are_compared_by_author_role_and_order(editor_client, editor, story):
    names = ("Anna Reporter", "Ben Reporter", "Carl Reporter", "Our Staff")
    anna, ben, carl, desk = (factories.AuthorFactory(name=name) for name in names)
    for position, author in enumerate((anna, ben, carl, desk)):
        factories.BylineFactory(article=story, author=author, position=position)
    first = saved(story, editor)
    Byline.objects.filter(article=story, author=anna).update(position=3)  # Anna now after Carl
    Byline.objects.filter(article=story, author=ben).update(role=Byline.Role.ADDITIONAL_REPORTING)
    Byline.objects.filter(article=story, author=desk).delete()
    factories.BylineFactory(article=story, author=factories.AuthorFactory(name="Reuters"), position=4)
    second = saved(story, editor)

    bylines = section(compare_page(editor_client, story, first, second), "compare-bylines")
    listed = [
        (status, text_of(content).strip())
        for status, content in re.findall(r'<li class="compare-item compare-item--(\w+)">(.*?)</li>', bylines, re.S)
    ]
    assert [status for status, _text in listed] == ["changed", "same", "removed", "moved", "added"]
    assert "Ben Reporter" in listed[0][1]
    assert "<del>by</del> <ins>additional reporting by</ins>" in bylines
    assert "Carl Reporter" in listed[1][1]
    assert "Our Staff" in listed[2][1]
    assert "Anna Reporter" in listed[3][1]
    assert "Reuters" in listed[4][1]


def test_tags_added_and_removed(editor_client, editor, story):
    story.tags.add("Syria", "Russia")
    first = saved(story, editor)
    story.tags.remove("Russia")
    story.tags.add("G20")
    second = saved(story, editor)

    tags = section(compare_page(editor_client, story, first, second), "compare-tags")
    assert "<ins>G20</ins>" in tags
    assert "<del>Russia</del>" in tags
    assert "Syria" in tags


def test_corrections_are_part_of_each_revision_and_of_the_diff(editor_client, editor, story):
    kept = factories.CorrectionFactory(article=story, text="An earlier version misspelt Tillerson.")
    first = saved(story, editor)
    assert first.revision.version_set.filter(content_type__model="correction").count() == 1
    factories.CorrectionFactory(article=story, text="The meeting is on Friday, not Thursday.")
    kept.text = "An earlier version misspelt Rex Tillerson's name."
    kept.save()
    second = saved(story, editor)

    corrections = section(compare_page(editor_client, story, first, second), "compare-corrections")
    statuses = re.findall(r'<li class="compare-item compare-item--(\w+)">', corrections)
    assert statuses == ["changed", "added"]
    assert "<ins>Friday</ins>" in corrections or "Friday, not Thursday" in text_of(corrections)
    assert "Rex" in corrections


# --- the two sides ------------------------------------------------------------------------


def test_each_side_says_who_saved_it_and_when_in_full_and_offers_a_restore(
    editor_client, editor, jane_client, django_user_model, story
):
    jane, chief = django_user_model.objects.get(username="jane"), editor
    first = saved(story, jane, when=SAVED_AT)
    story.headline = "Another headline"
    story.save()
    second = saved(story, chief, when=SAVED_AT + datetime.timedelta(days=40))

    # Picked the other way round: the older is still on the left.
    html = compare_page(editor_client, story, second, first)
    text = text_of(html)
    assert "Saved by Jane Editor on 2 March 2026, 09:05 GMT" in text
    assert "Saved by chief on 11 April 2026, 10:05 BST" in text  # the site's time zone, summer time
    assert text.index("Jane Editor") < text.index("Saved by chief")
    for version in (first, second):
        assert f'href="{reverse("admin:articles_article_revision", args=[story.pk, version.pk])}"' in html
    assert text.count("Restore this revision") == 2


def test_the_same_revision_twice_and_identical_revisions_say_so(editor_client, editor, story):
    first = saved(story, editor)
    second = saved(story, editor)
    assert "Both sides are the same revision" in compare_page(editor_client, story, first, first)
    assert "These two revisions hold the same story." in compare_page(editor_client, story, first, second)


def test_without_picks_the_newest_two_are_compared(editor_client, editor, story):
    saved(story, editor)
    story.headline = "Second headline"
    story.save()
    saved(story, editor)
    story.headline = "Third headline"
    story.save()
    saved(story, editor)
    fields = text_of(section(editor_client.get(compare_url(story)).content.decode(), "compare-fields"))
    assert "Headline Second headline Third headline" in fields
    assert "Ministers" not in fields


# --- hostile text -----------------------------------------------------------------------------


def test_hostile_text_is_shown_as_text_never_as_markup(editor_client, editor, story):
    first = saved(story, editor)
    story.headline = '<script>alert("headline")</script>'
    story.save()
    factories.RichTextFactory(parent=story, ordering=10, text="<p>&lt;img src=x onerror=alert(1)&gt;</p>")
    factories.PullQuoteFactory(parent=story, ordering=20, quote='<img src=x onerror="alert(2)">')
    factories.CorrectionFactory(article=story, text="<svg onload=alert(3)>")
    story.tags.add("<b>tag</b>")
    second = saved(story, editor)

    html = compare_page(editor_client, story, first, second)
    for hostile in ("<script>alert", "<img src=x", "<svg onload", "<b>tag"):
        assert hostile not in html
    assert "&lt;script&gt;alert(&quot;headline&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;svg onload=alert(3)&gt;" in html
    assert "&lt;b&gt;tag&lt;/b&gt;" in html


# --- permissions --------------------------------------------------------------------------------


@pytest.fixture
def two_versions(story, editor):
    first = saved(story, editor)
    story.headline = "A later headline"
    story.save()
    return first, saved(story, editor)


def test_anonymous_visitors_are_sent_to_sign_in(client, story, two_versions):
    response = client.get(compare_url(story, *two_versions))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_reporter_compares_a_story_they_may_edit_but_not_a_published_one(reporter_client, story, two_versions):
    assert reporter_client.get(compare_url(story, *two_versions)).status_code == 403
    Article.objects.filter(pk=story.pk).update(status=Article.Status.REVIEW, published_at=None)
    assert reporter_client.get(compare_url(story, *two_versions)).status_code == 200


def test_staff_without_the_change_permission_may_not_compare(django_user_model, story, two_versions):
    viewer = django_user_model.objects.create_user("viewer", password="pw-for-tests-only", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(viewer)
    assert client.get(compare_url(story, *two_versions)).status_code == 403
    # The history still lists the revisions, without the columns to compare them.
    history = client.get(reverse("admin:articles_article_history", args=[story.pk])).content.decode()
    assert 'type="radio"' not in history and "Compare the selected revisions" not in history


def test_a_post_to_the_compare_page_changes_nothing(editor_client, story, two_versions):
    first, _second = two_versions
    response = editor_client.post(compare_url(story, *two_versions), {"from": first.pk, "_save": "Save"})
    assert response.status_code == 405
    story.refresh_from_db()
    assert story.headline == "A later headline"
    assert Version.objects.get_for_object(story).count() == 2


def test_a_reporter_sees_the_compare_columns_only_on_stories_they_may_edit(reporter_client, story, two_versions):
    history_url = reverse("admin:articles_article_history", args=[story.pk])
    published = reporter_client.get(history_url)
    assert published.status_code == 200
    assert 'type="radio"' not in published.content.decode()
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT, published_at=None)
    draft = reporter_client.get(history_url).content.decode()
    assert draft.count('type="radio"') == 4
    assert "Compare the selected revisions" in draft


def test_the_history_costs_the_same_queries_however_many_revisions(
    editor_client, editor, story, django_assert_num_queries
):
    for _n in range(2):
        saved(story, editor)
    url = reverse("admin:articles_article_history", args=[story.pk])
    editor_client.get(url)
    with django_assert_num_queries(7) as few:
        assert editor_client.get(url).status_code == 200
    for _n in range(10):
        saved(story, factories.UserFactory())
    with django_assert_num_queries(len(few.captured_queries)):
        assert editor_client.get(url).status_code == 200


def test_another_storys_revision_or_a_made_up_id_is_not_found(editor_client, editor, story, two_versions):
    first, second = two_versions
    other = factories.ArticleFactory()
    elsewhere = saved(other, editor)
    url = reverse("admin:articles_article_compare", args=[story.pk])
    assert editor_client.get(f"{url}?from={first.pk}&to={elsewhere.pk}").status_code == 404
    assert editor_client.get(f"{url}?from={first.pk}&to=999999").status_code == 404
    assert editor_client.get(f"{url}?from={first.pk}&to=abc").status_code == 404
    assert editor_client.get(f"{url}?from={first.pk}").status_code == 404
    # The other story's own page with this story's revisions: not found either.
    other_url = reverse("admin:articles_article_compare", args=[other.pk])
    assert editor_client.get(f"{other_url}?from={first.pk}&to={second.pk}").status_code == 404
    assert editor_client.get(reverse("admin:articles_article_compare", args=[999999])).status_code == 404


def test_a_story_without_revisions_has_nothing_to_compare(editor_client, story):
    assert editor_client.get(compare_url(story)).status_code == 404


def test_the_compare_page_costs_the_same_queries_however_big_the_story(
    editor_client, editor, bodied_story, django_assert_num_queries
):
    story, _blocks = bodied_story
    factories.BylineFactory(article=story)
    story.tags.add("Syria")
    factories.CorrectionFactory(article=story)
    first = saved(story, editor)
    for ordering in range(100, 130):
        factories.RichTextFactory(parent=story, ordering=ordering)
    factories.TimelineBlockFactory(parent=story, ordering=200)
    factories.BylineFactory(article=story)
    story.tags.add("Russia", "G20")
    second = saved(story, editor)
    url = compare_url(story, first, second)
    editor_client.get(url)  # content types cached, as in a running site
    # Session and user; the story; the two versions; each revision's rows;
    # names of sections, authors, tags and timelines (one query each).
    with django_assert_num_queries(10):
        assert editor_client.get(url).status_code == 200


# --- the history page -------------------------------------------------------------------------


def test_history_rows_show_the_full_date_and_time_and_pick_the_newest_two(editor_client, editor, story):
    first = saved(story, editor, when=SAVED_AT)
    second = saved(story, editor, when=SAVED_AT + datetime.timedelta(hours=3))
    third = saved(story, editor, when=SAVED_AT + datetime.timedelta(days=1))
    html = editor_client.get(reverse("admin:articles_article_history", args=[story.pk])).content.decode()
    assert "2 March 2026, 09:05 GMT" in html
    assert "3 March 2026, 09:05 GMT" in html
    assert f'name="to" value="{third.pk}" aria-label' in html
    checked = re.findall(r'name="(from|to)" value="(\d+)"[^>]*checked', html)
    assert checked == [("to", str(third.pk)), ("from", str(second.pk))]
    assert f'action="{compare_url(story)}"' in html
    assert str(first.pk) in html


# --- restoring from the compare page --------------------------------------------------------------


def test_restoring_keeps_every_correction_published_since(editor_client, editor, story):
    factories.CorrectionFactory(article=story, text="First correction.")
    first = saved(story, editor)
    story.headline = "A later headline"
    story.save()
    later = factories.CorrectionFactory(article=story, text="A correction published later.")
    Correction.objects.filter(text="First correction.").update(text="First correction, reworded.")
    saved(story, editor)

    restore_url = reverse("admin:articles_article_revision", args=[story.pk, first.pk])
    html = editor_client.get(restore_url).content.decode()
    assert "corrections and updates stay as they are" in unescape(html)
    data = form_data(html, "article_form")
    data["_save"] = "Save"
    response = editor_client.post(restore_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    story.refresh_from_db()
    assert story.headline == "Ministers meet in Hamburg"
    assert sorted(Correction.objects.filter(article=story).values_list("text", flat=True)) == [
        "A correction published later.",
        "First correction, reworded.",
    ]
    assert Correction.objects.filter(pk=later.pk).exists()
    restored = latest_version(story)
    assert "Reverted to previous version" in restored.revision.get_comment()
    assert restored.revision.version_set.filter(content_type__model="correction").count() == 2


# --- JSON-LD ------------------------------------------------------------------------------------------


def test_json_ld_carries_corrections_as_correction_comments_and_is_refreshed(client, story):
    assert "correction" not in jsonld(page(client, story))
    note = factories.CorrectionFactory(
        article=story, text="An earlier version misdated the meeting.", published_at=SAVED_AT
    )
    factories.CorrectionFactory(article=story, kind=Correction.Kind.UPDATE, text="Adds the minister's reply.")
    data = jsonld(page(client, story))
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "An earlier version misdated the meeting.",
            "datePublished": "2026-03-02T09:05:00+00:00",
        }
    ]
    note.text = "An earlier version misdated the meeting in Hamburg."
    note.save()
    assert jsonld(page(client, story))["correction"][0]["text"].endswith("in Hamburg.")
    note.delete()
    assert "correction" not in jsonld(page(client, story))
