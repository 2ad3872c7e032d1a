"""``{% writing_aids_config as config %}``: the story form's writing aids' settings, for ``json_script``."""

from django import template

from articles.conf import settings

register = template.Library()


@register.simple_tag
def writing_aids_config():
    """Recommended lengths and reading speed (``ARTICLES_WRITING_LIMITS``, ``ARTICLES_READING_WORDS_PER_MINUTE``)."""
    return {"limits": dict(settings.WRITING_LIMITS), "wordsPerMinute": settings.READING_WORDS_PER_MINUTE}
