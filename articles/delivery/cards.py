"""Story cards drawn once and kept by each process, for every list that shows the story again.

A list page (home, section, topic, author, search) shows twenty cards.
Drawing them from their template, with each story's bylines and authors
read for them, was about 9 ms of a reader search's 24 ms of Python at a
million stories, and search pages are never kept whole (each query is its
own page). The same stories' cards recur on every list and every search
that shows them, so each process keeps the markup it drew
(``ARTICLES_KEPT_CARDS`` stories, the least recently shown dropped first)
and uses it while nothing the card shows has changed:

- the keys the card showed while it was drawn (``articles.delivery.keys``:
  the story, its section, its bylined authors, its pictures, whatever the
  card template reported, and ``site``) still have the versions they had,
  read in one query for the whole page;
- the story's row, which the page reads anyway, has the ``updated_at`` the
  card was drawn from.

As for whole pages (``articles.delivery.page_cache``), the versions of a
newly drawn card's keys are read after drawing it, and it is kept only if
none of them changed since the page began (less ``CLOCK_SKEW``): otherwise
it might show what was there before a change whose version it holds.

Cards are kept per heading level and place (the front page's lead, a list's
first card), with or without a search snippet (kept as a placeholder and
filled in per request), and per language, time zone, script prefix and the
fingerprint of templates and settings (``articles.delivery.fingerprint``).
A card is drawn again at least every ``ARTICLES_PAGE_CACHE_SECONDS``, as a
cached page is.

The card template (``articles/includes/story_card.html``) sees ``article``,
``heading_level``, ``card_lead`` and ``card_first``, not the rest of the
page's context (no ``request``, no ``user``), so that one drawing serves
every list and every reader. A site
whose card shows more than the keys above track (its tags, through
``ARTICLES_CARD_PREFETCH``) has its cards drawn every time.
"""

import dataclasses
import datetime
import logging

from django.db import DatabaseError, models
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from articles.conf import settings
from articles.delivery import keys
from articles.delivery.bounded import Bounded
from articles.delivery.fingerprint import fingerprint

logger = logging.getLogger(__name__)

TEMPLATE = "articles/includes/story_card.html"
# Where a card's search snippet goes: no story's text holds control characters.
SNIPPET = mark_safe("\x05articles-snippet\x05")


def keeping():
    """Are cards kept? Not with ``ARTICLES_KEPT_CARDS = 0``, nor when the card shows relations no key tracks."""
    return settings.KEPT_CARDS > 0 and not settings.CARD_PREFETCH


def prefetches():
    """What drawing a card reads beyond the story's row: its bylines with their authors, and the site's extras."""
    from articles.models import Byline

    return [models.Prefetch("bylines", queryset=Byline.objects.select_related("author")), *settings.CARD_PREFETCH]


@dataclasses.dataclass
class Kept:
    """One story's cards as drawn, by variant, and what they were drawn from."""

    keys: tuple
    versions: tuple
    updated_at: datetime.datetime
    drawn_at: datetime.datetime
    drawn: dict  # variant -> markup, SNIPPET where the snippet goes


# The stories' kept cards of this process, the least recently shown out first.
shelf = Bounded("KEPT_CARDS")


def forget():
    """Drop every kept card (tests; a process that changed what cards show by other means)."""
    shelf.clear()


def _layout():
    return (translation.get_language(), timezone.get_current_timezone_name(), get_script_prefix(), fingerprint())


def _own_keys(story):
    """The keys a story's card shows whatever its template: the story, its section, its authors, the site."""
    found = {keys.SITE, keys.article(story.pk)}
    if story.section_id is not None:
        found.add(keys.section(story.section_id))
    if story.lead_image_id is not None:
        found.add(keys.image(story.lead_image_id))
    found.update(keys.author(byline.author_id) for byline in story.bylines.all())
    return found


class Deck:
    """The cards of one list page: the kept ones checked in one query, the others' stories ready to draw.

    ``stories`` is the page's list, read without the bylines when cards are
    kept (:func:`prefetches` reads them for the stories whose cards must be
    drawn); ``started`` is when the request began.
    """

    def __init__(self, stories, started=None):
        from django.db.models import prefetch_related_objects

        self.keeping = keeping()
        self.started = started or timezone.now()
        self.layout = _layout() if self.keeping else None
        self.valid = {}  # pk -> Kept, checked for this page
        self.drawn = {}  # pk -> (keys, {variant: markup}) drawn for this page, to keep
        if not self.keeping:
            keys.shows_stories(stories)
            return
        found = {story.pk: shelf.get((story.pk, self.layout)) for story in stories}
        found = {pk: kept for pk, kept in found.items() if kept is not None}
        if found:
            from articles.delivery.page_cache import read_versions

            versions = read_versions(sorted({key for kept in found.values() for key in kept.keys}))
            # No older than a page in the page cache: a change whose versions
            # were never applied (the saving process died after its commit)
            # is out of every list by then, as it is out of every page.
            oldest = timezone.now() - datetime.timedelta(seconds=settings.PAGE_CACHE_SECONDS)
            for story in stories:
                kept = found.get(story.pk)
                if (
                    kept is not None
                    and kept.drawn_at > oldest
                    and kept.updated_at == story.updated_at
                    and kept.versions == tuple(versions.get(key) for key in kept.keys)
                ):
                    self.valid[story.pk] = kept
                    shelf.touch((story.pk, self.layout))
        to_draw = [story for story in stories if story.pk not in self.valid]
        if to_draw:
            prefetch_related_objects(to_draw, *prefetches())
            keys.shows_stories(to_draw)
        page = keys.current()
        if page is not None:
            for story in stories:
                kept = self.valid.get(story.pk)
                if kept is not None:
                    page.add(*kept.keys)
                    page.moment(story.updated_at)
                    page.moment(story.published_at)

    @classmethod
    def unkept(cls):
        """A deck that draws every card: for a list drawn without one (a site's own view)."""
        deck = cls.__new__(cls)
        deck.keeping, deck.started, deck.layout, deck.valid, deck.drawn = False, None, None, {}, {}
        return deck

    def card(self, context, article, heading_level=None, card_lead=False, card_first=False):
        """The card of ``article`` for this place in the list: kept, or drawn now."""
        snippet = getattr(article, "search_snippet", "") or ""
        variant = (str(heading_level or ""), bool(card_lead), bool(card_first), bool(snippet))
        kept = self.valid.get(article.pk)
        if kept is not None and variant in kept.drawn:
            return self._filled(kept.drawn[variant], snippet)
        values = {"article": article, "heading_level": heading_level, "card_lead": card_lead, "card_first": card_first}
        if not self.keeping:
            return _draw(context, values)
        # Drawn with the placeholder for the snippet, and the keys it shows collected apart.
        collection, token = keys.collecting()
        if snippet:
            article.search_snippet = SNIPPET
        try:
            markup = _draw(context, values)
        finally:
            if snippet:
                article.search_snippet = snippet
            keys.done(token)
        page = keys.current()
        if page is not None:
            page.add(*collection.keys)
            page.expires(collection.expires_at)
            page.moment(collection.latest)
        shown = collection.keys | ({keys.SITE, *kept.keys} if kept is not None else _own_keys(article))
        placed = markup.count(SNIPPET) == (1 if snippet else 0)
        if placed and collection.expires_at is None:
            if kept is not None:
                if shown <= set(kept.keys):
                    kept.drawn[variant] = markup  # the same story's row and keys, another place
            else:
                known, drawn = self.drawn.setdefault(article.pk, (set(), {}))
                known.update(shown)
                drawn[variant] = markup
        return self._filled(markup, snippet)

    @staticmethod
    def _filled(markup, snippet):
        return mark_safe(markup.replace(SNIPPET, snippet)) if snippet else mark_safe(markup)

    def keep(self, stories):
        """Keep the cards drawn for this page whose keys did not change while they were drawn (one query)."""
        if not self.drawn:
            return
        from articles.delivery.page_cache import CLOCK_SKEW, read_versions

        updated = {story.pk: story.updated_at for story in stories}
        every = sorted({key for known, _drawn in self.drawn.values() for key in known})
        try:
            timed = read_versions(every, with_times=True)
        except DatabaseError as error:
            # Keeping is an optimisation: the page is already drawn.
            logger.warning(
                "Could not read the versions of %d story cards (%s); not keeping them.", len(self.drawn), error
            )
            return
        since = self.started - CLOCK_SKEW
        for pk, (known, drawn) in self.drawn.items():
            # A key with no row has never changed.
            if pk not in updated or any(timed[key][1] >= since for key in known if key in timed):
                continue
            ordered = tuple(sorted(known))
            shelf.put(
                (pk, self.layout),
                Kept(
                    keys=ordered,
                    versions=tuple(timed.get(key, (None, None))[0] for key in ordered),
                    updated_at=updated[pk],
                    drawn_at=self.started,
                    drawn=drawn,
                ),
            )
        self.drawn = {}


def _draw(context, values):
    template = context.template.engine.get_template(TEMPLATE)
    markup = template.render(context.new(values))
    return markup if isinstance(markup, SafeString) else str(markup)
