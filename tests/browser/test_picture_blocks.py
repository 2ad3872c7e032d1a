"""Image blocks and a gallery in a real browser: layout at 360 and 1280 px, the keyboard, axe.

Screenshots go to ``test-artifacts/picture-blocks-*.png``.
"""

import pytest

from tests import factories
from tests.browser.conftest import wait_until
from tests.quality import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

COLOURS = ["#3b6e8f", "#8f5a3b", "#4f7d3a", "#7a3b8f"]


@pytest.fixture
def story_with_pictures():
    story = factories.ArticleFactory(headline="Leaders gather in Hamburg", standfirst="The summit opens on Friday.")
    factories.RichTextFactory(parent=story, text="<p>Delegations arrived through the day.</p>", ordering=10)
    image = factories.ImageFactory(
        file__width=1200, file__height=800, file__color=COLOURS[0], alt="The harbour at dusk", caption="The harbour"
    )
    factories.ImageBlockFactory(parent=story, image=image, credit="Jane Lens", ordering=20)
    factories.RichTextFactory(parent=story, text="<p>Protests were expected on Saturday.</p>", ordering=30)
    gallery = factories.GalleryFactory(title="The summit in pictures")
    for n, colour in enumerate(COLOURS):
        picture = factories.ImageFactory(
            file__width=1200, file__height=800, file__color=colour, alt=f"Scene {n + 1}", credit="AFP"
        )
        factories.GalleryItemFactory(gallery=gallery, image=picture, position=n, caption=f"Day one, scene {n + 1}")
    factories.GalleryBlockFactory(parent=story, widget=gallery, ordering=40)
    return story


SCROLL = "() => document.querySelector('.gallery').scrollLeft"


def last_in_view(page):
    last = page.locator(".gallery__item").last.bounding_box()
    row = page.locator(".gallery").bounding_box()
    return last["x"] + last["width"] <= row["x"] + row["width"] + 1


def moved_on(page, before):
    """Polled from here: the page's policy refuses the eval() a polled predicate needs."""
    for _ in range(40):
        if page.evaluate(SCROLL) > before:
            return
        page.wait_for_timeout(50)
    pytest.fail("the arrow key did not scroll the gallery")


@pytest.mark.parametrize(("width", "scale"), [(360, 2), (1280, 1)])
def test_image_block_and_gallery(live_server, device_page, artifacts, story_with_pictures, width, scale):
    page = device_page(width, scale)
    assert page.goto(live_server.url + story_with_pictures.get_absolute_url()).status == 200
    figure = page.locator(".image-block")
    assert figure.locator("figcaption").inner_text() == "The harbour JANE LENS"  # the credit is set in capitals
    assert page.locator(".gallery figcaption").count() == 4
    # Lazy pictures: bring each into view and wait for it.
    figure.scroll_into_view_if_needed()
    wait_until(page, "document.querySelector('.image-block img').complete")
    page.locator(".gallery").scroll_into_view_if_needed()
    wait_until(page, "document.querySelector('.gallery img').complete")
    assert page.evaluate("document.querySelector('.image-block img').naturalWidth") > 0
    # The page itself never scrolls sideways; only the gallery's row does.
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width
    row_width, row_shown = page.evaluate(
        "[document.querySelector('.gallery').scrollWidth, document.querySelector('.gallery').clientWidth]"
    )
    assert row_width > row_shown
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / f"picture-blocks-{width}.png", full_page=True)
    assert not axe_violations(page)

    # Keyboard: Tab reaches the gallery's row; the arrow keys move through it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('gallery')"):
            break
    else:
        pytest.fail("Tab never reached the gallery")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("The summit in pictures: 4 pictures")
    before = page.evaluate(SCROLL)
    page.keyboard.press("ArrowRight")
    moved_on(page, before)
    # Each press snaps to the next picture (scroll-snap): a few presses reach the last one.
    for _ in range(12):
        if last_in_view(page):
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(150)  # smooth scrolling settles
    assert last_in_view(page)
    page.locator(".gallery").screenshot(path=artifacts / f"picture-blocks-gallery-end-{width}.png")
