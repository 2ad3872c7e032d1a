from articles.conf import settings


def publication(request):
    """Makes the publication's name available to every template as ``site_name``."""
    return {"site_name": settings.PUBLICATION_NAME}
