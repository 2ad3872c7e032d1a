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

from articles.models import PullQuote, RichText, TimelineBlock
from tests import factories
from tests.browser.editing import choose
from tests.quality import axe_violations

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
    blocks = [*RichText.objects.filter(parent=article), *PullQuote.objects.filter(parent=article)]
    blocks += TimelineBlock.objects.filter(parent=article).select_related("widget")

    def describe(block):
        if isinstance(block, RichText):
            return block.text
        if isinstance(block, PullQuote):
            return f"quote: {block.quote}"
        return f"timeline: {block.widget.title}"

    return [describe(block) for block in sorted(blocks, key=lambda block: block.ordering)]


def axe_violations_of_the_moves(page):
    """axe-core's findings on what this feature adds (the admin's own are not ours to fix here)."""
    return [line for line in axe_violations(page) if re.search(r"block-moves|byline-moves|story-form-group", line)]


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
    timeline = factories.TimelineFactory(title="Syria war timeline")
    factories.TimelineBlockFactory(parent=article, widget=timeline, ordering=50)
    page = watch.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, django_user_model, article)
    page.screenshot(path=artifacts / "block-moves-form-top.png")

    headers = page.locator(".order-machine .inline-related:not(.empty-form) > h3")
    expect(headers).to_have_count(5)
    assert axe_violations_of_the_moves(page) == []
    live = page.locator(".block-moves-status")

    # Pull quote up twice: it becomes the first block; focus stays on its button.
    page.locator("#id_headline").focus()
    tab_to(page, "Move 'Pull quote' up")
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile("position 2 of 5"))
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile("position 1 of 5"))
    assert focused_label(page) == "Move 'Pull quote' up"
    page.keyboard.press("Enter")  # already first: said so, nothing moves
    expect(live).to_have_text(re.compile("already first"))

    # Alpha down once (after Bravo), then duplicated: the copy follows it.
    page.locator("#id_headline").focus()
    tab_to(page, "Move 'Text' down")  # the first text block in the document: Alpha
    page.keyboard.press("Space")
    expect(live).to_have_text(re.compile("position 3 of 5"))
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

    # The timeline duplicated (its chosen widget goes with it); a copy never
    # saved is removed at once by its delete button.
    timeline_block = page.locator(".order-machine .inline-related", has_text="Syria war timeline").first
    timeline_block.locator(".block-moves-duplicate").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".order-machine .select2-selection", has_text="Syria war timeline")).to_have_count(2)
    page.keyboard.press("Enter")  # the focus is on the copy's duplicate button: a third one
    expect(page.locator(".order-machine .select2-selection", has_text="Syria war timeline")).to_have_count(3)
    page.keyboard.press("Tab")
    assert focused_label(page) == "Delete 'Timeline'"
    page.keyboard.press("Enter")
    expect(live).to_have_text(re.compile("removed"))
    expect(page.locator(".order-machine .select2-selection", has_text="Syria war timeline")).to_have_count(2)
    page.screenshot(path=artifacts / "block-moves-after-moves.png", full_page=True)

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert body_in_order(article) == [
        "quote: Charlie said so.",
        "<p>Bravo paragraph.</p>",
        "<p>Alpha paragraph.</p>",
        "<p>Alpha paragraph.</p>",
        "timeline: Syria war timeline",
        "timeline: Syria war timeline",
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
    assert axe_violations_of_the_moves(page) == []

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

    # An added row removed again: Django renumbers the forms by their place
    # on the page, which now has an unsaved row above the saved one.
    page.click("#bylines-group .add-row a")
    expect(rows).to_have_count(4)
    rows.nth(3).locator(".inline-deletelink").click()
    expect(rows).to_have_count(3)

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


def caret_at(page, position):
    """Wait until the rich-text editor has taken the caret to ``position``.

    Positions count ProseMirror's way: 1 is the start of the first paragraph's
    text, and a paragraph's end and the next one's start are 2 apart.

    Arrow keys and Home/End move the browser's caret; ProseMirror reads it on
    the next ``selectionchange``. A key it handles itself (Enter, paste) sent
    before that would act on the caret's old place.
    """
    page.wait_for_function(
        "position => document.querySelector('.order-machine .ProseMirror[contenteditable=true]')"
        ".editor.state.selection.from === position",
        arg=position,
    )


PUT_CARET = """([index, offset]) => {
  const editor = document.querySelector(
    '.order-machine .inline-related:not(.empty-form) .ProseMirror[contenteditable=true]');
  const text = editor.querySelectorAll(':scope > p')[index].firstChild;
  editor.focus();
  const range = document.createRange();
  range.setStart(text, offset < 0 ? text.length : offset);
  range.collapse(true);
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def put_caret(page, index, offset, position):
    """The caret into paragraph ``index`` at ``offset`` (-1: its end), once ProseMirror has it at ``position``.

    Set through the DOM, as a click would, rather than with Home and arrow keys:
    keys sent while the editor redraws now and then moved the caret elsewhere.
    """
    page.evaluate(PUT_CARET, [index, offset])
    caret_at(page, position)


def words_of(html):
    return re.sub(r"<[^>]+>", " ", html).split()


def test_paragraphs_split_join_and_cut_paste_keep_every_word(live_server, watch, django_user_model):
    article = factories.ArticleFactory(headline="Paragraphs that move")
    block = factories.RichTextFactory(
        parent=article,
        text="<p>Alpha one two three.</p><p>Bravo four five six.</p><p>Charlie seven eight nine.</p>",
        ordering=10,
    )
    page = watch.new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, django_user_model, article)
    editor = page.locator(".order-machine .inline-related:not(.empty-form) .ProseMirror[contenteditable=true]")
    paragraphs = editor.locator(":scope > p")

    # Split "Alpha one two three." after "Alpha one", then join it again.
    put_caret(page, 0, len("Alpha one"), 1 + len("Alpha one"))
    page.keyboard.press("Enter")
    expect(paragraphs).to_have_count(4)
    expect(paragraphs.nth(0)).to_have_text("Alpha one")
    expect(paragraphs.nth(1)).to_have_text(" two three.")
    # Enter leaves the caret at the new paragraph's start. (No Home key here:
    # pressed while ProseMirror redraws after Enter, the browser took it to
    # the first paragraph's start now and then.)
    caret_at(page, 1 + len("Alpha one") + 2)  # past the first paragraph's end and the second's start
    page.keyboard.press("Backspace")
    expect(paragraphs).to_have_count(3)
    expect(paragraphs.nth(0)).to_have_text("Alpha one two three.")

    # A paragraph selected with a triple click, cut, and pasted at the start
    # of another: it goes before that one, as a paragraph of its own (it
    # used to run into it: "Bravo four five six.Alpha one two three.").
    paragraphs.nth(1).click(click_count=3)
    page.keyboard.press("Control+x")
    expect(paragraphs).to_have_count(2)  # no empty paragraph left behind
    put_caret(page, 0, 0, 1)
    page.keyboard.press("Control+v")
    expect(paragraphs).to_have_text(["Bravo four five six.", "Alpha one two three.", "Charlie seven eight nine."])

    # And one pasted at the end of another goes after it.
    paragraphs.nth(1).click(click_count=3)
    page.keyboard.press("Control+x")
    put_caret(page, 1, -1, 1 + len("Bravo four five six.") + 2 + len("Charlie seven eight nine."))
    page.keyboard.press("Control+v")
    expect(paragraphs).to_have_text(["Bravo four five six.", "Charlie seven eight nine.", "Alpha one two three."])

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    block.refresh_from_db()
    assert " ".join(words_of(block.text)) == "Bravo four five six. Charlie seven eight nine. Alpha one two three."
    assert block.text.count("<p>") == 3
    assert watch.problems == []
