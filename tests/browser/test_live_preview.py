"""In a real browser: the preview beside the story form follows the typing; the writing aids count as one types."""

import html
import re

import pytest
from django.core.management import call_command

from articles.models import Article, PullQuote, RichText
from tests import factories
from tests.browser.editing import PASSWORD, add_block, choose, sign_in
from tests.quality import AXE_JS, WCAG_TAGS, require_axe

pytestmark = pytest.mark.django_db(transaction=True)


def prose_words_of(block):
    return html.unescape(re.sub(r"<[^>]+>", " ", block.text)).split()


def prose_words(article):
    """The words of a story's text blocks and pull quotes: runs between spaces holding a letter or digit."""
    texts = [block.text for block in RichText.objects.filter(parent=article)]
    texts = [html.unescape(re.sub(r"<[^>]+>", " ", text)) for text in texts]
    texts += [quote.quote for quote in PullQuote.objects.filter(parent=article)]
    return sum(1 for text in texts for token in text.split() if re.search(r"[^\W_]", token))


def axe_violations_in(page, *selectors):
    """axe-core's WCAG 2.2 A/AA violations inside ``selectors`` only (the admin around them is Django's)."""
    require_axe()
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """([include, tags]) => axe.run({include: include},
               {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
             .then(results => results.violations)""",
        [[[selector] for selector in selectors], WCAG_TAGS],
    )
    return [f"{v['id']}: {v['help']} — " + "; ".join(" ".join(n["target"]) for n in v["nodes"]) for v in violations]


def preview(page):
    return page.frame_locator("iframe[name=live-preview-frame]")


def test_preview_beside_the_form_follows_the_typing(live_server, watch, artifacts, django_user_model):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    Article.objects.update(status=Article.Status.DRAFT)
    django_user_model.objects.create_superuser("editor", "", PASSWORD)
    before = Article.objects.values().get()
    page = watch.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "editor", f"/admin/articles/article/{article.pk}/change/", ready="#article_form")

    page.click(".live-preview-toggle")
    assert page.get_attribute(".live-preview-toggle", "aria-expanded") == "true"
    # The story as saved, on the reader template.
    assert "no-fly zones" in preview(page).locator("h1.story__headline").inner_text()
    page.wait_for_selector(".live-preview__status:text-is('Up to date')")
    # The form narrowed to make room: nothing under the panel.
    panel = page.locator("#live-preview").bounding_box()
    form = page.locator("#article_form").bounding_box()
    assert form["x"] + form["width"] <= panel["x"]

    page.fill("#id_headline", "Tillerson and Lavrov agree to talk on Syria")
    add_block(page, "Text")
    page.locator(".inline-related:not(.empty-form) .ProseMirror[contenteditable=true]").last.click()
    page.keyboard.type("A paragraph typed a moment ago.")
    headline = preview(page).locator("h1.story__headline")
    headline.filter(has_text="Tillerson and Lavrov agree to talk on Syria").wait_for()
    preview(page).locator(".story__body p", has_text="A paragraph typed a moment ago.").wait_for()
    page.wait_for_selector(".live-preview__status:text-is('Up to date')")

    # A block moved with its "up" button (no typing): the preview follows the new order.
    last_words = " ".join(prose_words_of(RichText.objects.filter(parent=article).order_by("ordering").last())[:6])
    body = preview(page).locator(".story__body")
    assert body.inner_text().index(last_words) < body.inner_text().index("A paragraph typed a moment ago.")
    new_block = page.locator(".order-machine .inline-related:not(.empty-form)", has_text="A paragraph typed")
    new_block.locator(".block-moves-up").click()
    for _ in range(50):
        if body.inner_text().index("A paragraph typed a moment ago.") < body.inner_text().index(last_words):
            break
        page.wait_for_timeout(200)
    else:
        raise AssertionError("the preview did not follow the block's move")
    page.locator("#id_kicker").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "live-preview-desktop.png")
    assert axe_violations_in(page, "#live-preview", ".live-preview-toggle-row", ".writing-aids-wordcount") == []

    # The widths: a phone's 375 px, and the desktop scaled to fit.
    page.click(".live-preview__width:text-is('Mobile')")
    assert page.locator(".live-preview__frame").evaluate("frame => frame.getBoundingClientRect().width") == 375
    assert preview(page).locator("body").evaluate("body => document.documentElement.clientWidth") <= 375
    page.screenshot(path=artifacts / "live-preview-mobile.png")
    page.click(".live-preview__width:text-is('Desktop')")
    frame_box = page.locator(".live-preview__frame").bounding_box()
    assert frame_box["width"] <= panel["width"]  # 1280 px, scaled
    assert preview(page).locator("body").evaluate("body => document.documentElement.clientWidth") > 1000

    # A mistake: the panel lists it instead of the page.
    page.fill("#id_headline", "")
    preview(page).locator(".live-preview-errors", has_text="Headline").wait_for()
    page.wait_for_selector(".live-preview__status:text-is('Not updated: see the errors')")
    # Shown at full size, whatever the width chosen for the story.
    assert page.locator(".live-preview__frame").evaluate("frame => frame.style.transform") == "scale(1)"
    page.screenshot(path=artifacts / "live-preview-errors.png")

    # Nothing of it was saved, and the panel stays open on the next visit.
    assert Article.objects.values().get() == before
    page.reload()
    page.wait_for_selector("#live-preview:not([hidden])")
    page.wait_for_selector(".live-preview__status:text-is('Up to date')")

    # A narrow screen: the panel is the lower part of it, over the full-width form.
    page.set_viewport_size({"width": 800, "height": 900})
    panel = page.locator("#live-preview").bounding_box()
    assert panel["x"] == 0 and panel["width"] == 800 and panel["y"] > 300
    page.screenshot(path=artifacts / "live-preview-narrow.png")
    page.click(".live-preview__close")
    assert page.locator("#live-preview").is_hidden()
    assert watch.problems == []


def test_writing_aids_count_as_the_editor_types(live_server, watch, artifacts, django_user_model):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("editor", "", PASSWORD)
    page = watch.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "editor", f"/admin/articles/article/{article.pk}/change/", ready="#article_form")

    count = page.locator(".writing-aids-wordcount")
    # Right above the body editor (and its region tab).
    page.wait_for_selector(".writing-aids-wordcount + .tabs.regions + .order-machine-wrapper")
    words = int(count.get_attribute("data-words"))
    # The seed story's 15 paragraphs, counted here as the script does; the widgets are not prose.
    assert words == prose_words(article) == 458
    assert f"Reading time: {-(-words // 230)} min" in count.inner_text()

    add_block(page, "Text")
    page.locator(".inline-related:not(.empty-form) .ProseMirror[contenteditable=true]").last.click()
    page.keyboard.type("Five more words — typed here.")
    page.wait_for_selector(f".writing-aids-wordcount[data-words='{words + 5}']")
    assert count.get_attribute("aria-live") == "polite"

    add_block(page, "Pull quote")
    page.locator(".inline-related:not(.empty-form) textarea[name$=-quote]").last.fill("Three quoted words")
    page.wait_for_selector(f".writing-aids-wordcount[data-words='{words + 8}']")

    page.click("summary:has-text('SEO and syndication')")  # a collapsed group
    seo_title = page.locator("#id_seo_title + .writing-aids-counter")
    page.fill("#id_seo_title", "Short")
    assert seo_title.locator(".writing-aids-counter__count").inner_text() == "5 / 60"
    assert "writing-aids-counter--over" not in seo_title.get_attribute("class")
    page.fill("#id_seo_title", "x" * 61)
    assert "61 / 60" in seo_title.inner_text()
    assert "longer than recommended" in seo_title.inner_text()
    assert "writing-aids-counter--over" in seo_title.get_attribute("class")
    assert "seo_title-length" in page.get_attribute("#id_seo_title", "aria-describedby")

    headline = page.locator("#id_headline + .writing-aids-counter")
    assert headline.get_attribute("data-count") == str(len(article.headline))
    page.fill("#id_standfirst", "Ü" * 201)
    assert "201 / 200" in page.locator("#id_standfirst + .writing-aids-counter").inner_text()
    page.fill("#id_seo_description", "A description.")
    assert "14 / 155" in page.locator("#id_seo_description + .writing-aids-counter").inner_text()
    page.locator("#id_standfirst").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "writing-aids.png")
    assert axe_violations_in(page, ".writing-aids-counter", ".writing-aids-wordcount") == []
    count.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "writing-aids-word-count.png")

    # Advice only: the over-long SEO title and standfirst save.
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.get().seo_title == "x" * 61
    assert watch.problems == []


def test_reporter_previews_a_new_story_before_it_exists(live_server, watch, django_user_model, newsroom_roles):
    from django.contrib.auth.models import Group

    reporter = django_user_model.objects.create_user("reporter", "", PASSWORD, is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporter"))
    factories.SectionFactory(name="World", slug="world")
    page = watch.new_page()
    sign_in(page, live_server.url, "reporter", "/admin/articles/article/add/", ready="#article_form")

    page.click(".live-preview-toggle")
    # An empty form: the panel says what a story needs.
    preview(page).locator(".live-preview-errors", has_text="Headline").wait_for()
    page.fill("#id_headline", "Flood defences hold in the night")
    page.press("#id_headline", "End")  # the slug follows, as when typing
    add_block(page, "Text")
    page.locator(".inline-related:not(.empty-form) .ProseMirror[contenteditable=true]").last.click()
    page.keyboard.type("Water rose to within a metre of the wall.")
    preview(page).locator(".live-preview-errors", has_text="Section: This field is required.").wait_for()
    choose(page, "id_section", "World")
    preview(page).locator("h1.story__headline", has_text="Flood defences hold in the night").wait_for()
    preview(page).locator(".story__body p", has_text="Water rose to within a metre of the wall.").wait_for()
    assert not Article.objects.exists()
    assert watch.problems == []
