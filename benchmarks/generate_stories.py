"""Fill the database with N realistic stories, for benchmarks and for trying the site at scale.

    DEBUG=1 .venv/bin/python benchmarks/generate_stories.py --count 10000

It writes to the database the project's settings name (``DATABASE_URL``;
``DEBUG=1`` or a ``SECRET_KEY`` is needed as for ``manage.py``), after
``migrate``. A script rather than a management command because it builds
its rows with the test factories (``tests/factories.py``), which are not part
of the installed app. Needs the ``test`` extra (factory-boy, Faker, tqdm).

The shape follows a newsroom's: 1 to 5 bylines from a pool of reporters, desks
and agencies; 3 to 10 tags from a pool; 5 to 15 paragraphs; a timeline in about a
third of the stories and a profile in a fifth, drawn from shared widgets; a
pull quote now and then; six sections; a few drafts and scheduled stories
among the published ones. The pools (sections, authors, tags, widgets) are
built by the factories; stories are written by the import's writer
(``articles.importing.writer``: COPY on PostgreSQL, ``bulk_create`` on
SQLite) in batches of 1,000, one transaction each, indexed for search and
announced per batch (``announce(*story_keys(pks))``), as
``manage.py import_stories`` writes. Text is drawn from a pool of Faker
sentences made once (Faker per story would cost more than writing it).
"""

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

SECTIONS = ["World", "Politics", "Business", "Science", "Culture", "Sport"]


def _pools(fake, rng, run):
    from django.utils.text import slugify
    from taggit.models import Tag

    from articles.models import Author
    from tests import factories

    sections = [factories.SectionFactory(name=name, slug=slugify(name)) for name in SECTIONS]

    kinds = [Author.Kind.PERSON] * 18 + [Author.Kind.DESK, Author.Kind.AGENCY]
    authors = Author.objects.bulk_create(
        factories.AuthorFactory.build(name=fake.name(), slug=f"gen-{run}-author-{n}", kind=rng.choice(kinds))
        for n in range(150)
    )

    names = sorted({fake.word().title() for _ in range(400)} | {fake.country() for _ in range(100)})
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    Tag.objects.bulk_create(
        factories.TagFactory.build(name=name, slug=f"{slugify(name)}-{run}") for name in names if name not in existing
    )
    tags = list(Tag.objects.filter(name__in=names))

    timelines = [factories.TimelineFactory(slug=f"gen-{run}-timeline-{n}") for n in range(30)]
    factories.TimelineEventFactory._meta.model.objects.bulk_create(
        factories.TimelineEventFactory.build(timeline=timeline, title=fake.sentence(nb_words=6))
        for timeline in timelines
        for _ in range(rng.randint(4, 10))
    )
    profiles = [factories.ProfileFactory(slug=f"gen-{run}-profile-{n}") for n in range(30)]
    factories.ProfileFactFactory._meta.model.objects.bulk_create(
        factories.ProfileFactFactory.build(profile=profile, value=fake.sentence())
        for profile in profiles
        for _ in range(rng.randint(3, 6))
    )
    return sections, authors, tags, timelines, profiles


def _texts(fake, rng):
    """Sentences and headlines made by Faker once, drawn at random after: Faker per story costs ~1 ms."""
    sentences = [fake.sentence(nb_words=rng.randint(8, 20)) for _ in range(3000)]
    standfirsts = [fake.sentence(nb_words=rng.randint(15, 30)) for _ in range(1000)]
    words = [fake.word() for _ in range(2000)]
    return sentences, standfirsts, words


def _story(rng, run, n, now, pools, texts):
    """One story of the newsroom's shape, as rows for ``articles.importing.writer``."""
    from articles.importing.writer import PreparedStory, paragraphs_html
    from articles.models import Article, Byline, PullQuote, RichText

    sections, authors, tags, timelines, profiles = pools
    sentences, standfirsts, words = texts
    roll = rng.random()
    published_at = now - datetime.timedelta(seconds=rng.randint(60, 365 * 24 * 3600))
    status = Article.Status.PUBLISHED
    if roll < 0.03:
        status, published_at = Article.Status.DRAFT, None
    elif roll < 0.05:
        published_at = now + datetime.timedelta(seconds=rng.randint(3600, 30 * 24 * 3600))
    headline = " ".join(rng.choice(words) for _ in range(rng.randint(6, 12))).capitalize()
    roles = [role for role in Byline.Role if role != Byline.Role.BY]
    bylines = [
        (author.pk, Byline.Role.BY if position == 0 or rng.random() < 0.6 else rng.choice(roles))
        for position, author in enumerate(rng.sample(authors, rng.randint(1, 5)))
    ]
    bylines = list(dict.fromkeys(bylines))  # one credit per author and role
    length = rng.randint(5, 15)
    paragraphs = [" ".join(rng.sample(sentences, 5)) for _ in range(length)]
    # Widgets and quotes go between paragraphs; paragraphs in a row share a text block, as in the editor.
    inserts = {}
    if rng.random() < 0.35:
        inserts.setdefault(rng.randint(1, length), []).append(("timeline", rng.choice(timelines).pk))
    if rng.random() < 0.2:
        inserts.setdefault(rng.randint(1, length), []).append(("profile", rng.choice(profiles).pk))
    if rng.random() < 0.2:
        inserts.setdefault(rng.randint(1, length), []).append(("quote", rng.choice(sentences)))
    blocks, run_ = [], []
    for number, paragraph in enumerate(paragraphs, start=1):
        run_.append(paragraph)
        if number in inserts:
            blocks.append((RichText, {"text": paragraphs_html(run_)}))
            run_ = []
            for kind, value in inserts[number]:
                if kind == "quote":
                    blocks.append((PullQuote, {"quote": value}))
                else:
                    block = _block_model(kind)
                    blocks.append((block, {"widget_id": value}))
    if run_:
        blocks.append((RichText, {"text": paragraphs_html(run_)}))
    for position, (_, values) in enumerate(blocks, start=1):
        values["ordering"] = position * 10
    return PreparedStory(
        article={
            "headline": headline,
            "slug": f"gen-{run}-{n}",
            "standfirst": rng.choice(standfirsts),
            "section_id": rng.choice(sections).pk,
            "status": status,
            "published_at": published_at,
            "created_at": min(published_at or now, now),
            "updated_at": min(published_at or now, now),
        },
        bylines=bylines,
        tag_ids=[tag.pk for tag in rng.sample(tags, rng.randint(3, 10))],
        blocks=blocks,
    )


def _block_model(kind):
    from articles.models import ProfileBlock, TimelineBlock

    return {"timeline": TimelineBlock, "profile": ProfileBlock}[kind]


def generate(count=10_000, *, seed=None, batch_size=1000, progress=True, index=True, using="default"):
    """Create ``count`` stories (with their bylines, tags, bodies and widgets); return their ids.

    Written by ``articles.importing.writer`` (COPY on PostgreSQL,
    ``bulk_create`` elsewhere), one transaction per batch; each batch is
    indexed for search (unless ``index=False``) and its keys announced once,
    after its commit, as ``manage.py import_stories`` does.
    """
    from django.db import transaction
    from faker import Faker
    from tqdm import tqdm

    from articles.conf import settings
    from articles.delivery import story_render
    from articles.importing.run import Announcer
    from articles.importing.writer import StoryWriter

    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    run = uuid.uuid4().hex[:6]
    # Whole seconds, like every time a reader or a feed sees.
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    writer, announcer = StoryWriter(using), Announcer(using)
    pks = []
    with transaction.atomic(using=using):
        pools = _pools(fake, rng, run)
    texts = _texts(fake, rng)
    rendering = story_render.render_at_save(settings.IMPORT_RENDER_AT_SAVE)
    with rendering, tqdm(total=count, unit="story", disable=not progress) as bar:
        for start in range(0, count, batch_size):
            size = min(batch_size, count - start)
            stories = [_story(rng, run, start + n, now, pools, texts) for n in range(size)]
            with transaction.atomic(using=using):  # one commit (one fsync) per batch, not per table
                written = writer.write(stories, index=index)
                # Bulk writes send no signal: say which lists changed (as import_stories does).
                announcer.batch(stories)
            pks += written
            bar.update(size)
        announcer.finish()
    return pks


def setup_django():
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="how many stories (default 10,000)")
    parser.add_argument("--seed", type=int, default=None, help="a random seed, for the same stories every time")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--no-index", action="store_true", help="skip search documents (rebuild_search_index later)")
    args = parser.parse_args(argv)
    setup_django()
    started = time.monotonic()
    count = len(generate(args.count, seed=args.seed, batch_size=args.batch_size, index=not args.no_index))
    seconds = time.monotonic() - started
    print(f"{count} stories in {seconds:.1f} s: {count / seconds:.0f} stories/s")


if __name__ == "__main__":
    main()
