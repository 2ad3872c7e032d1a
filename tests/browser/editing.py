"""What an editor does in the admin, as the browser tests do it."""


def choose(page, select_id, text):
    """Pick ``text`` in a select2 autocomplete (the admin's and our tags box)."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:text-is('{text}')")


def add_block(page, title):
    """Insert a block of the given type at the end of the body."""
    page.locator(".order-machine-insert-target.last").click()
    page.locator(".plugin-buttons .plugin-button", has_text=title).first.click()
