"""Reader pages in a real browser: phone and desktop widths, axe-core, and no JavaScript.

Each page type is opened at 360 px (a small phone) and 1280 px (a laptop);
a full-page screenshot goes to ``test-artifacts/reader-<page>-<width>.png``
for a person to look at, the page must not scroll sideways, and axe-core
must find no WCAG 2.2 A/AA violation.
"""

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.conftest import SEED_SLUG
from tests.quality import axe_violations, generated_story, reader_url

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_TYPES = ["home", "article", "article-seed", "section", "tag", "author", "search"]
WIDTHS = [360, 1280]

# Elements wider than the viewport, to say what makes a page scroll sideways.
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map(el => el.tagName.toLowerCase() + (el.className ? "." + [...el.classList].join(".") : ""))
    .slice(0, 10)"""


@pytest.fixture
def stories():
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    return Article.objects.get(slug=SEED_SLUG), generated_story()


def reader_page_url(page_type, seed, story):
    return {
        "home": lambda: reader_url("home"),
        "article": story.get_absolute_url,
        "article-seed": seed.get_absolute_url,
        "section": lambda: reader_url("section", slug=seed.section.slug),
        "tag": lambda: reader_url("tag", slug="syria"),
        "author": lambda: reader_url("author", slug="our-foreign-staff"),
        "search": lambda: reader_url("search"),
    }[page_type]()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_reader_page_fits_the_screen_and_passes_axe(live_server, chromium, artifacts, stories, page_type, width):
    seed, story = stories
    path = reader_page_url(page_type, *stories)
    context = chromium.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        response = page.goto(live_server.url + path)
        assert response.status == 200
        if page_type == "search":
            # Search the way a reader does: type in the box, press Enter.
            page.locator("main input[type=search], main input[name=q]").first.fill("Syria")
            # Wait for the results page itself: the empty search page is already
            # loaded, so waiting for a load state alone would race the navigation.
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "q=Syria" in page.url
            assert seed.headline in page.locator("main").inner_text()
        if page_type == "article-seed":
            # The two stories share the Syria tag: the related list is on the page axe checks.
            assert page.locator(".related a").first.inner_text() == story.headline
        page.screenshot(path=artifacts / f"reader-{page_type}-{width}.png", full_page=True)

        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, (
            f"{page_type} scrolls sideways at {width}px ({scroll_width}px); too wide: {page.evaluate(OVERFLOWING)}"
        )
        violations = axe_violations(page)
        assert not violations, f"axe-core on {page_type} at {width}px:\n" + "\n".join(violations)
    finally:
        context.close()


def test_story_reads_without_javascript(live_server, chromium, artifacts, stories):
    seed, story = stories
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        assert page.goto(live_server.url + seed.get_absolute_url()).status == 200
        body = page.locator(".story__body")
        paragraphs = body.locator(":scope > p")
        assert paragraphs.count() == 15
        assert all(paragraphs.nth(i).is_visible() for i in range(15))
        assert body.locator(".widget--timeline h2").inner_text() == "Syria war timeline"
        assert body.locator(".widget--timeline .timeline__event").count() == 8
        assert "Bashar al-Assad" in body.locator(".widget--profile h2").inner_text()
        assert body.locator(".widget--profile").is_visible()
        page.screenshot(path=artifacts / "reader-article-seed-nojs-360.png", full_page=True)

        assert page.goto(live_server.url + story.get_absolute_url()).status == 200
        body = page.locator(".story__body")
        assert body.locator(":scope > p").all_inner_texts() == [
            "The guns fell silent at dawn.",
            "Talks resumed in Geneva.",
            "Both sides must agree.",
            "A final paragraph.",
        ]
        assert body.locator(".pullquote blockquote").inner_text() == "We will not retreat"
        assert body.locator(".widget--timeline").is_visible() and body.locator(".widget--profile").is_visible()
        assert page.locator(".corrections li").count() == 2
    finally:
        context.close()


def test_axe_reports_violations(page):
    """The check can fail: a page with known faults is reported, rule by rule, with the offending node."""
    page.set_content('<!DOCTYPE html><html><body><img src="data:,"><a href="/x"></a></body></html>')
    violations = axe_violations(page)
    assert {line.split(" ")[0] for line in violations} >= {"html-has-lang", "image-alt", "link-name"}, violations
    assert any(line.startswith("image-alt (critical)") and line.endswith("— img") for line in violations), violations


def test_story_prints_without_the_site_around_it(live_server, chromium, artifacts, stories):
    _, story = stories
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + story.get_absolute_url())
        page.emulate_media(media="print")
        # The publication's name stays as a plain line; the site's navigation goes.
        assert page.locator(".masthead__name").is_visible()
        assert not page.locator(".masthead__nav").is_visible()
        assert not page.locator(".site-footer").is_visible()
        assert page.locator(".story__headline").is_visible()
        assert page.locator(".story__body > p").first.is_visible()
        assert page.locator(".widget--timeline").is_visible() and page.locator(".widget--profile").is_visible()
        assert page.locator(".corrections").is_visible()
        page.screenshot(path=artifacts / "reader-article-print.png", full_page=True)
        page.pdf(path=artifacts / "reader-article-print.pdf", format="A4")
    finally:
        context.close()
