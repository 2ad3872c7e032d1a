"""``{% picture %}``: a library image as ``<picture>`` with WebP and srcset.

Only URLs are computed here (``articles.images.renditions.sources``): the
renditions were made when the image was saved.
"""

from django import template

from articles.delivery import keys
from articles.images.renditions import sources

register = template.Library()


@register.inclusion_tag("articles/images/picture.html")
def picture(image, sizes, kind="natural", alt=None, lead=False, css_class="", decorative=False):
    """``image`` at the widths of ``kind`` ("natural", or a crop: "card", "headshot").

    ``sizes`` tells the browser how wide the picture is laid out, so a phone
    downloads a phone-sized file. ``lead``: the page's main picture, fetched
    first and never lazily. ``alt`` overrides the library's description;
    ``decorative``: none at all, where the words beside it say the same (a
    reporter's face next to their name).
    """
    renditions = sources(image, kind) if image is not None else None
    if image is not None:
        # The page shows this picture: a change of its words or its focal
        # point must reach the page (articles.delivery.changes).
        keys.shows(keys.image(image.pk))
    return {
        "image": image,
        "renditions": renditions,
        "sizes": sizes,
        "alt": "" if decorative else image.alt_text if alt is None or alt == "" else alt,
        "lead": lead,
        "css_class": css_class,
    }
