"""Full-text search: the search document, its index and the query (issue 10).

The contract other packages rely on (imports, generators, bulk writes):
``index_stories(pks, using=None)`` rebuilds the search documents of those
stories from what is stored (headline, standfirst, body text, tags,
bylines), in bulk, inside the caller's transaction. Being built by the
search work of issue 10, which replaces this module.
"""


def index_stories(pks, using=None):
    """Rebuild the search documents of the stories ``pks`` (not built yet: issue 10)."""
    return 0
