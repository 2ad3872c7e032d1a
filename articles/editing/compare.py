"""Comparing two revisions of a story: what changed, readably.

A revision (``articles.revisions``) holds the story's row, its bylines, body
blocks, tag rows and corrections as stored. :func:`read` turns one into a
:class:`Snapshot` of what an editor recognises — the section's name, not
its id; the text of a paragraph, not its markup; a widget by its title —
and :func:`compare` (a pure function of two snapshots) says what changed:

- every field of the story whose value differs, with a word-by-word diff
  for text;
- the body blocks in order, each one the same, changed, moved, added or
  removed. Blocks are matched by their ``uid`` (a block keeps it through
  edits and moves), so a moved paragraph reads "moved", not "removed" and
  "added" somewhere else;
- bylines (author, role and order), tags, corrections and updates.

Everything here is plain text. Rich text is read as text (tags dropped,
paragraphs kept as lines) and every piece of a diff is escaped before it is
wrapped in ``<ins>``/``<del>``, so nothing an editor typed is rendered as
markup on the compare page.
"""

import dataclasses
import difflib
import re
from collections import defaultdict
from html.parser import HTMLParser

from django.db import models
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.models import Version

from articles import dates, revisions
from articles.models import Article, Byline, Correction, TaggedArticle
from articles.richtext import RichTextField

# The story's own fields a comparison leaves out: who saved when is on each
# side's label already, and a preview key is a secret.
HIDDEN_FIELDS = {"preview_key", "created_at", "created_by", "updated_at", "updated_by"}
# A block's bookkeeping, not what it shows.
BLOCK_BOOKKEEPING = {"id", "parent", "region", "ordering", "uid"}

SAME, CHANGED, MOVED, ADDED, REMOVED = "same", "changed", "moved", "added", "removed"


# --- text ----------------------------------------------------------------------


class _TextOfHTML(HTMLParser):
    """Sanitised rich text as plain text: one line per paragraph, heading or list item."""

    BREAKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "br", "tr", "figcaption"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)

    def text(self):
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


def html_to_text(html):
    parser = _TextOfHTML()
    parser.feed(html or "")
    parser.close()
    return parser.text()


# Words, runs of white space and single punctuation marks: "can't" is three
# tokens, so a changed apostrophe does not mark the whole word.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def _pieces(old, new):
    """``(operation, old text, new text)`` runs of a word-by-word comparison."""
    before, after = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        yield op, "".join(before[i1:i2]), "".join(after[j1:j2])


_SPACED = re.compile(r"(\s*)(.*?)(\s*)\Z", re.DOTALL)


def _marked(op, old, new, side):
    """One run as HTML for ``side`` ("old", "new" or "both").

    White space at the edges of a change stays unmarked ("in Hamburg
    <ins>on Friday</ins>", not "in Hamburg<ins> on Friday</ins>").
    escape() and format_html() escape every piece before the pieces are joined.
    """
    if op == "equal":
        return escape(old)
    old_lead, old_core, old_trail = _SPACED.match(old).groups()
    new_lead, new_core, new_trail = _SPACED.match(new).groups()
    gone = format_html("<del>{}</del>", old_core) if old_core else ""
    came = format_html("<ins>{}</ins>", new_core) if new_core else ""
    if side == "old":
        return escape(old_lead) + gone + escape(old_trail) if old_core else escape(old)
    if side == "new":
        return escape(new_lead) + came + escape(new_trail) if new_core else escape(new)
    return escape(old_lead or new_lead) + gone + came + escape(old_trail or new_trail)


def word_diff(old, new):
    """``old`` → ``new`` as HTML: unchanged text, ``<del>`` what went, ``<ins>`` what came."""
    return mark_safe("".join(_marked(*piece, "both") for piece in _pieces(old, new)))


def word_diff_sides(old, new):
    """``(old with <del>, new with <ins>)``: the same comparison for two columns."""
    pieces = list(_pieces(old, new))
    return tuple(mark_safe("".join(_marked(*piece, side) for piece in pieces)) for side in ("old", "new"))


# --- a revision, as an editor reads it ------------------------------------------


@dataclasses.dataclass(frozen=True)
class Item:
    """One thing in an ordered list of a revision: a block, a byline, a correction."""

    key: object  # what identifies it across revisions
    kind: str  # "text", "timeline", "by"…, for the label
    text: str  # what it shows, as plain text


@dataclasses.dataclass(frozen=True)
class Snapshot:
    fields: dict  # field name -> text
    blocks: tuple  # of Item, in body order
    bylines: tuple  # of Item, in byline order
    tags: frozenset  # names
    corrections: tuple  # of Item, by date


class _Rows:
    """The stored rows of one revision of one story, by model (one query)."""

    def __init__(self, version):
        self.version = version
        self.article = {}
        self.by_model = defaultdict(list)
        pk = version.object_id
        for stored in version.revision.version_set.select_related("content_type"):
            model = stored.content_type.model_class()
            if model is None:  # a model that no longer exists
                continue
            data = stored.field_dict
            if model is Article:
                if stored.object_id == pk:
                    self.article = data
                continue
            parent = _parent_attname(model)
            # A revision made in code may hold other stories' rows too.
            if parent and str(data.get(parent)) == pk:
                self.by_model[model].append((stored.object_id, data))


def _parent_attname(model):
    if model is Byline or model is Correction:
        return "article_id"
    if model is TaggedArticle:
        return "content_object_id"
    if model in revisions.block_models():
        return "parent_id"
    return None


def article_fields():
    """The story's fields a comparison shows, in the model's order."""
    return [
        field
        for field in Article._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in HIDDEN_FIELDS
    ]


def block_fields(model):
    """What a block shows: the thing it points at (widget, picture) first, then its own words."""
    fields = [field for field in model._meta.concrete_fields if field.name not in BLOCK_BOOKKEEPING]
    return sorted(fields, key=lambda field: not field.is_relation)


def _shown_relations(model):
    if model is Article:
        return [field for field in article_fields() if field.is_relation]
    if model is Byline:
        return [Byline._meta.get_field("author")]
    if model is TaggedArticle:
        return [TaggedArticle._meta.get_field("tag")]
    if model is Correction:
        return []
    return [field for field in block_fields(model) if field.is_relation]


def _names(all_rows):
    """``{model: {pk: name}}`` of everything the revisions point at: one query per model, not per row."""
    wanted = defaultdict(set)
    for rows in all_rows:
        tables = [(Article, [(None, rows.article)]), *rows.by_model.items()]
        for model, items in tables:
            for field in _shown_relations(model):
                for _object_id, data in items:
                    if data.get(field.attname) is not None:
                        wanted[field.related_model].add(data[field.attname])
    return {
        model: {obj.pk: str(obj) for obj in model._base_manager.filter(pk__in=pks)} for model, pks in wanted.items()
    }


def _display(field, data, names):
    value = data.get(field.attname)
    if value is None or value == "":
        return ""
    if field.is_relation:
        name = names.get(field.related_model, {}).get(value)
        return name if name is not None else _("(deleted since)")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, RichTextField):
        return html_to_text(value)
    if isinstance(field, models.DateTimeField):
        return dates.dateline(value)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    return str(value)


def _block_item(model, object_id, data, names):
    parts = []
    for i, field in enumerate(block_fields(model)):
        text = _display(field, data, names)
        if text:
            parts.append(text if i == 0 else f"{capfirst(field.verbose_name)}: {text}")
    key = data.get("uid") or (model._meta.label, object_id)
    return Item(key=str(key), kind=str(capfirst(model._meta.verbose_name)), text="\n".join(parts))


def _snapshot(rows, names):
    fields = {field.name: _display(field, rows.article, names) for field in article_fields()}
    blocks = []
    for model in revisions.block_models():
        for object_id, data in rows.by_model.get(model, ()):
            order = (data.get("region") or "", data.get("ordering") or 0, int(object_id))
            blocks.append((order, _block_item(model, object_id, data, names)))
    author = Byline._meta.get_field("author")
    role = Byline._meta.get_field("role")
    bylines, seen = [], defaultdict(int)
    byline_rows = sorted(rows.by_model.get(Byline, ()), key=lambda row: (row[1].get("position", 0), int(row[0])))
    for _object_id, data in byline_rows:
        # One author may hold two roles: the second is another byline, not the same one moved.
        seen[data["author_id"]] += 1
        bylines.append(
            Item(
                key=(data["author_id"], seen[data["author_id"]]),
                kind=_display(role, data, names),
                text=_display(author, data, names),
            )
        )
    tag = TaggedArticle._meta.get_field("tag")
    tags = frozenset(_display(tag, data, names) for _object_id, data in rows.by_model.get(TaggedArticle, ()))
    kind = Correction._meta.get_field("kind")
    corrections = [
        (
            (data["published_at"], int(object_id)),
            Item(
                key=object_id,
                kind=_display(kind, data, names),
                text=f"{dates.dateline(data['published_at'])}: {data['text']}",
            ),
        )
        for object_id, data in rows.by_model.get(Correction, ())
    ]
    return Snapshot(
        fields=fields,
        blocks=tuple(item for _order, item in sorted(blocks, key=lambda pair: pair[0])),
        bylines=tuple(bylines),
        tags=tags,
        corrections=tuple(item for _order, item in sorted(corrections, key=lambda pair: pair[0])),
    )


def read(*versions):
    """Snapshots of the story in each of ``versions`` (``Version`` rows of one Article).

    Queries: one per revision, and one per kind of thing the revisions
    point at (sections, pictures, authors, tags, each widget kind).
    """
    all_rows = [_Rows(version) for version in versions]
    names = _names(all_rows)
    return [_snapshot(rows, names) for rows in all_rows]


# --- the comparison --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    is_text: bool  # compared word by word (not a section, a status, a time…)

    @property
    def sides(self):
        """The older and newer value as HTML, with what went and what came marked for text."""
        if self.is_text:
            return word_diff_sides(self.before, self.after)
        return escape(self.before), escape(self.after)


@dataclasses.dataclass(frozen=True)
class Change:
    """What happened to one item of an ordered list between the two revisions."""

    status: str  # SAME, CHANGED, MOVED, ADDED or REMOVED
    before: Item | None
    after: Item | None
    edited: bool = False  # a moved item whose text changed too

    @property
    def item(self):
        return self.after or self.before

    @property
    def diff(self):
        """The item's text, word by word where it changed; as it was or is where it went or came."""
        if self.before is None:
            return word_diff("", self.after.text)
        if self.after is None:
            return word_diff(self.before.text, "")
        return word_diff(self.before.text, self.after.text)

    @property
    def kind_changed(self):
        return self.before is not None and self.after is not None and self.before.kind != self.after.kind


@dataclasses.dataclass(frozen=True)
class Comparison:
    fields: list
    blocks: list
    bylines: list
    tags_added: list
    tags_removed: list
    tags_kept: list
    corrections: list

    @property
    def body_changed(self):
        return any(change.status != SAME for change in self.blocks)

    @property
    def bylines_changed(self):
        return any(change.status != SAME for change in self.bylines)

    @property
    def corrections_changed(self):
        return any(change.status != SAME for change in self.corrections)

    @property
    def has_changes(self):
        return bool(
            self.fields
            or self.body_changed
            or self.bylines_changed
            or self.tags_added
            or self.tags_removed
            or self.corrections_changed
        )


def compare_items(before, after):
    """Two ordered lists of :class:`Item` as one list of :class:`Change`, in the newer order.

    Removed items are listed where they stood. An item in both lists that
    is not part of their longest common run is "moved".
    """
    old_keys, new_keys = [item.key for item in before], [item.key for item in after]
    old_by_key, new_by_key = dict(zip(old_keys, before, strict=True)), dict(zip(new_keys, after, strict=True))

    def same(a, b):
        return a.text == b.text and a.kind == b.kind

    changes = []
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for a, b in zip(before[i1:i2], after[j1:j2], strict=True):
                changes.append(Change(SAME if same(a, b) else CHANGED, a, b))
            continue
        changes.extend(Change(REMOVED, a, None) for a in before[i1:i2] if a.key not in new_by_key)
        for b in after[j1:j2]:
            a = old_by_key.get(b.key)
            if a is None:
                changes.append(Change(ADDED, None, b))
            else:
                changes.append(Change(MOVED, a, b, edited=not same(a, b)))
    return changes


def compare(older, newer):
    """What going from snapshot ``older`` to ``newer`` changed (a :class:`Comparison`)."""
    text_fields = (models.CharField, models.TextField)
    fields = []
    for field in article_fields():
        before, after = older.fields[field.name], newer.fields[field.name]
        if before == after:
            continue
        is_text = isinstance(field, text_fields) and not field.choices
        fields.append(FieldChange(field.name, str(capfirst(field.verbose_name)), before, after, is_text))
    return Comparison(
        fields=fields,
        blocks=compare_items(older.blocks, newer.blocks),
        bylines=compare_items(older.bylines, newer.bylines),
        tags_added=sorted(newer.tags - older.tags, key=str.lower),
        tags_removed=sorted(older.tags - newer.tags, key=str.lower),
        tags_kept=sorted(older.tags & newer.tags, key=str.lower),
        corrections=compare_items(older.corrections, newer.corrections),
    )


# --- the two sides -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Side:
    """One revision as the compare page labels it: who saved it, when, and why."""

    version: Version

    @property
    def saved_by(self):
        user = self.version.revision.user
        if user is None:
            return _("unknown")
        return user.get_full_name() or user.get_username()

    @property
    def saved_at(self):
        return dates.dateline(self.version.revision.date_created)

    @property
    def comment(self):
        return self.version.revision.get_comment()


def in_order(first, second):
    """The two versions, older first (by when they were saved)."""
    return sorted([first, second], key=lambda version: (version.revision.date_created, version.revision_id))


def compare_versions(first, second):
    """``(older side, newer side, comparison)`` of two versions of one story, in either order."""
    older, newer = in_order(first, second)
    before, after = read(older, newer)
    return Side(older), Side(newer), compare(before, after)
