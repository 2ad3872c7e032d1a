"""What an editor does in the admin, as the browser tests do it."""

# The password the browser tests give the users they sign in as.
PASSWORD = "browser-test-password"


def sign_in(page, base_url, username, next_url, *, ready=None):
    """Sign in through the admin's login form, going on to ``next_url``.

    ``ready``: a selector to wait for on the page signed in to (its form,
    say), and for its scripts, for a test that acts on it at once.
    """
    page.goto(f"{base_url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    if ready:
        page.wait_for_selector(ready)
        page.wait_for_load_state("load")


def choose(page, select_id, text):
    """Pick ``text`` in a select2 autocomplete (the admin's and our tags box)."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:text-is('{text}')")


def add_block(page, title):
    """Insert a block of the given type at the end of the body."""
    page.locator(".order-machine-insert-target.last").click()
    page.locator(".plugin-buttons .plugin-button", has_text=title).first.click()
