import datetime

from django.contrib.admin import ModelAdmin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode

from articles import widgets


@checks.register("articles")
def check_widget_kinds(app_configs, **kwargs):
    """articles.E001: a registered widget kind is missing one of its parts."""
    errors = []
    for kind in widgets.kinds():
        label = kind.key

        def error(msg, hint, label=label, obj=kind.model):
            return checks.Error(f"Widget kind {label!r}: {msg}", hint=hint, obj=obj, id="articles.E001")

        try:
            field = kind.block._meta.get_field("widget")
        except FieldDoesNotExist:
            errors.append(error("its block has no 'widget' field.", "Add widget = ForeignKey(<Widget>, …)."))
        else:
            if field.related_model is not kind.model or field.remote_field.on_delete is not models.PROTECT:
                errors.append(
                    error(
                        "the block's 'widget' must be a ForeignKey to the widget with on_delete=PROTECT.",
                        "A widget placed in a story must not be deleted silently.",
                    )
                )
        if kind.admin is None or not issubclass(kind.admin, ModelAdmin) or not kind.admin.search_fields:
            errors.append(
                error(
                    "it needs a ModelAdmin with search_fields.",
                    "The body editor's widget chooser searches those fields.",
                )
            )
        try:
            get_template(kind.template_name)
        except TemplateDoesNotExist:
            errors.append(
                error(f"template {kind.template_name!r} does not exist.", "Create it or pass template_name.")
            )
        for name in kind.related:
            try:
                kind.model._meta.get_field(name)
            except FieldDoesNotExist:
                errors.append(error(f"related {name!r} is not a relation of the widget.", "Fix 'related'."))
    return errors


@checks.register("articles")
def check_purgers(app_configs, **kwargs):
    """articles.E002: ARTICLES_PURGERS names an edge cache purger that cannot be made."""
    from articles.conf import settings
    from articles.delivery.purging import CONFIGURATION_ERRORS, load_purgers

    try:
        load_purgers(settings.PURGERS)
    except CONFIGURATION_ERRORS as error:
        return [
            checks.Error(
                f"ARTICLES_PURGERS cannot be loaded: {error}",
                hint="Each entry is {'BACKEND': 'dotted.path.Purger', 'OPTIONS': {…}} (README: Edge cache).",
                id="articles.E002",
            )
        ]
    return []


@checks.register("articles")
def check_embed_providers(app_configs, **kwargs):
    """articles.E020: ARTICLES_EMBED_PROVIDERS holds an entry that is not a provider."""
    from django.core.exceptions import ImproperlyConfigured

    from articles import embeds

    embeds.providers.cache_clear()
    try:
        embeds.providers()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="Each entry is a dotted path to an articles.embeds.Provider or a dict with name, pattern "
                "and an https:// embed_url (README: Embeds).",
                id="articles.E020",
            )
        ]
    return []


# -- A host site's configuration (issue 11). Registered under the "articles"
# tag too: `manage.py check --tag articles` runs only these.
#
# Apps the app cannot do without, and what fails without each. Not listed:
# django.contrib.auth and contenttypes (Django refuses to start without them:
# the app's models point at theirs), sessions and messages (the admin's own
# checks, admin.E406/E410, name them), django-csp and django-axes (only the
# demo's middleware and login throttling use them; the app never imports axes,
# and articles.content_security imports csp's code, which needs no app entry),
# django_filters (the app uses its code, none of its templates or strings: the
# search page is the same byte for byte without it, in German too).
REQUIRED_APPS = (
    ("taggit", "articles.E003", "reader pages fail (its Tag model, which stories use, is not loaded)"),
    ("content_editor", "articles.E004", "the story body editor has no scripts (static 404s)"),
    ("django_prose_editor", "articles.E005", "rich-text blocks have no editor (static 404s)"),
    ("feincms3", "articles.E006", "story bodies cannot be rendered (template tags 'feincms3' missing)"),
    ("adminsortable2", "articles.E007", "byline drag-ordering in the admin is dead (static 404s)"),
    ("reversion", "articles.E008", "the admin's story list and history fail (templates missing)"),
    ("django.contrib.sitemaps", "articles.E009", "/sitemap-sections.xml and friends fail (template missing)"),
)
# Apps whose absence leaves the site working, but worse.
ADVISED_APPS = (
    (
        "django.contrib.admin",
        "articles.W001",
        "editors have nowhere to write stories (the app's admin is not loaded)",
    ),
    (
        "django.contrib.staticfiles",
        "articles.W002",
        "`collectstatic` does not gather the app's stylesheets and scripts, so nothing serves them",
    ),
)
CONTEXT_PROCESSOR = "articles.context_processors.publication"
# The blocks the app's pages fill in the site's base template.
BASE_BLOCKS = ("title", "head", "content")


@checks.register("articles")
def check_installed_apps(app_configs, **kwargs):
    """articles.E003 to E009, W001 and W002: an app the articles app needs is not in INSTALLED_APPS."""
    from django.apps import apps

    messages = []
    for needed, kind in ((REQUIRED_APPS, checks.Error), (ADVISED_APPS, checks.Warning)):
        for name, check_id, consequence in needed:
            if not apps.is_installed(name):
                messages.append(
                    kind(
                        f"{name!r} is not in INSTALLED_APPS: {consequence}.",
                        hint=f"Add {name!r} to INSTALLED_APPS (README: Adding `articles` to your own site).",
                        id=check_id,
                    )
                )
    return messages


@checks.register("articles", checks.Tags.templates)
def check_context_processor(app_configs, **kwargs):
    """articles.E010: no Django template engine has the app's context processor."""
    from django.template.backends.django import DjangoTemplates

    django_engines = [engine for engine in engines.all() if isinstance(engine, DjangoTemplates)]
    if any(CONTEXT_PROCESSOR in engine.engine.context_processors for engine in django_engines):
        return []
    return [
        checks.Error(
            f"No DjangoTemplates engine in TEMPLATES has the context processor {CONTEXT_PROCESSOR!r}: "
            "reader pages would have no publication name in their title and masthead.",
            hint=f'Add "{CONTEXT_PROCESSOR}" to TEMPLATES[0]["OPTIONS"]["context_processors"].',
            id="articles.E010",
        )
    ]


@checks.register("articles", checks.Tags.caches)
def check_page_cache(app_configs, **kwargs):
    """articles.E011: ARTICLES_PAGE_CACHE names a cache that CACHES does not have."""
    from django.conf import settings as django_settings

    from articles.conf import settings

    alias = settings.PAGE_CACHE
    if alias is None or not isinstance(alias, str) or alias in django_settings.CACHES:
        return []  # not a string: articles.E014 says so
    return [
        checks.Error(
            f"ARTICLES_PAGE_CACHE is {alias!r}, which is not a cache in CACHES: every reader page would fail.",
            hint=f"Add a {alias!r} entry to CACHES, name one of {sorted(django_settings.CACHES)}, "
            "or set ARTICLES_PAGE_CACHE = None to turn the page cache off.",
            id="articles.E011",
        )
    ]


def _django_engines():
    from django.template.backends.django import DjangoTemplates

    return [engine.engine for engine in engines.all() if isinstance(engine, DjangoTemplates)]


def _outer_blocks(nodelist):
    """The ``{% block %}`` nodes in ``nodelist`` that are not inside another block (inside ifs and fors too)."""
    for node in nodelist:
        if isinstance(node, BlockNode):
            yield node
            continue
        for attribute in node.child_nodelists:
            yield from _outer_blocks(getattr(node, attribute, None) or ())


def _first_found(django_engines, name):
    for engine in django_engines:
        try:
            return engine.get_template(name)
        except TemplateDoesNotExist:
            continue
    raise TemplateDoesNotExist(name)


def rendered_blocks(template):
    """The names of the blocks a page extending ``template`` can fill, following its ``{% extends %}`` chain.

    As Django renders them: the outermost template's blocks, then the blocks
    inside whichever definition of each wins (the one nearest ``template``).
    A block only a child defines, outside its parents' blocks, is never
    shown. ``None`` when the chain ends in an ``{% extends %}`` whose name is
    only known at render time. A missing parent raises TemplateDoesNotExist.
    """
    chain, history = [template], [template.origin]
    while extends := template.nodelist.get_nodes_by_type(ExtendsNode):
        parent = extends[0].parent_name
        if parent.filters or not isinstance(parent.var, str) or len(chain) > 50:
            return None
        # As {% extends %} does: skipping the templates already in the chain
        # lets a template extend another of the same name.
        template, origin = template.engine.find_template(parent.var, skip=history)
        chain.append(template)
        history.append(origin)
    definitions = {}
    for link in chain:
        for block in link.nodelist.get_nodes_by_type(BlockNode):
            definitions.setdefault(block.name, block)
    names, pending = set(), list(_outer_blocks(chain[-1].nodelist))
    while pending:
        block = pending.pop()
        if block.name not in names:
            names.add(block.name)
            pending.extend(_outer_blocks(definitions[block.name].nodelist))
    return names


def base_template_name():
    """``ARTICLES_BASE_TEMPLATE``: the site's template the app's pages put themselves in."""
    from django.conf import settings as django_settings

    from articles.conf import settings

    try:
        return settings.BASE_TEMPLATE
    except AttributeError:
        # Before the setting joined articles.conf, the pages extended "base.html".
        return getattr(django_settings, "ARTICLES_BASE_TEMPLATE", "base.html")


@checks.register("articles", checks.Tags.templates)
def check_base_template(app_configs, **kwargs):
    """articles.E012: the site's base template cannot be loaded; articles.E013: it lacks a block the pages fill."""
    name = base_template_name()
    if not isinstance(name, str):
        return []  # articles.E014 says so
    where = f"ARTICLES_BASE_TEMPLATE ({name!r})"

    def cannot_load(reason):
        return [
            checks.Error(
                f"{where} cannot be loaded: {reason}. Every reader page would fail.",
                hint="Create that template in a folder of TEMPLATES' DIRS (or an app's templates/), "
                "or set ARTICLES_BASE_TEMPLATE to one that exists, e.g. 'articles/site_base.html'.",
                id="articles.E012",
            )
        ]

    django_engines = _django_engines()
    if not django_engines:
        return cannot_load("TEMPLATES has no DjangoTemplates engine")
    try:
        blocks = rendered_blocks(_first_found(django_engines, name))
    except TemplateDoesNotExist as error:
        return cannot_load(f"template {str(error) or name!r} does not exist")
    except TemplateSyntaxError as error:
        return cannot_load(f"template syntax error: {error}")
    except (OSError, UnicodeError) as error:
        return cannot_load(f"{type(error).__name__}: {error}")
    missing = [block for block in BASE_BLOCKS if blocks is not None and block not in blocks]
    if not missing:
        return []
    tags = " ".join(f"{{% block {block} %}}{{% endblock %}}" for block in missing)
    return [
        checks.Error(
            f"{where} does not define the block(s) {', '.join(missing)}, which the app's pages fill: "
            "their title, stylesheet and feed links, or story would be missing.",
            hint=f"Add {tags} to it: title inside <title>, head inside <head>, content inside <body>.",
            id="articles.E013",
        )
    ]


def _count(minimum):
    def valid(value):
        return isinstance(value, int) and not isinstance(value, bool) and value >= minimum

    return valid, "a whole number" + (f" of at least {minimum}" if minimum else " (0 or more)")


def _optional_text(value):
    return value is None or isinstance(value, str)


def _seconds(value):
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() > 0
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _card_prefetch(value):
    """A list of prefetch lookups that name relations of a story (``"tags"``, ``"bylines__author__photo"``)."""
    from django.core.exceptions import FieldDoesNotExist

    from articles.models import Article

    if not isinstance(value, list | tuple):
        return False
    for lookup in value:
        if not isinstance(lookup, str) or not lookup:
            return False
        model = Article
        for part in lookup.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False
            if not field.is_relation or field.related_model is None:
                return False
            model = field.related_model
    return True


# What each ARTICLES_* setting must be; a value of another kind fails the
# pages that read it (a TypeError in a view is a 500). A setting not listed
# here must be of its default's type.
SETTING_KINDS = {
    "PUBLICATION_NAME": (lambda value: isinstance(value, str) and value.strip(), "a non-empty string"),
    "PUBLISHER_LOGO_URL": (lambda value: isinstance(value, str), "a string (empty for no logo)"),
    "PAGINATE_BY": _count(1),
    "FEED_SIZE": _count(1),
    "PUBLICATION_LANGUAGE": (_optional_text, "None or a language code such as 'en'"),
    "RELATED_COUNT": _count(0),
    "PREVIEW_MAX_AGE": (_seconds, "a positive timedelta or a positive number of seconds"),
    "RICHTEXT_EXTENSIONS": (lambda value: isinstance(value, dict), "a dict of prose editor extensions"),
    "READER_MAX_AGE": _count(0),
    "PAGE_CACHE": (_optional_text, "None or a cache alias (a key of CACHES)"),
    "PAGE_CACHE_SECONDS": _count(0),
    "EDGE_MAX_AGE": _count(0),
    "RENDER_AT_SAVE": _count(0),
    "PAGE_CACHE_PROCESS_ENTRIES": _count(0),
    "CACHE_BACKOFF_SECONDS": (
        lambda value: isinstance(value, int | float) and not isinstance(value, bool) and value >= 0,
        "a number of seconds (0 or more)",
    ),
    "CSP_AREAS": (lambda value: value is None or isinstance(value, dict), "None or a dict of area -> policy"),
    "PURGERS": (lambda value: isinstance(value, list | tuple), "a list of purger configurations"),
    "DEPLOY_VERSION": (
        lambda value: value is None or (isinstance(value, str) and value.strip()),
        "None or a non-empty string, e.g. the deployed git commit",
    ),
    "BASE_TEMPLATE": (lambda value: isinstance(value, str) and value.strip(), "a template name"),
    "IMPORT_RENDER_AT_SAVE": _count(0),
    "SEARCH_CONFIG": (_optional_text, "None or a PostgreSQL text search configuration such as 'english'"),
    "SEARCH_RANK_WINDOW": _count(1),
    "SEARCH_SHORTLIST": _count(0),
    "SEARCH_RECENT_STORIES": _count(0),
    "SEARCH_PHRASE_CANDIDATES": _count(1),
    "MAX_PAGES": _count(1),
    "SITEMAP_PART_SIZE": (
        lambda value: _count(1)[0](value) and value <= 50000,
        "a whole number from 1 to 50000 (the sitemaps protocol's limit)",
    ),
    "WRITING_LIMITS": (
        lambda value: isinstance(value, dict) and all(_count(1)[0](limit) for limit in value.values()),
        "a dict of story form field name -> recommended number of characters (1 or more)",
    ),
    "READING_WORDS_PER_MINUTE": _count(1),
    "CARD_PREFETCH": (_card_prefetch, "a list of a story's relations to prefetch, such as ['tags']"),
    "KEPT_CARDS": _count(0),
}


def _kind_of_default(default):
    expected = type(default)
    return (lambda value: isinstance(value, expected)), f"a {expected.__name__}, like its default {default!r}"


@checks.register("articles")
def check_settings(app_configs, **kwargs):
    """articles.E014: an ARTICLES_* setting of the wrong kind; W003: an ARTICLES_* name the app does not know."""
    from django.conf import settings as django_settings

    from articles.conf import DEFAULTS

    messages = []
    for name, default in DEFAULTS.items():
        if not hasattr(django_settings, f"ARTICLES_{name}"):
            continue  # the default, which is right
        value = getattr(django_settings, f"ARTICLES_{name}")
        if name in SETTING_KINDS:
            valid, expected = SETTING_KINDS[name]
        elif default is not None:
            valid, expected = _kind_of_default(default)
        else:
            continue
        if not valid(value):
            messages.append(
                checks.Error(
                    f"ARTICLES_{name} is {value!r}; it must be {expected}.",
                    hint=f"Fix ARTICLES_{name} in your settings, or remove it for the default ({default!r}).",
                    id="articles.E014",
                )
            )
    for setting in sorted(dir(django_settings)):
        name = setting.removeprefix("ARTICLES_")
        if setting.startswith("ARTICLES_") and name not in DEFAULTS and name != "BASE_TEMPLATE":
            messages.append(
                checks.Warning(
                    f"{setting} is not a setting of the articles app, so it changes nothing.",
                    hint="Check its spelling against articles/conf.py, where every ARTICLES_* setting is listed.",
                    id="articles.W003",
                )
            )
    return messages


@checks.register("articles", checks.Tags.database)
def check_search_config(app_configs, databases=None, **kwargs):
    """articles.E021: a PostgreSQL database has no text search configuration of the search's name.

    Every search there would fail, and every story's search document with it
    (``articles.search.search_config``: ``ARTICLES_SEARCH_CONFIG``, else the
    publication's language). A database check: ``migrate`` and
    ``check --database`` run it, plain ``check`` touches no database.
    """
    from django.db import DatabaseError, connections, transaction

    from articles.search import search_config

    config = search_config()
    errors = []
    for alias in databases or ():
        if connections[alias].vendor != "postgresql":
            continue
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT %s::regconfig", [config])
        except DatabaseError as error:
            errors.append(
                checks.Error(
                    f"Database {alias!r} has no text search configuration {config!r}: "
                    f"{(str(error).splitlines() or [type(error).__name__])[0]}",
                    hint="Set ARTICLES_SEARCH_CONFIG to a configuration the database has (psql's \\dF lists "
                    "them), or to None for the publication's language's ('simple' if it has none).",
                    id="articles.E021",
                )
            )
    return errors
