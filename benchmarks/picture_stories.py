"""Add a few published stories with camera-sized lead photos, so reader pages can be measured with pictures.

    DEBUG=1 .venv/bin/python benchmarks/picture_stories.py [--count 4]

It writes to the database the project's settings name (``DATABASE_URL``,
``MEDIA_ROOT``; ``DEBUG=1`` or a ``SECRET_KEY`` is needed as for
``manage.py``), after ``migrate``; ``make bench-lighthouse`` runs it on a
throwaway database before it starts the site (``benchmarks/lighthouse.py``).

Each story goes in as an editor's would and nothing is tuned for the
measurement: the seed story is loaded first if missing (``demo_story``); every
new story is published in the seed story's section with the seed story's
tags (so its topic pages show pictures), newest first (so the home page leads
with one), with its byline and a few paragraphs; its lead photo is a
4000x3000 JPEG at a camera's quality (a street scene drawn by Pillow: sky,
buildings with windows, lens blur and sensor noise, so it is a few MB like a
real one rather than a flat colour of a few KB), saved into the picture
library (``articles.images.models.Image``), which makes its renditions at
save as an upload in the admin does. Run it twice and it adds the next
stories (new slugs); it never changes a story that is there.
"""

import argparse
import datetime
import io
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 4000, 3000
# What a phone or compact camera writes: quality in the 90s, 4:2:0 chroma.
CAMERA_QUALITY = 92
SCENES = [
    ("Evening traffic on the ring road as the curfew lifts", "Crowds return to the old town's streets"),
    ("Aid lorries queue at the border crossing at dawn", "Lorries wait for clearance at the crossing"),
    ("Negotiators leave the talks through a side entrance", "Delegates leave the conference centre"),
    ("Residents clear rubble from a market street", "Shopkeepers reopen after the shelling"),
    ("A checkpoint on the road north of the city", "Soldiers wave cars through the checkpoint"),
    ("Families wait outside a field hospital", "The hospital reopened its doors on Monday"),
]
PARAGRAPHS = [
    "Officials said the ceasefire had largely held overnight, although reports of sporadic fire "
    "reached the capital before dawn.",
    "Diplomats from both sides are expected to meet again later this week to discuss the next stage "
    "of the agreement, which includes the return of displaced families.",
    "Aid agencies welcomed the pause but warned that supplies of food, fuel and medicine remain far "
    "below what the region needs before winter.",
    "Residents described a tense calm. “We hear fewer planes, but nobody believes it yet,” said one "
    "shopkeeper as he swept glass from the pavement.",
    "The agreement leaves open who will monitor the zones, a question both governments have so far "
    "declined to answer in public.",
]


def camera_photo(rng, width=WIDTH, height=HEIGHT, quality=CAMERA_QUALITY):
    """The JPEG bytes of a street scene at a camera's size, structure and noise."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    def blend(top, bottom, share):
        return tuple(round(a + (b - a) * share) for a, b in zip(top, bottom, strict=True))

    def gradient(size, top, bottom):
        column = Image.new("RGB", (1, size[1]))
        column.putdata([blend(top, bottom, y / max(size[1] - 1, 1)) for y in range(size[1])])
        return column.resize(size)

    horizon = int(height * rng.uniform(0.5, 0.62))
    image = Image.new("RGB", (width, height))
    sky = rng.choice(
        [((70, 110, 170), (215, 190, 160)), ((40, 60, 100), (230, 150, 90)), ((150, 170, 190), (225, 225, 220))]
    )
    image.paste(gradient((width, horizon), *sky), (0, 0))
    image.paste(gradient((width, height - horizon), (95, 90, 85), (45, 42, 40)), (0, horizon))
    draw = ImageDraw.Draw(image)
    # Buildings along the street, each with its rows of windows.
    x = -rng.randint(0, 200)
    while x < width:
        wide, tall = rng.randint(180, 520), rng.randint(int(height * 0.15), int(height * 0.45))
        base = int(height * rng.uniform(0.7, 0.78))
        wall = tuple(rng.randint(60, 200) for _ in range(3))
        draw.rectangle([x, horizon - tall, x + wide, base], fill=wall)
        lit = blend(wall, (250, 230, 170), 0.7)
        dark = blend(wall, (20, 25, 35), 0.6)
        for top in range(horizon - tall + 40, base - 90, rng.randint(70, 110)):
            for left in range(x + 25, x + wide - 50, rng.randint(55, 85)):
                draw.rectangle([left, top, left + 30, top + 45], fill=lit if rng.random() < 0.3 else dark)
        x += wide + rng.randint(0, 60)
    # People and cars on the street: blobs of colour at street level.
    for _ in range(rng.randint(60, 120)):
        cx, cy = rng.randint(0, width), rng.randint(int(height * 0.72), height)
        size = rng.randint(20, 160)
        colour = tuple(rng.randint(10, 240) for _ in range(3))
        draw.ellipse([cx - size // 2, cy - size, cx + size // 2, cy], fill=colour)
    # A lens is never perfectly sharp, and a sensor is never silent.
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 9) for _ in range(3)])
    image = ImageChops.add(image, noise, scale=1.0, offset=-128)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def next_slugs(count, taken):
    """``count`` slugs ``picture-story-N`` that are not in ``taken``, numbered on from the highest there."""
    numbers = [int(slug.rsplit("-", 1)[1]) for slug in taken if slug.rsplit("-", 1)[-1].isdigit()]
    start = max(numbers, default=0) + 1
    return [f"picture-story-{n}" for n in range(start, start + count)]


def add_stories(count, rng, out=sys.stdout, size=(WIDTH, HEIGHT)):
    """Add ``count`` published stories with lead photos of ``size``; returns them, newest first."""
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from articles.images.models import Image
    from articles.models import Article, Byline, RichText

    call_command("demo_story", verbosity=0)
    seed = Article.objects.get(slug="us-russia-no-fly-zones-syria-tillerson")
    taken = Article.objects.filter(slug__startswith="picture-story-").values_list("slug", flat=True)
    now = timezone.now()
    added = []
    # Oldest first, so the last added is the newest and leads the home page.
    for n, slug in reversed(list(enumerate(next_slugs(count, taken)))):
        headline, caption = SCENES[n % len(SCENES)]
        photo = camera_photo(rng, *size)
        with transaction.atomic():
            picture = Image(
                file=ContentFile(photo, name=f"{slug}.jpg"),
                alt=f"{caption}.",
                caption=caption,
                credit="Staff photographer",
            )
            picture.full_clean()
            picture.save()  # makes the renditions, as an upload in the admin does
            story = Article(
                headline=headline,
                slug=slug,
                standfirst=rng.choice(PARAGRAPHS),
                section=seed.section,
                status=Article.Status.PUBLISHED,
                published_at=now - datetime.timedelta(minutes=10 * (n + 1)),
                lead_image=picture,
            )
            story.full_clean()
            story.save()
            story.tags.set(seed.tags.all())
            for position, byline in enumerate(seed.bylines.all(), start=1):
                Byline.objects.create(article=story, author=byline.author, role=byline.role, position=position)
            for ordering, text in enumerate(rng.sample(PARAGRAPHS, 4), start=1):
                RichText.objects.create(parent=story, region="body", ordering=ordering * 10, text=f"<p>{text}</p>")
        added.append(story)
        print(
            f"added {story.get_absolute_url()}  lead photo {picture.file.name} "
            f"{picture.file.width}x{picture.file.height}, {len(photo) / 1e6:.1f} MB",
            file=out,
        )
    topics = ", ".join(f"/tag/{tag.slug}/" for tag in seed.tags.all())
    print(
        f"{len(added)} pictured stories in section {seed.section.name!r}, tagged like the seed story ({topics})",
        file=out,
    )
    return added[::-1]


def setup_django():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=4, help="stories to add (default 4)")
    parser.add_argument("--seed", type=int, default=12, help="random seed of the scenes (default 12)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    setup_django()
    add_stories(args.count, random.Random(args.seed))


if __name__ == "__main__":
    main()
