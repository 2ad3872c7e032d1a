"""An editor's saves, made in a process of their own: ``python tests/edge/editor.py ACTION ARGS…``.

tests/test_edge_varnish.py runs it with the app's environment (the same
DATABASE_URL and VARNISH_PURGE_URLS as gunicorn), so each change commits and
purges the way a save in the admin does: through the models, the workflow
rules and whatever runs when a transaction commits. It prints the stories'
paths as JSON.

    setup                         the stories the test starts from (before Varnish runs)
    publish SLUG HEADLINE         a new World story tagged Syria, published now
    headline SLUG HEADLINE        a new headline
    correct SLUG TEXT             a correction under the story
    retag SLUG +ADD -REMOVE…      tags added (+) and removed (-)
    withdraw SLUG                 unpublished: gone from readers
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from articles import workflow  # noqa: E402
from articles.models import Article, Author, Byline, Correction, Section  # noqa: E402


def chief():
    user, _created = get_user_model().objects.get_or_create(
        username="edge-chief", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def new_story(slug, headline, section, author, tags):
    article = Article(slug=slug, headline=headline, standfirst=f"Standfirst of {headline}.", section=section)
    workflow.publish(article, user=chief())
    article.created_by = article.updated_by
    article.save()
    Byline.objects.create(article=article, author=author, position=0)
    article.tags.add(*tags)
    return article


def setup():
    world = Section.objects.get(slug="world")
    sport, _created = Section.objects.get_or_create(slug="sport", defaults={"name": "Sport", "position": 5})
    desk = Author.objects.get(slug="our-foreign-staff")
    sports_desk, _created = Author.objects.get_or_create(
        slug="sports-desk", defaults={"name": "Sports Desk", "kind": "desk"}
    )
    # Shares no section, tag or author with the World stories: edits there
    # must leave its pages in Varnish.
    cup_final = new_story(
        "cup-final-report", "Cup final ends in a penalty shoot-out", sport, sports_desk, ["Football"]
    )
    # Shares the tags Syria and G20 (and the desk) with the seed story.
    aleppo = new_story("aleppo-aid-convoy", "Aid convoy reaches Aleppo", world, desk, ["Syria", "G20"])
    return [Article.objects.get(slug="us-russia-no-fly-zones-syria-tillerson"), cup_final, aleppo]


def publish(slug, headline):
    world = Section.objects.get(slug="world")
    return new_story(slug, headline, world, Author.objects.get(slug="our-foreign-staff"), ["Syria"])


def headline(slug, text):
    article = Article.objects.get(slug=slug)
    article.headline = text
    article.updated_by = chief()
    article.save()
    return article


def correct(slug, text):
    article = Article.objects.get(slug=slug)
    Correction.objects.create(article=article, text=text)
    return article


def retag(slug, *changes):
    article = Article.objects.get(slug=slug)
    article.tags.add(*[change[1:] for change in changes if change.startswith("+")])
    article.tags.remove(*[change[1:] for change in changes if change.startswith("-")])
    return article


def withdraw(slug):
    article = Article.objects.get(slug=slug)
    workflow.unpublish(article, user=chief())
    article.save()
    return article


ACTIONS = {
    "setup": setup,
    "publish": publish,
    "headline": headline,
    "correct": correct,
    "retag": retag,
    "withdraw": withdraw,
}

if __name__ == "__main__":
    action, *args = sys.argv[1:]
    # One transaction per change, as the admin saves a story with its
    # inlines: what runs on commit (the purge) runs once, after it.
    with transaction.atomic():
        changed = ACTIONS[action](*args)
    stories = changed if isinstance(changed, list) else [changed]
    print(
        json.dumps({"path": stories[0].get_absolute_url(), "paths": {s.slug: s.get_absolute_url() for s in stories}})
    )
