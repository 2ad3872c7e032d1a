"""In a real browser: edit a story twice, compare the two revisions from its history, restore the older one."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article, RichText
from tests.browser.editing import PASSWORD, sign_in
from tests.quality import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_compares_two_revisions_and_restores_the_older(live_server, watch, artifacts, django_user_model):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("jane", "", PASSWORD, first_name="Jane", last_name="Editor")
    change = f"/admin/articles/article/{article.pk}/change/"
    page = watch.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "jane", change)

    # First save: a new headline.
    page.fill("#id_headline", "US would consider working with Russia on Syria no-fly zones")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    # Second save: a sentence added to a paragraph and a new standfirst.
    paragraph = page.locator(".ProseMirror p", has_text="Mr Tillerson also said Russia had an obligation")
    paragraph.click()
    page.keyboard.press("End")
    page.keyboard.type(" Moscow did not reply.")
    page.fill("#id_standfirst", "Tillerson sets out terms before the Hamburg meeting.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    page.click("text=History")
    # count() does not wait: the click may return before the history page has loaded (failed once in CI).
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/history/")
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(2)
    # Full dates, not just "12:32 p.m.".
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}, \d\d:\d\d \w+", rows.first.locator("th").inner_text())
    page.click("text=Compare the selected revisions")

    page.wait_for_selector(".compare-sides")
    assert page.locator(".compare-side__who").first.inner_text().startswith("Saved by Jane Editor on ")
    body = page.locator("#compare-body").locator("xpath=..")
    assert body.locator("ins", has_text="Moscow did not reply").count() == 1
    assert page.locator(".compare-field--standfirst ins").count() >= 1
    assert page.locator(".compare-field--headline").count() == 0  # the same in both revisions
    page.screenshot(path=artifacts / "admin-compare-revisions.png")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "admin-compare-revisions-full.png", full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=artifacts / "admin-compare-revisions-dark.png")
    assert axe_violations(page) == []
    page.emulate_media(color_scheme="light")

    # Restore the older side: the existing restore form, then a save.
    page.locator(".compare-side--older").get_by_text("Restore this revision").click()
    page.wait_for_selector(".restore-summary")
    page.click("input[name=_save]")
    message = page.locator(".messagelist .success").inner_text()
    assert "Restored the revision saved on" in message

    article.refresh_from_db()
    assert article.headline == "US would consider working with Russia on Syria no-fly zones"
    assert article.standfirst != "Tillerson sets out terms before the Hamburg meeting."
    assert not RichText.objects.filter(parent=article, text__contains="Moscow did not reply").exists()
    assert article.status == Article.Status.PUBLISHED

    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
    page.screenshot(path=artifacts / "admin-history-full-dates.png")
    assert page.locator("#change-history tbody tr").count() == 3
    assert axe_violations(page) == []
    assert watch.problems == []
