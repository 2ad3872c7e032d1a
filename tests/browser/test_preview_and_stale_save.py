"""In a real browser: share a draft's preview and revoke it; a stale save is refused and keeps what was typed."""

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.browser.editing import PASSWORD, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_shares_a_preview_of_a_draft(live_server, page, chromium, artifacts, django_user_model):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    Article.objects.update(status=Article.Status.DRAFT)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("editor", "", PASSWORD)

    sign_in(page, live_server.url, "editor", f"/admin/articles/article/{article.pk}/change/")
    page.click("text=Share preview")
    link = page.locator(".messagelist .shared-preview-link").inner_text()
    page.screenshot(path=artifacts / "admin-share-preview.png", full_page=True)

    # Someone without an account opens the link in a browser of their own.
    stranger = chromium.new_context()
    try:
        preview = stranger.new_page()
        response = preview.goto(link)
        assert response.status == 200
        assert response.headers["x-robots-tag"] == "noindex"
        assert article.headline in preview.locator("h1").inner_text()
        assert "Syria war timeline" in preview.locator(".story__body").inner_text()
        preview.screenshot(path=artifacts / "shared-preview.png", full_page=True)
        # Readers still cannot see the draft.
        assert preview.goto(live_server.url + article.get_absolute_url()).status == 404

        # The editor changes their mind: one click, and the link is dead.
        page.click("text=Revoke preview links")
        assert "no longer open this story" in page.locator(".messagelist .success").inner_text()
        page.screenshot(path=artifacts / "admin-revoke-preview-links.png", full_page=True)
        assert preview.goto(link).status == 404
    finally:
        stranger.close()


def test_second_of_two_editors_is_refused_and_keeps_their_typing(
    live_server, page, chromium, artifacts, django_user_model
):
    call_command("loaddata", "syria-no-fly-zones", verbosity=0)
    article = Article.objects.get()
    django_user_model.objects.create_superuser("jane", "", PASSWORD, first_name="Jane", last_name="Editor")
    django_user_model.objects.create_superuser("sam", "", PASSWORD)
    change = f"/admin/articles/article/{article.pk}/change/"

    other_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        jane = other_context.new_page()
        sign_in(jane, live_server.url, "jane", change)
        sign_in(page, live_server.url, "sam", change)

        jane.fill("#id_headline", "Jane's headline")
        jane.click("input[name=_save]")
        jane.wait_for_selector(".messagelist .success")

        paragraph = page.locator(".ProseMirror p", has_text="Mr Tillerson also said Russia had an obligation")
        paragraph.click()
        page.keyboard.press("End")
        page.keyboard.type(" Sam's late addition.")
        page.click("input[name=_save]")

        refusal = page.locator(".errorlist.nonfield")
        refusal.wait_for()
        assert "Jane Editor saved this story at" in refusal.inner_text()
        # The refused form is the re-rendered form with Sam's typing still in the editor.
        assert "Sam's late addition." in "".join(page.locator(".ProseMirror").all_inner_texts())
        page.screenshot(path=artifacts / "admin-stale-save-refused.png", full_page=True)
    finally:
        other_context.close()

    article.refresh_from_db()
    assert article.headline == "Jane's headline"
    assert not article.articles_richtext_set.filter(text__contains="Sam's late addition").exists()
