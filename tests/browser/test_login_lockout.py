"""Login throttling in a real browser: the lockout page an editor sees, and the site still readable."""

import re

import pytest

from tests.browser.conftest import Watch

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "browser-test-password"


def test_a_locked_out_editor_sees_when_to_try_again_and_can_still_read(
    live_server, chromium, artifacts, settings, seed_story, django_user_model
):
    settings.AXES_ENABLED = True  # off in tests/settings.py; here it runs as the project configures it
    django_user_model.objects.create_superuser("chief", "chief@example.com", PASSWORD)
    # The lockout page is a 429, which Chromium logs like a missing file.
    watch = Watch(chromium, expected=re.compile(r"^Failed to load resource: .* status of 4(04|29) "))
    try:
        page = watch.new_page()
        for n in range(5):
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "chief")
            page.fill("#id_password", f"guess-{n}")
            with page.expect_navigation() as navigation:
                page.click("input[type=submit]")
        assert navigation.value.status == 429
        assert page.locator("h1").inner_text() == "Signing in is paused"
        message = page.locator("#content-main").inner_text()
        # Django's time format: "3:05 p.m.", "3 p.m." on the hour, "noon" and "midnight" (failed once at 11:45).
        until = r"(\d{1,2}(:\d{2})? [ap]\.m\.|noon|midnight)"
        assert re.search(rf"paused until {until} \(15\xa0minutes from now\)", message), message
        page.screenshot(path=artifacts / "admin-locked-out.png", full_page=True)

        # The right password is refused too.
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "chief")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation() as navigation:
            page.click("input[type=submit]")
        assert navigation.value.status == 429

        # Reading is not affected.
        response = page.goto(live_server.url + seed_story.get_absolute_url())
        assert response.status == 200
        assert response.headers["cache-control"] == "public, max-age=60"
        assert seed_story.headline in page.locator("h1").inner_text()
        assert watch.problems == []
    finally:
        watch.close()
