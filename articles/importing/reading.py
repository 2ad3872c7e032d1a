"""Reading import files into :class:`StoryInput` values, checking each line on its own.

Every rule a line can break without looking at the database is checked
here, with the model's own limits (``max_length``, choices, the slug
pattern of the check constraints), so a file the database would refuse is
refused before anything is written, naming the line and the field.
What a line names (section, authors, widgets) is checked against the
database for the whole file at once by :mod:`articles.importing.references`.
"""

import dataclasses
import datetime
import json
import re

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from articles.importing.errors import ImportProblem
from articles.models import Article, Byline
from articles.models.base import SLUG_PATTERN

FIELDS = {
    "headline",
    "standfirst",
    "kicker",
    "section",
    "bylines",
    "tags",
    "published_at",
    "status",
    "slug",
    "caption",
    "lead_image",
    "body",
}
_SLUG = re.compile(SLUG_PATTERN)
_BODY_ITEM = 'not {"paragraph": text}, {"widget": slug}, {"embed": address} or {"image": picture file}'
_ROLES = {role.value for role in Byline.Role}
_STATUSES = {status.value for status in Article.Status}
# Stories readers see or saw have a publication time; without one they would never be listed.
_NEED_TIME = {Article.Status.PUBLISHED.value, Article.Status.UNPUBLISHED.value}


def _max_length(model, name):
    return model._meta.get_field(name).max_length


@dataclasses.dataclass
class Paragraph:
    text: str


@dataclasses.dataclass
class WidgetRef:
    """A widget placed in the body: by slug (``kind``: ``"timeline"``, … when a slug is in several kinds) or title."""

    slug: str = ""
    kind: str = ""
    title: str = ""


@dataclasses.dataclass
class EmbedRef:
    """An embed placed in the body: an address an allow-listed provider recognises (articles.embeds)."""

    url: str
    title: str = ""
    caption: str = ""


@dataclasses.dataclass
class ImageRef:
    """A picture placed in the body (an image block): its file, and this story's own caption and credit."""

    picture: "PictureRef"
    caption: str = ""
    credit: str = ""


@dataclasses.dataclass(frozen=True)
class PictureRef:
    """A picture file a line names (a story's lead image, an author's photo), and its words for the library.

    ``path`` as the line gives it; relative paths are resolved against the
    import's picture folder (:mod:`articles.importing.pictures`).
    """

    path: str
    alt: str = ""
    decorative: bool = False
    caption: str = ""
    credit: str = ""
    copyright: str = ""

    @property
    def described(self):
        return self.decorative or bool(self.alt.strip())


_PICTURE_WORDS = ("alt", "caption", "credit", "copyright")
_PICTURE = 'not a file path or {"path": …, "alt": …, "decorative": …, "caption": …, "credit": …, "copyright": …}'


@dataclasses.dataclass
class StoryInput:
    line: int
    headline: str
    slug: str
    section: str
    status: str
    published_at: datetime.datetime | None
    standfirst: str = ""
    kicker: str = ""
    caption: str = ""
    lead_image: PictureRef | None = None
    bylines: list = dataclasses.field(default_factory=list)  # [(author slug or name, role)]
    # Photos given with a byline: [(author slug or name, PictureRef, field)].
    photos: list = dataclasses.field(default_factory=list)
    tags: list = dataclasses.field(default_factory=list)
    body: list = dataclasses.field(default_factory=list)  # Paragraph | WidgetRef | EmbedRef | ImageRef
    # Fields on another line than the story's first (the source text's byline): {"bylines": 3}.
    field_lines: dict = dataclasses.field(default_factory=dict)
    # What a format knows of the section and authors it names, for creating
    # them (--create-sections, --create-authors) as they were: ninjs gives the
    # section's name and each author's name and kind ({ref: {"name": …, "kind": …}}).
    section_name: str = ""
    author_details: dict = dataclasses.field(default_factory=dict)
    # The format's own name for each field, for problems found later (ninjs: {"section": "subjects"}).
    field_names: dict = dataclasses.field(default_factory=dict)

    def line_of(self, field):
        return next((line for name, line in self.field_lines.items() if field.startswith(name)), self.line)


class _Line:
    """Collects the problems of one line; fields are checked one by one."""

    def __init__(self, number):
        self.number = number
        self.problems = []

    def problem(self, field, message):
        self.problems.append(ImportProblem(self.number, field, message))

    def text(self, data, field, *, required=False, max_length=None):
        value = data.get(field, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(field, "not a string")
            return ""
        if required and not value.strip():
            self.problem(field, "missing")
        elif max_length and len(value) > max_length:
            self.problem(field, f"longer than {max_length} characters ({len(value)})")
        return value


def check_slug(line, slug):
    if len(slug) > _max_length(Article, "slug"):
        line.problem("slug", f"longer than {_max_length(Article, 'slug')} characters")
    elif not _SLUG.match(slug):
        line.problem("slug", f"{slug!r} is not a slug (letters, numbers, hyphens, underscores)")


def parse_time(line, value, status):
    if value in (None, ""):
        if status in _NEED_TIME:
            line.problem("published_at", f"missing (a {status} story needs a publication time)")
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None:
        line.problem("published_at", "not a date")
        return None
    if parsed.tzinfo is None:
        line.problem("published_at", "has no time zone (add Z or +01:00)")
        return None
    return parsed


def story_from_dict(data, number):
    """A :class:`StoryInput` from one decoded JSON line, or ``(None, problems)``."""
    line = _Line(number)
    if not isinstance(data, dict):
        line.problem("line", "not a JSON object")
        return None, line.problems
    for name in sorted(set(data) - FIELDS):
        line.problem(name, "unknown field")
    headline = line.text(data, "headline", required=True, max_length=_max_length(Article, "headline"))
    standfirst = line.text(data, "standfirst")
    kicker = line.text(data, "kicker", max_length=_max_length(Article, "kicker"))
    caption = line.text(data, "caption", max_length=_max_length(Article, "lead_image_caption"))
    section = line.text(data, "section", required=True)
    status = line.text(data, "status") or Article.Status.PUBLISHED.value
    if status not in _STATUSES:
        line.problem("status", f"{status!r} is not one of {', '.join(sorted(_STATUSES))}")
    published_at = parse_time(line, data.get("published_at"), status)
    slug = line.text(data, "slug")
    if not slug and headline.strip():
        slug = slugify(headline)[: _max_length(Article, "slug")].strip("-")
        if not slug:
            line.problem("slug", "missing, and the headline gives none")
    if slug:
        check_slug(line, slug)
    lead_image = picture(line, "lead_image", data.get("lead_image"))
    bylines, photos = _bylines(line, data.get("bylines", []))
    tags = _tags(line, data.get("tags", []))
    body = _body(line, data.get("body", []))
    if line.problems:
        return None, line.problems
    story = StoryInput(
        line=number,
        headline=headline,
        slug=slug,
        section=section,
        status=status,
        published_at=published_at,
        standfirst=standfirst,
        kicker=kicker,
        caption=caption,
        lead_image=lead_image,
        bylines=bylines,
        photos=photos,
        tags=tags,
        body=body,
    )
    return story, []


def picture(line, field, value):
    """A :class:`PictureRef` from a path or an object; ``None`` when the line gives none (or a bad one)."""
    from articles.images.models import Image

    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or set(value) - {"path", *_PICTURE_WORDS, "decorative"}:
        line.problem(field, _PICTURE)
        return None
    path = value.get("path")
    if not isinstance(path, str) or not path.strip():
        line.problem(f"{field}.path", "missing")
        return None
    decorative = value.get("decorative", False)
    if not isinstance(decorative, bool):
        line.problem(f"{field}.decorative", "not true or false")
        return None
    words = {}
    for name in _PICTURE_WORDS:
        text = value.get(name) or ""
        limit = _max_length(Image, name)
        if not isinstance(text, str):
            line.problem(f"{field}.{name}", "not a string")
        elif len(text) > limit:
            line.problem(f"{field}.{name}", f"longer than {limit} characters ({len(text)})")
        words[name] = text if isinstance(text, str) else ""
    return PictureRef(path=path.strip(), decorative=decorative, **words)


def _bylines(line, value):
    if not isinstance(value, list):
        line.problem("bylines", "not a list")
        return [], []
    found, seen, photos = [], set(), []
    for n, item in enumerate(value):
        field = f"bylines[{n}]"
        if isinstance(item, str):
            item = {"author": item}
        if not isinstance(item, dict) or set(item) - {"author", "role", "photo"}:
            line.problem(field, 'not {"author": slug or name, "role": …, "photo": …}')
            continue
        author, role = item.get("author"), item.get("role") or Byline.Role.BY.value
        if not isinstance(author, str) or not author.strip():
            line.problem(f"{field}.author", "missing")
            continue
        if role not in _ROLES:
            line.problem(f"{field}.role", f"{role!r} is not one of {', '.join(sorted(_ROLES))}")
            continue
        if (author, role) in seen:
            # The database allows one credit per author and role (unique_byline_role).
            line.problem(f"{field}.author", f"{author!r} is credited twice as {role!r}")
            continue
        seen.add((author, role))
        found.append((author.strip(), role))
        photo = picture(line, f"{field}.photo", item.get("photo"))
        if photo is not None:
            photos.append((author.strip(), photo, f"{field}.photo"))
    return found, photos


def _tags(line, value):
    from taggit.models import Tag

    limit = _max_length(Tag, "name")
    if not isinstance(value, list):
        line.problem("tags", "not a list")
        return []
    found = []
    for n, name in enumerate(value):
        if not isinstance(name, str) or not name.strip():
            line.problem(f"tags[{n}]", "not a tag name")
        elif len(name.strip()) > limit:
            line.problem(f"tags[{n}]", f"longer than {limit} characters")
        elif name.strip() not in found:  # a story carries a tag once (unique_article_tag)
            found.append(name.strip())
    return found


def _body(line, value):
    if not isinstance(value, list):
        line.problem("body", "not a list")
        return []
    found = []
    for n, item in enumerate(value):
        field = f"body[{n}]"
        if not isinstance(item, dict):
            line.problem(field, _BODY_ITEM)
        elif "paragraph" in item and set(item) == {"paragraph"}:
            text = item["paragraph"]
            if not isinstance(text, str) or not text.strip():
                line.problem(f"{field}.paragraph", "empty or not a string")
            else:
                found.append(Paragraph(text))
        elif "widget" in item and set(item) <= {"widget", "kind"}:
            slug, kind = item["widget"], item.get("kind", "")
            if not isinstance(slug, str) or not _SLUG.match(slug):
                line.problem(f"{field}.widget", f"{slug!r} is not a widget slug")
            elif not isinstance(kind, str):
                line.problem(f"{field}.kind", "not a string")
            else:
                found.append(WidgetRef(slug=slug, kind=kind))
        elif "embed" in item and set(item) <= {"embed", "title", "caption"}:
            embed = _embed(line, field, item)
            if embed is not None:
                found.append(embed)
        elif "image" in item and set(item) <= {"image", "caption", "credit"}:
            image = _image(line, field, item)
            if image is not None:
                found.append(image)
        else:
            line.problem(field, _BODY_ITEM)
    return found


def _embed(line, field, item):
    from articles.embeds import parse
    from articles.models import Embed

    url = item["embed"]
    if not isinstance(url, str) or len(url) > _max_length(Embed, "url"):
        line.problem(f"{field}.embed", "not an address")
        return None
    try:
        parse(url)
    except ValidationError as exc:
        line.problem(f"{field}.embed", exc.messages[0])
        return None
    return EmbedRef(url=url, **_texts(line, field, item, Embed, ("title", "caption")))


def _texts(line, field, item, model, names):
    """``{name: text}`` of a block's optional words (empty when absent), each checked against ``model``'s field."""
    texts = {}
    for name in names:
        value = item.get(name) or ""
        if not isinstance(value, str):
            line.problem(f"{field}.{name}", "not a string")
        elif len(value) > _max_length(model, name):
            line.problem(f"{field}.{name}", f"longer than {_max_length(model, name)} characters ({len(value)})")
        else:
            texts[name] = value
    return texts


def _image(line, field, item):
    """An image block: the picture as a lead image gives it, and this story's words for it."""
    from articles.models import ImageBlock

    ref = picture(line, f"{field}.image", item["image"])
    texts = _texts(line, field, item, ImageBlock, ("caption", "credit"))
    return None if ref is None else ImageRef(picture=ref, **texts)


def read_jsonl(path):
    """Yield ``(line number, StoryInput or None, problems)`` for each non-blank line of a JSON Lines file."""
    with open(path, encoding="utf-8") as file:
        for number, raw in enumerate(file, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except ValueError as error:
                yield number, None, [ImportProblem(number, "line", f"not JSON ({error.msg})")]
                continue
            story, problems = story_from_dict(data, number)
            yield number, story, problems


def read_text(path, *, section, status, published_at, slug="", tags=(), lead_image=None):
    """One story in the source-text format: headline; byline and caption; paragraphs and widget titles.

    Blocks are separated by a blank line. The second block is the byline
    (first line) and the lead image caption (the rest). A block that is
    exactly a widget's title ("Syria war timeline", "Profile | Bashar
    al-Assad") places that widget; every other block is a paragraph, kept
    word for word. ``lead_image`` (a path or ``{"path": …, "alt": …}``, from
    the command line) is the story's picture. Yields one
    ``(line, story or None, problems)``.
    """
    with open(path, encoding="utf-8") as file:
        text = file.read().replace("\r\n", "\n")
    chunks, number = [], 1
    for chunk in text.split("\n\n"):
        if chunk.strip():
            chunks.append((number + len(chunk) - len(chunk.lstrip("\n")), chunk.strip("\n")))
        number += chunk.count("\n") + 2
    line = _Line(1)
    if len(chunks) < 2:
        line.problem("text", "needs a headline, a byline and paragraphs, separated by blank lines")
        return [(1, None, line.problems)]
    (_, headline), (byline_line, byline_block) = chunks[:2]
    byline, _, caption = byline_block.partition("\n")
    data = {
        "headline": headline,
        "section": section,
        "status": status,
        "published_at": published_at,
        "caption": caption.replace("\n", " "),
        "bylines": [{"author": byline.removeprefix("By ").strip()}] if byline.strip() else [],
        "tags": list(tags),
        "body": [],
    }
    if slug:
        data["slug"] = slug
    if lead_image:
        data["lead_image"] = lead_image
    story, problems = story_from_dict(data, 1)
    # The byline and the caption are on the second block's lines, not the headline's.
    problems = [
        ImportProblem(byline_line, p.field, p.message) if p.field.startswith(("bylines", "caption")) else p
        for p in problems
    ]
    if story is not None:
        story.field_lines = {"bylines": byline_line, "caption": byline_line}
        # Which blocks are widget titles is known only from the database (references.py).
        story.body = [WidgetRef(title=chunk) for _, chunk in chunks[2:]]
    return [(1, story, problems)]
