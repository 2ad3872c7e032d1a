"""Who a story credits, and as what, for everything that leaves the site.

Only the "by" role makes an author: the reporters, desks and agencies a
story is by. Additional reporting, photographs, video and graphics are
contributions, and editing is editing; feeds, JSON-LD, Open Graph and the
author meta tag all ask here so that they agree. Everything reads the
prefetched bylines (``with_page_relations()``), so no function costs a query.
"""

from django.utils.text import get_text_list
from django.utils.translation import gettext

from articles.models import Byline

# Roles schema.org calls contributor; editing has a property of its own.
CONTRIBUTING_ROLES = frozenset(
    {Byline.Role.ADDITIONAL_REPORTING, Byline.Role.PHOTOGRAPHS, Byline.Role.VIDEO, Byline.Role.GRAPHICS}
)


def credited(article, roles):
    """The authors of ``article`` holding any of ``roles``, each once, in byline order."""
    found = {}
    for byline in article.bylines.all():
        if byline.role in roles:
            found.setdefault(byline.author.pk, byline.author)
    return list(found.values())


def authors(article):
    """Whom the story is by: the "by" bylines, in order, so the lead reporter comes first."""
    return credited(article, {Byline.Role.BY})


def contributors(article, roles=frozenset(Byline.Role) - {Byline.Role.BY}):
    """Those credited in ``roles`` (by default every role but "by") who are not also its authors.

    A reporter who also took the photographs is credited once, as an author.
    """
    by = {author.pk for author in authors(article)}
    return [author for author in credited(article, roles) if author.pk not in by]


def editors(article):
    return credited(article, {Byline.Role.EDITED})


def credit_line(names):
    """``"Jane Hack and Reuters"``: names joined as the printed byline joins them."""
    return get_text_list([str(name) for name in names], gettext("and"))
