"""Which renditions every library image gets, and how pages pick among them.

django-imagefield makes every format below when an image is saved (its
``post_save`` handler, or ``manage.py process_imagefields``). Reading a
rendition's URL computes its name from the image's name, the processors and
the focal point: no file is opened and nothing is processed while a reader
waits, so a page costs no more with ten pictures than with one.
"""

from imagefield.webp import webp

# Widths a browser chooses from (srcset): a 360-px phone at DPR 2 takes 800.
WIDTHS = (400, 800, 1200, 1600)
# Cards and the front page's lead story: one shape, so a row of cards lines up.
CARD_WIDTHS = (400, 800, 1200)
CARD_RATIO = (16, 9)
# A reporter's headshot beside the byline: a small square, sharp at DPR 2 and 4.
HEADSHOT_WIDTHS = (96, 192)
# Crops a page asks for by name ({% picture kind=… %}): (widths, aspect ratio).
CROPS = {"card": (CARD_WIDTHS, CARD_RATIO), "headshot": (HEADSHOT_WIDTHS, (1, 1))}
# What search engines (schema.org ``image``: 16:9, 4:3, 1:1, at least 1200
# px wide) and social cards (og:image, 1200x630) are given.
JSONLD_CROPS = {"jsonld_16x9": (1200, 675), "jsonld_4x3": (1200, 900), "jsonld_1x1": (1200, 1200)}
SHARE_CROP = ("share", (1200, 630))
# Fit the width only: a tall picture keeps its shape.
_ANY_HEIGHT = 100_000


def _formats():
    formats = {"preview": ["default", ("thumbnail", (300, 300))]}
    for width in WIDTHS:
        processors = ["default", ("thumbnail", (width, _ANY_HEIGHT))]
        formats[f"w{width}"] = processors
        formats[f"w{width}_webp"] = webp(processors)
    for kind, (widths, ratio) in CROPS.items():
        for width in widths:
            processors = ["default", ("crop", crop_size(width, ratio))]
            formats[f"{kind}{width}"] = processors
            formats[f"{kind}{width}_webp"] = webp(processors)
    for name, size in (*JSONLD_CROPS.items(), SHARE_CROP):
        formats[name] = ["default", ("crop", size)]
    return formats


def crop_size(width, ratio):
    return (width, width * ratio[1] // ratio[0])


def fitted_size(image, width):
    """The size django-imagefield's ``thumbnail`` gives a ``width`` rendition (never upscaled)."""
    if not image.file_width or not image.file_height:
        return None
    factor = min(1.0, width / image.file_width)
    return int(factor * image.file_width), int(factor * image.file_height)


FORMATS = _formats()


def sources(image, kind):
    """``(srcset, webp_srcset, width, height, fallback_url)`` for ``kind`` ("natural" or one of ``CROPS``).

    Widths a small original cannot fill are given once, at its own size.
    """
    file = image.file
    candidates, webp_candidates, seen = [], [], set()
    size = None
    widths, ratio = (WIDTHS, None) if kind == "natural" else CROPS[kind]
    for width in widths:
        if ratio is None:
            size = fitted_size(image, width)
            if size is None:
                break
            name = f"w{width}"
        else:
            size = crop_size(width, ratio)
            name = f"{kind}{width}"
        if size[0] in seen:
            continue
        seen.add(size[0])
        candidates.append((getattr(file, name), size))
        webp_candidates.append((getattr(file, f"{name}_webp"), size))
    if not candidates:
        return None
    return {
        "srcset": ", ".join(f"{url} {w}w" for url, (w, _h) in candidates),
        "webp_srcset": ", ".join(f"{url} {w}w" for url, (w, _h) in webp_candidates),
        # The smallest rendition that still fills a desktop column: the
        # fallback for browsers without srcset; width/height give the shape.
        "src": candidates[min(1, len(candidates) - 1)][0],
        "width": candidates[-1][1][0],
        "height": candidates[-1][1][1],
    }
