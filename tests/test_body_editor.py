"""The story form's order and the body editor's moves, as the server draws and saves them (issue 13, item 5).

The moves themselves are made in the browser (tests/browser/test_block_moves.py);
what the server sees of them is ordering and position fields, saved as sent.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from articles.admin_moves import move_messages
from articles.models import Byline, RichText
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def where(html, *markers):
    """The offset of each marker in ``html`` (each must be there)."""
    offsets = []
    for marker in markers:
        assert marker in html, marker
        offsets.append(html.index(marker))
    return offsets


def heading(name):
    return re.compile(rf'class="fieldset-heading">{name}</h2>')


def heading_offset(html, name):
    match = heading(name).search(html)
    assert match, name
    return match.start()


@pytest.mark.parametrize("adding", [False, True])
def test_body_editor_comes_right_after_the_story_fields(editor_client, adding):
    if adding:
        response = editor_client.get(reverse("admin:articles_article_add"))
    else:
        article = factories.ArticleFactory()
        factories.RichTextFactory(parent=article)
        response = editor_client.get(change_url(article))
    assert response.status_code == 200
    html = response.content.decode()
    standfirst, body, bylines, corrections = where(
        html, 'name="standfirst"', 'id="articles_richtext_set-group"', 'id="bylines-group"', 'id="corrections-group"'
    )
    section, publishing, lead_image, seo, history = (
        heading_offset(html, name)
        for name in ("Section and tags", "Publishing", "Lead image", "SEO and syndication", "History")
    )
    # Story, body, bylines, the groups in their declared order, corrections.
    assert standfirst < body < bylines < section < publishing < lead_image < seo < history < corrections
    # No block inline comes after the first one's neighbours: the body is in one place.
    block_groups = [m.start() for m in re.finditer(r'id="articles_\w+_set(?:-\d+)?-group"', html)]
    assert block_groups and max(block_groups) < bylines


def test_every_fieldset_and_inline_is_drawn_exactly_once(editor_client):
    article = factories.ArticleFactory()
    response = editor_client.get(change_url(article))
    layout = response.context["story_layout"]
    adminform = response.context["adminform"]
    names = [fieldset.name for fieldset in layout.lead] + [fieldset.name for _index, fieldset in layout.groups]
    assert names == [name for name, _options in adminform.fieldsets]
    drawn = layout.body + layout.after_body + layout.rest
    assert sorted(id(formset) for formset in drawn) == sorted(
        id(formset) for formset in response.context["inline_admin_formsets"]
    )
    html = response.content.decode()
    for fieldset in names:
        assert len(heading(str(fieldset)).findall(html)) == 1
    # The heading ids are the ones Django's own template gives them.
    assert [index for index, _fieldset in layout.groups] == list(range(1, len(adminform.fieldsets)))
    assert 'id="fieldset-0-1-heading"' in html


def test_groups_fold_the_declared_collapsed_ones_closed_and_the_others_open(editor_client):
    article = factories.ArticleFactory()
    html = editor_client.get(change_url(article)).content.decode()
    for name, is_open in [
        ("Section and tags", True),
        ("Publishing", True),
        ("Lead image", True),
        ("SEO and syndication", False),
        ("History", False),
    ]:
        before = html[: heading_offset(html, name)]
        details = before[before.rindex("<details") :]
        assert ("<details open>" in details) is is_open, name


def test_a_group_with_an_error_is_open(editor_client):
    article = factories.ArticleFactory()
    data = form_data(editor_client.get(change_url(article)).content.decode(), "article_form")
    data["canonical_url"] = "not an address at all"
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200  # the form again, with its error
    html = response.content.decode()
    before = html[: heading_offset(html, "SEO and syndication")]
    assert before[before.rindex("<details") :].startswith("<details open>")


def test_the_form_loads_the_move_scripts_and_their_words(reporter_client, reporter):
    article = factories.ArticleFactory(created_by=reporter)
    response = reporter_client.get(change_url(article))
    assert response.status_code == 200
    html = response.content.decode()
    for asset in (
        "articles/admin/block-moves.js",
        "articles/admin/whole-paragraphs.js",
        "articles/admin/block-moves.css",
    ):
        assert asset in html
    # The words come as data, before the script that reads them, never inline code.
    words, script = where(html, 'id="block-moves-messages"', "articles/admin/block-moves.js")
    assert words < script
    tag = html[html.rindex("<script", 0, words) : html.index(">", words)]
    assert 'type="application/json"' in tag
    assert "Move &#x27;%(name)s&#x27; up" in html or "Move '%(name)s' up" in html


def test_the_words_are_translated():
    with translation.override("de"):
        words = move_messages()
    assert words["up"] == "„%(name)s“ nach oben verschieben"
    assert all("%(name)s" in text for key, text in words.items() if key not in {"bylineHandle", "newByline"})


def test_a_signed_out_visitor_gets_the_login_page_not_the_form(client):
    article = factories.ArticleFactory()
    response = client.get(change_url(article))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_saving_keeps_the_order_the_buttons_set(editor_client):
    """What the buttons send: renumbered ordering fields, positions for every byline with an author."""
    article = factories.ArticleFactory()
    first = factories.RichTextFactory(parent=article, text="<p>First.</p>", ordering=10)
    second = factories.RichTextFactory(parent=article, text="<p>Second.</p>", ordering=20)
    reuters = factories.BylineFactory(article=article, author=factories.AuthorFactory(name="Reuters"), position=1)
    jane = factories.AuthorFactory(name="Jane Reporter")
    data = form_data(editor_client.get(change_url(article)).content.decode(), "article_form")
    prefix = "articles_richtext_set"
    index = {data[f"{prefix}-{i}-id"]: i for i in range(2)}
    data[f"{prefix}-{index[str(first.pk)]}-ordering"] = "20"
    data[f"{prefix}-{index[str(second.pk)]}-ordering"] = "10"
    # A new byline moved above the saved one, before it was ever saved.
    data.update(
        {
            "bylines-TOTAL_FORMS": "2",
            "bylines-0-position": "2",
            "bylines-1-article": str(article.pk),
            "bylines-1-author": str(jane.pk),
            "bylines-1-role": Byline.Role.BY,
            "bylines-1-position": "1",
        }
    )
    data["_save"] = "Save"
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert [block.text for block in RichText.objects.filter(parent=article).order_by("ordering")] == [
        "<p>Second.</p>",
        "<p>First.</p>",
    ]
    bylines = article.bylines.order_by("position", "pk")
    assert [byline.author.name for byline in bylines] == ["Jane Reporter", "Reuters"]
    reuters.refresh_from_db()
    assert reuters.position == 2
