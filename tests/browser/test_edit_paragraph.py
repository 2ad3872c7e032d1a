"""The foundation's promise: an editor changes a paragraph and readers see it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_changes_a_paragraph_in_the_admin(live_server, page, artifacts, django_user_model):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    django_user_model.objects.create_superuser("editor", "", "browser-test-password")
    article = Article.objects.get()

    page.goto(f"{live_server.url}/admin/login/?next=/admin/articles/article/{article.pk}/change/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "browser-test-password")
    page.click("input[type=submit]")
    paragraph = page.locator(".ProseMirror p", has_text="Mr Tillerson also said Russia had an obligation")
    paragraph.click()
    page.keyboard.press("End")
    page.keyboard.type(" Moscow did not respond.")
    # the editor has taken the keystrokes before we save
    expect(paragraph).to_contain_text("Moscow did not respond.")
    page.screenshot(path=artifacts / "admin-edit-paragraph.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    page.goto(live_server.url + article.get_absolute_url())
    body = page.locator(".story__body")
    assert "by Mr Assad's government. Moscow did not respond." in body.inner_text()
    page.screenshot(path=artifacts / "article-after-edit.png", full_page=True)
    # reader page at phone width
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=artifacts / "article-360.png", full_page=True)
