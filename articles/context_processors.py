from articles.conf import settings


def publication(request):
    """The publication's name (``site_name``) and the site base the app's pages extend.

    ``articles_base_template`` is what ``articles/base.html`` extends
    (``ARTICLES_BASE_TEMPLATE``).
    """
    return {"site_name": settings.PUBLICATION_NAME, "articles_base_template": settings.BASE_TEMPLATE}
