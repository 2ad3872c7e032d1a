"""In a real browser: two editors see each other on a story; typing survives a closed tab (issue 13, items 1 and 3)."""

import re
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError

from articles.editing.autosave import AutosaveDraft
from articles.models import Article
from tests.browser.editing import PASSWORD, sign_in
from tests.quality import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.editing_session]

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def quick_session(settings):
    """Autosave waits a second; presence asks only on load and on focus, when the test says.

    The live server shares one in-memory SQLite connection between its
    threads, so two requests at once can trip over each other there (never
    on a real database): the tests let the pages' requests happen one at a time.
    """
    settings.ARTICLES_PRESENCE_INTERVAL = 600
    settings.ARTICLES_AUTOSAVE_DELAY = 1


def focus(page):
    """The editor comes back to the window: the page asks who is there at once."""
    page.evaluate("window.dispatchEvent(new Event('focus'))")


def test_two_editors_see_each_other_and_the_save_meanwhile(
    live_server, watch, artifacts, django_user_model, quick_session
):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("jane", "", PASSWORD, first_name="Jane", last_name="Editor")
    django_user_model.objects.create_superuser("sam", "", PASSWORD, first_name="Sam", last_name="Subeditor")
    change = f"/admin/articles/article/{article.pk}/change/"

    sam = watch.new_page()
    sam.set_viewport_size(WIDE)
    sign_in(sam, live_server.url, "sam", change, ready="#article_form")
    other = type(watch)(watch.context.browser)  # Jane's browser: a context of her own
    try:
        jane = other.new_page()
        sign_in(jane, live_server.url, "jane", change, ready="#article_form")

        jane.locator(".editing-session-presence .also-editing").wait_for()
        focus(sam)
        notice = sam.locator(".editing-session-presence .also-editing")
        notice.wait_for()
        assert notice.inner_text() == "Jane Editor is also editing this story."
        assert jane.locator(".editing-session-presence .also-editing").inner_text() == (
            "Sam Subeditor is also editing this story."
        )
        sam.screenshot(path=artifacts / "admin-presence-also-editing.png")

        jane.fill("#id_headline", "Jane's headline")
        jane.click("input[name=_save]")
        jane.wait_for_selector(".messagelist .success")
        sam.wait_for_timeout(300)  # her page's goodbye is on its way

        focus(sam)
        saved = sam.locator(".editing-session-presence .saved-meanwhile")
        saved.wait_for()
        assert saved.inner_text().startswith("Jane Editor saved this story at ")
        assert saved.inner_text().endswith("reload to see the changes.")
        assert sam.locator(".editing-session-presence .also-editing").count() == 0  # she has left the form
        sam.screenshot(path=artifacts / "admin-presence-saved-meanwhile.png")

        # Sam ignores the notice: his save is refused, Jane's stands.
        assert other.problems == []
        other.close()
        sam.wait_for_timeout(300)  # Jane's page says goodbye
        sam.fill("#id_headline", "Sam's headline")
        sam.click("input[name=_save]")
        refusal = sam.locator(".errorlist.nonfield")
        refusal.wait_for()
        assert "Jane Editor saved this story at" in refusal.inner_text()
    finally:
        other.close()

    article.refresh_from_db()
    assert article.headline == "Jane's headline"
    assert watch.problems == []


def test_typing_survives_a_closed_tab(live_server, watch, artifacts, django_user_model, quick_session):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("sam", "", PASSWORD)
    change = f"/admin/articles/article/{article.pk}/change/"

    tab = watch.new_page()
    tab.set_viewport_size(WIDE)
    sign_in(tab, live_server.url, "sam", change, ready="#article_form")
    tab.fill("#id_headline", "A headline typed before the tab closed")
    status = tab.locator(".editing-session-status")
    status.get_by_text("Draft saved").wait_for()
    tab.screenshot(path=artifacts / "admin-autosave-draft-saved.png")
    assert AutosaveDraft.objects.filter(article=article).exists()

    # More typing, and the tab is closed before the next autosave: the page's
    # farewell beacon carries it.
    paragraph = tab.locator(".ProseMirror p", has_text="Mr Tillerson also said Russia had an obligation")
    paragraph.click()
    tab.keyboard.press("End")
    tab.keyboard.type(" Typed just before closing.")
    tab.close(run_before_unload=True)
    for _attempt in range(50):  # the beacon is on its way while the tab goes
        try:
            if "Typed just before closing." in str(AutosaveDraft.objects.get(article=article).data):
                break
        except OperationalError:
            # SQLite: the live server's thread shares this in-memory database
            # and is writing the beacon's draft ("database table is locked").
            pass
        time.sleep(0.1)

    reopened = watch.new_page()
    reopened.set_viewport_size(WIDE)
    reopened.goto(live_server.url + change)
    offer = reopened.locator(".editing-session-offer")
    offer.wait_for()
    assert "Recover your unsaved changes from" in offer.inner_text()
    assert "Headline" in offer.locator(".editing-session-changes").inner_text()
    assert "Text “Mr Tillerson also said" in offer.locator(".editing-session-changes").inner_text()
    reopened.screenshot(path=artifacts / "admin-autosave-recovery-offer.png")
    # The admin's own pages are Django's; what this feature adds must pass axe.
    assert [line for line in axe_violations(reopened) if "editing-session" in line] == []

    reopened.click(".editing-session-recover")
    reopened.locator(".editing-session-recovered").wait_for()
    assert reopened.input_value("#id_headline") == "A headline typed before the tab closed"
    assert "Typed just before closing." in "".join(reopened.locator(".ProseMirror").all_inner_texts())
    reopened.screenshot(path=artifacts / "admin-autosave-recovered.png")
    article.refresh_from_db()
    assert article.headline != "A headline typed before the tab closed"  # nothing saved yet

    reopened.click("input[name=_save]")
    reopened.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert article.headline == "A headline typed before the tab closed"
    assert article.articles_richtext_set.filter(text__contains="Typed just before closing.").exists()
    assert not AutosaveDraft.objects.exists()
    assert watch.problems == []


def test_an_autosave_that_fails_is_said_and_the_save_still_works(
    live_server, watch, artifacts, django_user_model, quick_session
):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("sam", "", PASSWORD)
    change = f"/admin/articles/article/{article.pk}/change/"
    page = watch.new_page()
    page.set_viewport_size(WIDE)
    sign_in(page, live_server.url, "sam", change, ready="#article_form")
    # The autosave endpoint is unreachable (a network failure on the way).
    page.route("**/autosave/", lambda route: route.abort("connectionreset"))
    watch.expected = re.compile(r"^Failed to load resource")

    page.fill("#id_headline", "Typed while the connection is down")
    status = page.locator(".editing-session-status.is-error")
    status.wait_for()
    assert status.inner_text() == "Draft not saved: no connection. Trying again…"
    page.screenshot(path=artifacts / "admin-autosave-offline.png")

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert article.headline == "Typed while the connection is down"
    assert not AutosaveDraft.objects.exists()
    assert watch.problems == []
