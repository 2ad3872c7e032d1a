"""``{% story_card article %}``: one story's card in a list, kept drawn between pages (``articles.delivery.cards``)."""

from django import template

from articles.delivery.cards import Deck

register = template.Library()


@register.simple_tag(takes_context=True)
def story_card(context, article, card_lead=False, card_first=False):
    """``articles/includes/story_card.html`` for ``article``, with the list's ``heading_level``.

    The page's ``cards`` (a :class:`~articles.delivery.cards.Deck`, from
    ``ListingMixin``) holds the kept cards; a list without one draws each card.
    """
    deck = context.get("cards")
    if deck is None:
        deck = context.render_context.get(Deck)
        if deck is None:
            deck = context.render_context[Deck] = Deck.unkept()
    return deck.card(context, article, context.get("heading_level"), card_lead, card_first)
