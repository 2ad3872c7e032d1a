"""The Content-Security-Policy in a real browser: sent, enforced, and nothing on our pages blocked.

Every page opened here is watched twice over: a ``securitypolicyviolation``
listener, installed before any of the page's own code runs, reports each
blocked load or inline script/style to the console, and every console error
and uncaught script error is collected. Reader pages of every type and the
admin's story add and change forms, with the block editor, the prose
editor, the sortable bylines and both autocompletes in use, must leave the
list empty. ``test_a_violation_is_caught`` shows the watch does see one.
"""

import pytest
from django.conf import settings

from articles.models import Article
from articles.preview import shared_preview_url
from tests import factories
from tests.browser.editing import add_block, choose
from tests.quality import generated_story, reader_url

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "browser-test-password"


def policy(response):
    """The enforced policy of a browser response, as {directive: [sources]}; fails if there is none.

    ``response`` is a page's navigation response or, for a page that opened
    by itself (a popup), the response of fetching its address again with the
    context's cookies (``page.request.get(page.url)``).
    """
    headers = response.all_headers() if hasattr(response, "all_headers") else response.headers
    assert "content-security-policy-report-only" not in headers
    header = headers["content-security-policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_reader_policy(response, *, embed=False):
    """The strict reader policy; a page showing an embed may also run the embed script and frame the players."""
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    if embed:
        assert [source.rsplit("/", 1)[-1].split(".")[0] for source in directives["script-src"]] == ["embeds"]
        assert "https://www.youtube-nocookie.com" in directives["frame-src"]
    else:
        assert "script-src" not in directives and "frame-src" not in directives
    assert directives["style-src"] == ["'self'"]


def sign_in(page, base_url, username, next_url):
    response = page.goto(f"{base_url}/admin/login/?next={next_url}")
    assert policy(response)["script-src"] == ["'self'"]
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_reader_pages_carry_the_policy_and_nothing_is_blocked(live_server, watch, artifacts, seed_story):
    story = generated_story()
    story.lead_image = factories.ImageFactory(alt="Smoke over the city")
    story.save()
    draft = factories.ArticleFactory(draft=True, headline="Draft: budget talks collapse")
    page = watch.new_page()
    # The live server does not serve MEDIA_URL (only DEBUG's urls do): hand
    # the browser the uploaded file, so the picture is really shown. The
    # policy is checked before the request is made, so this proves nothing
    # away; it only spares us a broken image.
    page.route(
        f"{live_server.url}{settings.MEDIA_URL}**",
        lambda route: route.fulfill(path=settings.MEDIA_ROOT / route.request.url.split(settings.MEDIA_URL, 1)[1]),
    )
    pages = {
        "home": reader_url("home"),
        "story": seed_story.get_absolute_url(),
        "story-generated": story.get_absolute_url(),
        "section": reader_url("section", slug=seed_story.section.slug),
        "tag": reader_url("tag", slug="syria"),
        "author": reader_url("author", slug="our-foreign-staff"),
        "search": reader_url("search") + "?q=Syria",
        "shared-preview": shared_preview_url(draft),
        "not-found": "/no-such-page/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == (404 if name == "not-found" else 200), name
        assert_reader_policy(response, embed=name == "story-generated")
        if name == "story-generated":
            # The embed script was allowed and ran: it shows the button it hides without JavaScript.
            assert page.locator(".embed__load").is_visible()
        # The stylesheet was allowed: the masthead is laid out by newsroom.css.
        assert page.locator(".masthead").evaluate("el => getComputedStyle(el).borderBottomStyle") != "none", name
        page.screenshot(path=artifacts / f"csp-reader-{name}.png")
    # The story page again, from the page cache: the same policy.
    assert_reader_policy(page.goto(live_server.url + seed_story.get_absolute_url()))

    # JSON-LD is data: the policy neither blocks nor reports it, and it parses.
    page.goto(live_server.url + story.get_absolute_url())
    data = page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert data["@type"] == "NewsArticle"
    lead = page.locator(".story__lead img")
    assert lead.get_attribute("src").startswith(settings.MEDIA_URL)
    assert lead.evaluate("img => img.complete && img.naturalWidth") > 0
    assert watch.problems == []


def test_a_violation_is_caught(live_server, watch, seed_story):
    """The watch is not blind: an inline script and a foreign stylesheet on a reader page are reported."""
    page = watch.new_page()
    page.goto(live_server.url + seed_story.get_absolute_url())
    page.evaluate(
        """() => {
        const script = document.createElement("script")
        script.textContent = "document.title = 'injected'"
        document.body.append(script)
        const link = document.createElement("link")
        link.rel = "stylesheet"
        link.href = "https://cdn.example.com/x.css"
        document.head.append(link)
    }"""
    )
    page.wait_for_function("document.readyState === 'complete'")
    page.wait_for_timeout(200)  # violation events are queued as tasks
    assert page.title() != "injected"
    assert any("CSP violation (enforce): script-src-elem refused inline" in p for p in watch.problems), watch.problems
    assert any("style-src-elem refused https://cdn.example.com/x.css" in p for p in watch.problems), watch.problems


def drag_byline_to_top(page, name):
    """Drag a byline row by its handle above the first row, the way an editor does it with the mouse.

    A synthetic drag now and then ends before SortableJS has moved the row;
    that is the test's hand slipping, not the page failing, so it tries again.
    """
    rows = page.locator("#bylines-group tbody tr.has_original")
    for _ in range(3):
        handle = rows.filter(has_text=name).locator("td.original p").bounding_box()
        target = rows.nth(0).locator("td.original p").bounding_box()
        page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
        page.mouse.down()
        page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 2, steps=12)
        page.mouse.up()
        if name in rows.nth(0).inner_text():
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"could not drag {name!r} to the top of the bylines")


def test_admin_story_form_works_under_its_policy(live_server, watch, artifacts, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.com", PASSWORD)
    factories.SectionFactory(name="Politics", slug="politics")
    factories.AuthorFactory(name="Jane Reporter", slug="jane-reporter")
    factories.TagFactory(name="Budget", slug="budget")
    page = watch.new_page()
    sign_in(page, live_server.url, "chief", "/admin/articles/article/add/")
    page.wait_for_selector("#id_headline")
    response = page.reload()
    # Scripts from this site, and the editors' import map by its nonce: no inline script, no eval.
    script_src = policy(response)["script-src"]
    assert script_src[0] == "'self'" and len(script_src) == 2 and script_src[1].startswith("'nonce-")

    page.fill("#id_headline", "Council passes budget by one vote")
    page.press("#id_headline", "End")  # the admin's prepopulate script fills the slug
    assert page.input_value("#id_slug") == "council-passes-budget-by-one-vote"
    choose(page, "id_section", "Politics")
    page.click("#id_tags + .select2 .select2-selection")
    page.keyboard.type("Budg")
    page.wait_for_selector(".select2-results__option--highlighted:text-is('Budget')")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.click("#calendarlink0")  # the admin's date and time pickers
    page.click(".calendarbox:visible .calendar-shortcuts a")  # "Today"
    page.click("#clocklink0")
    page.click(".clockbox:visible a:text-is('Now')")
    assert page.input_value("#id_published_at_0") and page.input_value("#id_published_at_1")
    page.click("#bylines-group .add-row a")
    choose(page, "id_bylines-0-author", "Jane Reporter")
    page.click("#bylines-group .add-row a")
    with page.expect_popup() as popup_info:  # a new desk author, made in the admin's popup
        page.click("#add_id_bylines-1-author")
    popup = popup_info.value
    popup.wait_for_load_state()
    assert policy(popup.request.get(popup.url))["script-src"][0] == "'self'"
    popup.fill("#id_name", "Our Political Staff")
    popup.select_option("#id_kind", "desk")
    with popup.expect_event("close"):
        popup.click("input[name=_save]")
    add_block(page, "Text")
    page.locator("#articles_richtext_set-0 .ProseMirror[contenteditable=true]").click()
    page.keyboard.type("The budget passed ")
    page.keyboard.press("Control+b")
    page.keyboard.type("by a single vote")
    page.screenshot(path=artifacts / "csp-admin-add.png", full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    article = Article.objects.get(slug="council-passes-budget-by-one-vote")
    assert [b.author.name for b in article.bylines.order_by("position")] == ["Jane Reporter", "Our Political Staff"]
    assert "<strong>by a single vote</strong>" in article.articles_richtext_set.get().text
    assert list(article.tags.names()) == ["Budget"]

    # The change form: drag the second byline above the first (admin-sortable2).
    drag_byline_to_top(page, "Our Political Staff")
    # The block editor: the stored paragraph is back in the prose editor, and a new block goes in.
    assert "by a single vote" in page.locator("#articles_richtext_set-0 .ProseMirror strong").inner_text()
    add_block(page, "Text")
    page.locator("#articles_richtext_set-1 .ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Opposition members walked out.")
    page.screenshot(path=artifacts / "csp-admin-change.png", full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert [b.author.name for b in article.bylines.order_by("position")] == ["Our Political Staff", "Jane Reporter"]
    assert article.articles_richtext_set.count() == 2

    # The editor's preview: the reader template under the reader policy.
    with page.expect_popup() as preview_info:
        page.click(".object-tools a.viewsitelink:text-is('Preview')")
    preview = preview_info.value
    preview.set_default_timeout(15_000)
    preview.wait_for_load_state()
    assert_reader_policy(preview.request.get(preview.url))
    assert "Council passes budget by one vote" in preview.locator("article.story").inner_text()
    preview.screenshot(path=artifacts / "csp-admin-preview.png", full_page=True)

    # The story list, with its filters and search.
    page.goto(f"{live_server.url}/admin/articles/article/?q=budget")
    assert page.locator("#result_list tbody tr").count() == 1
    assert watch.problems == []
