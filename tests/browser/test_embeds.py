"""An embed in a real browser: nothing from the provider until the click, then a sandboxed player.

The provider is never contacted: every request to another host is answered
by the test (a stub player page) or refused, and the test checks that the
only one made is the player's, after the click.
"""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.quality import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
STUB = "<!DOCTYPE html><html lang=en><title>stub player</title><p id=stub>Stub player</p></html>"


@pytest.fixture
def story():
    story = factories.ArticleFactory(headline="Talks resume in Geneva")
    factories.RichTextFactory(parent=story, ordering=10, text="<p>The guns fell silent at dawn.</p>")
    factories.EmbedFactory(
        parent=story,
        ordering=20,
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        title="The talks, filmed",
        caption="Negotiators arrive for the second round.",
    )
    factories.RichTextFactory(parent=story, ordering=30, text="<p>Both sides must agree.</p>")
    return story


def _offline_context(chromium, live_server, width, requests):
    """A browser context that reaches only the live server; other hosts get the stub or nothing."""
    context = chromium.new_context(viewport={"width": width, "height": 900})

    def route(route):
        url = route.request.url
        if url.startswith(live_server.url):
            route.continue_()
            return
        requests.append(url)
        if url.startswith(PLAYER):
            route.fulfill(status=200, content_type="text/html", body=STUB)
        else:
            route.abort()

    context.route("**/*", route)
    return context


@pytest.mark.parametrize("width", [360, 1280])
def test_the_button_loads_the_player_in_a_sandbox_and_only_then(live_server, chromium, artifacts, story, width):
    requests = []
    context = _offline_context(chromium, live_server, width, requests)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        assert page.goto(live_server.url + story.get_absolute_url()).status == 200

        button = page.get_by_role("button", name="Load YouTube content")
        expect(button).to_be_visible()  # the script ran (the CSP let it) and showed the button
        assert page.locator("iframe").count() == 0
        assert requests == []  # nothing asked of the provider before the click
        assert page.get_by_role("link", name="View on YouTube").get_attribute("href") == (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )
        violations = axe_violations(page)
        assert not violations, "\n".join(violations)
        page.locator(".embed").scroll_into_view_if_needed()
        page.screenshot(path=artifacts / f"embed-placeholder-{width}.png", full_page=True)

        # A keyboard user: focus the button and press Enter.
        button.focus()
        page.keyboard.press("Enter")

        iframe = page.locator(".embed iframe")
        expect(iframe).to_have_count(1)
        assert iframe.get_attribute("src") == PLAYER
        sandbox = iframe.get_attribute("sandbox").split()
        assert "allow-scripts" in sandbox and "allow-same-origin" not in sandbox
        assert iframe.get_attribute("title") == "The talks, filmed"
        assert iframe.get_attribute("loading") == "lazy"
        assert iframe.get_attribute("referrerpolicy") == "strict-origin-when-cross-origin"
        assert "fullscreen" in iframe.get_attribute("allow")
        expect(page.frame_locator(".embed iframe").locator("#stub")).to_have_text("Stub player")
        assert requests == [PLAYER]
        # The player fills the column at 16:9 (set through the CSSOM: the policy forbids style="").
        box = iframe.bounding_box()
        assert box["width"] > 300 and abs(box["height"] - box["width"] * 9 / 16) < 2
        assert page.evaluate("document.activeElement.tagName") == "IFRAME"
        expect(page.get_by_role("link", name="View on YouTube")).to_be_visible()
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width
        page.screenshot(path=artifacts / f"embed-loaded-{width}.png", full_page=True)
        assert errors == []
    finally:
        context.close()


def test_without_javascript_the_link_is_there_and_no_button(live_server, chromium, story):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + story.get_absolute_url())
        assert not page.locator(".embed__load").is_visible()
        expect(page.get_by_role("link", name="View on YouTube")).to_be_visible()
        assert page.locator("iframe").count() == 0
    finally:
        context.close()


def test_an_editor_adds_an_embed_from_the_block_menu(live_server, page, artifacts, django_user_model):
    from articles.models import Embed
    from tests.browser.editing import add_block

    django_user_model.objects.create_superuser("editor", "", "browser-test-password")
    story = factories.ArticleFactory(headline="Talks resume in Geneva")
    factories.RichTextFactory(parent=story, ordering=10)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/articles/article/{story.pk}/change/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "browser-test-password")
    page.click("input[type=submit]")

    add_block(page, "embed")
    url = page.locator(".inline-related:not(.empty-form) input[name$='-url']").last
    expect(url).to_be_visible()
    url.fill("https://example.com/clip/1")
    page.click("input[name=_save]")
    error = page.locator(".errorlist", has_text="not the address of a post, video or chart from a supported provider")
    expect(error.first).to_be_visible()
    page.screenshot(path=artifacts / "admin-embed-refused.png", full_page=True)
    assert not Embed.objects.exists()

    page.locator(".inline-related:not(.empty-form) input[name$='-url']").last.fill("https://vimeo.com/76979871")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Embed.objects.get(parent=story).url == "https://vimeo.com/76979871"
