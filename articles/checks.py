from django.contrib.admin import ModelAdmin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from articles import widgets


@checks.register()
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


@checks.register()
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
