"""Path converters for reader addresses."""


class NameSlugConverter:
    """A section, tag or author slug: any text without "/" or NUL.

    Wider than Django's ``slug`` because taggit makes Unicode tag slugs, and
    a link that cannot be reversed would turn a story page into a 500.
    No slug holds a NUL, and PostgreSQL refuses to even compare one, so an
    address with a NUL (``%00``) does not match and is a plain 404.
    """

    regex = "[^/\x00]+"
    # The same rule for a database lookup (``slug__regex``): PostgreSQL's and
    # Python's regular expressions both read the escape \x00 as NUL.
    db_regex = r"\A[^/\x00]+\Z"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
