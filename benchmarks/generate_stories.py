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
among the published ones. Rows are built by the factories and written with
``bulk_create`` in batches (10,000 stories take about a minute on SQLite);
the content version changes once, at the end (``batched_changes``).
"""

import argparse
import datetime
import os
import random
import sys
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


def _story(fake, rng, run, n, sections, now):
    from articles.models import Article
    from tests import factories

    roll = rng.random()
    published_at = now - datetime.timedelta(seconds=rng.randint(60, 365 * 24 * 3600))
    status = Article.Status.PUBLISHED
    if roll < 0.03:
        status, published_at = Article.Status.DRAFT, None
    elif roll < 0.05:
        published_at = now + datetime.timedelta(seconds=rng.randint(3600, 30 * 24 * 3600))
    headline = fake.sentence(nb_words=rng.randint(6, 12)).rstrip(".")
    return factories.ArticleFactory.build(
        headline=headline,
        slug=f"gen-{run}-{n}",
        standfirst=fake.sentence(nb_words=rng.randint(15, 30)),
        section=rng.choice(sections),
        status=status,
        published_at=published_at,
        created_at=published_at or now,
        updated_at=published_at or now,
    )


def generate(count=10_000, *, seed=None, batch_size=500, progress=True):
    """Create ``count`` stories (with their bylines, tags, bodies and widgets); return how many."""
    from django.db import transaction
    from faker import Faker
    from tqdm import tqdm

    from articles.signals import batched_changes

    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    run = uuid.uuid4().hex[:6]
    # Whole seconds, like every time a reader or a feed sees.
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

    with batched_changes(), tqdm(total=count, unit="story", disable=not progress) as bar:
        pools = _pools(fake, rng, run)
        for start in range(0, count, batch_size):
            size = min(batch_size, count - start)
            with transaction.atomic():  # one commit (one fsync) per batch, not per table
                _batch(fake, rng, run, start, size, now, pools)
            bar.update(size)
    return count


def _batch(fake, rng, run, start, size, now, pools):
    from articles import models
    from articles.delivery.changes import announce, story_keys
    from tests import factories

    sections, authors, tags, timelines, profiles = pools
    roles = [role for role in models.Byline.Role if role != models.Byline.Role.BY]
    stories = models.Article.objects.bulk_create(_story(fake, rng, run, start + n, sections, now) for n in range(size))
    bylines, tagged, paragraphs, quotes, timeline_blocks, profile_blocks = [], [], [], [], [], []
    for story in stories:
        for position, author in enumerate(rng.sample(authors, rng.randint(1, 5))):
            role = models.Byline.Role.BY if position == 0 or rng.random() < 0.6 else rng.choice(roles)
            bylines.append(factories.BylineFactory.build(article=story, author=author, role=role, position=position))
        tagged += [
            factories.TaggedArticleFactory.build(content_object=story, tag=tag)
            for tag in rng.sample(tags, rng.randint(3, 10))
        ]
        length = rng.randint(5, 15)
        paragraphs += [
            factories.RichTextFactory.build(
                parent=story, ordering=(n + 1) * 10, text=f"<p>{fake.paragraph(nb_sentences=5)}</p>"
            )
            for n in range(length)
        ]
        # Widgets and quotes go between paragraphs (orderings 15, 25, …).
        if rng.random() < 0.35:
            timeline_blocks.append(
                factories.TimelineBlockFactory.build(
                    parent=story, widget=rng.choice(timelines), ordering=rng.randint(1, length) * 10 + 5
                )
            )
        if rng.random() < 0.2:
            profile_blocks.append(
                factories.ProfileBlockFactory.build(
                    parent=story, widget=rng.choice(profiles), ordering=rng.randint(1, length) * 10 + 3
                )
            )
        if rng.random() < 0.2:
            quotes.append(
                factories.PullQuoteFactory.build(
                    parent=story, ordering=rng.randint(1, length) * 10 + 7, quote=fake.sentence(nb_words=14)
                )
            )
    for model, rows in (
        (models.Byline, bylines),
        (models.TaggedArticle, tagged),
        (models.RichText, paragraphs),
        (models.PullQuote, quotes),
        (models.TimelineBlock, timeline_blocks),
        (models.ProfileBlock, profile_blocks),
    ):
        model.objects.bulk_create(rows, batch_size=2000)
    # bulk_create() sends no signal: say which stories (and so which lists) changed.
    announce(*story_keys([story.pk for story in stories]))


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
    args = parser.parse_args(argv)
    setup_django()
    generate(args.count, seed=args.seed)


if __name__ == "__main__":
    main()
