"""Reading IPTC ninjs documents (3.x and 2.x) into :class:`~articles.importing.reading.StoryInput` values.

A file holds one document, a JSON array of documents, or documents one
after another (JSON Lines, or pretty-printed one after the other). Each is
mapped to the fields of an import line and checked by
:func:`articles.importing.reading.story_from_dict`, so a ninjs story obeys
every rule a JSON Lines story does; problems name the document's first
line and the ninjs property (``line 3: firstCreated: not a date``).

The mapping is the reverse of ``articles.syndication.ninjs`` (see there):
headline and kicker from ``headlines``, standfirst from ``descriptions``,
slug from ``slugline``, publication time from ``firstCreated``, status
from ``pubStatus``, section and tags from ``subjects``, bylines from
``people`` and ``organisations`` whose ``rel`` is a byline role, in the
order the ``by`` line names them; the lead caption from the
``featuremedia`` association. The body keeps its text: each paragraph,
heading, list item and quoted paragraph of the HTML body becomes a
paragraph; what sits in ``<figure>``, ``<aside>`` and ``<section>`` (pictures,
pull quotes, embeds, widgets) is left out, since a picture's address is not
a file the library can take and a widget is the sending site's object.
"""

import json
import re
from html.parser import HTMLParser

from django.utils.text import slugify

from articles.importing.errors import ImportProblem
from articles.importing.reading import _SLUG, story_from_dict
from articles.models import Article, Author, Byline, Section

ROLES = {
    "author": Byline.Role.BY.value,
    "by": Byline.Role.BY.value,
    **{role.value: role.value for role in Byline.Role},
}
PUB_STATUS = {
    "usable": Article.Status.PUBLISHED.value,
    "canceled": Article.Status.UNPUBLISHED.value,
    "withheld": Article.Status.DRAFT.value,
}
LEAD = "featuremedia"
# Import fields as ninjs calls them (3.1 spelling), for problems.
NINJS_FIELDS = {
    "headline": "headlines",
    "kicker": "headlines",
    "standfirst": "descriptions",
    "caption": "associations",
    "section": "subjects",
    "tags": "subjects",
    "published_at": "firstCreated",
    "status": "pubStatus",
    "slug": "slugline",
    "body": "bodies",
    "line": "document",
}


def _lower_keys(value):
    """3.x's ``firstCreated`` and 2.x's ``firstcreated`` read alike."""
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    return value


# A <br> while whitespace is collapsed: a character no text holds.
_BREAK = "\x00"


class _Text(HTMLParser):
    """Paragraph texts of an HTML body; what is inside ``SKIPPED`` elements is left out."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "dt", "dd", "blockquote", "ul", "ol", "div"}
    SKIPPED = {"figure", "aside", "section", "script", "style", "table", "nav", "template", "iframe", "object"}
    VOID = {"br", "img", "hr", "source", "wbr", "input", "meta", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self.buffer, self.skipping = [], [], 0

    def flush(self):
        # HTML collapses runs of spaces, tabs and newlines; a no-break space is the writer's and stays.
        text = re.sub(r"[ \t\r\n\f]+", " ", "".join(self.buffer))
        text = re.sub(f" ?{_BREAK} ?", "\n", text).strip(" \n")
        if text:
            self.paragraphs.append(text)
        self.buffer = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if tag == "br" and not self.skipping:
                self.buffer.append(_BREAK)
            return
        if tag in self.SKIPPED:
            if not self.skipping:
                self.flush()
            self.skipping += 1
        elif tag in self.BLOCKS and not self.skipping:
            self.flush()

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS and not self.skipping:
            self.flush()

    def handle_data(self, data):
        if not self.skipping:
            self.buffer.append(data)


def paragraphs(html):
    """The paragraph texts of an HTML body, in order (see the module docstring)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.paragraphs


def documents(text):
    """Yield ``(line, document or None, problem or None)`` for each JSON value of ``text``.

    One value, values one after another, or one array of them. Reading
    stops at the first text that is not JSON (where the next document
    starts cannot be known then).
    """
    decoder = json.JSONDecoder()
    position, length = 0, len(text)
    line, counted = 1, 0

    def line_at(at):
        nonlocal line, counted
        line += text.count("\n", counted, at)
        counted = at
        return line

    def skip(at):
        while at < length and text[at] in " \t\r\n\ufeff":
            at += 1
        return at

    position = skip(0)
    in_array = position < length and text[position] == "["
    if in_array:
        position = skip(position + 1)
    while position < length:
        if in_array and text[position] == "]":
            position = skip(position + 1)
            if position < length:
                yield line_at(position), None, ImportProblem(line_at(position), "document", "text after the array")
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield line_at(error.pos), None, ImportProblem(line_at(error.pos), "document", f"not JSON ({error.msg})")
            return
        yield line_at(position), value, None
        position = skip(end)
        if in_array:
            if position < length and text[position] == ",":
                position = skip(position + 1)
            elif position >= length or text[position] != "]":
                at = min(position, length)
                yield line_at(at), None, ImportProblem(line_at(at), "document", "not JSON (expected ',' or ']')")
                return
    if in_array:
        yield line_at(length), None, ImportProblem(line_at(length), "document", "not JSON (the array is not closed)")


class _Document:
    """One ninjs document's properties, each checked for its shape; problems name the ninjs property."""

    def __init__(self, data, number):
        self.data = data
        self.number = number
        self.problems = []

    def problem(self, field, message):
        self.problems.append(ImportProblem(self.number, field, message))

    def objects(self, key, name=None, source=None):
        """The list of objects at ``key`` of the document (or of ``source``); empty when absent."""
        value = (self.data if source is None else source).get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(name or key, "not a list of objects")
            return []
        return value

    def text(self, item, key, field):
        value = item.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(field, "not a string")
            return ""
        return value


def _by_role(items, role, first_without_role=True):
    """The item with ``role``, else (``first_without_role``) the first one without a role."""
    for item in items:
        if item.get("role") == role:
            return item
    if first_without_role:
        return next((item for item in items if not item.get("role")), None)
    return None


def _plain(document, item, field):
    """An item's ``value`` as plain text (HTML descriptions lose their markup)."""
    value = document.text(item, "value", field)
    if "html" in str(item.get("contenttype", "")):
        return "\n".join(paragraphs(value))
    return value


def _credit_order(credits, by):
    """Credits in the order the ``by`` line names them (people and organisations are separate lists).

    Longer names are placed first, so "Reuters" is not found inside
    "Reuters Staff"; a credit the line does not name keeps its place after
    those it does.
    """
    by = by or ""
    taken = [False] * len(by)
    found = {}
    for index in sorted(range(len(credits)), key=lambda n: -len(credits[n]["name"])):
        name = credits[index]["name"]
        start = 0
        while name and (at := by.find(name, start)) >= 0:
            if not any(taken[at : at + len(name)]):
                taken[at : at + len(name)] = [True] * len(name)
                found[index] = at
                break
            start = at + 1
    order = sorted(range(len(credits)), key=lambda n: (found.get(n, len(by) + 1), n))
    return [credits[n] for n in order]


def _bylines(document):
    agencies = {
        source["name"]
        for source in document.objects("infosources", "infoSources")
        if source.get("role") == Author.Kind.AGENCY and isinstance(source.get("name"), str)
    }
    credits = []
    name_limit = Author._meta.get_field("name").max_length
    for key, label in (("people", "people"), ("organisations", "organisations")):
        for n, item in enumerate(document.objects(key)):
            field = f"{label}[{n}]"
            rel = item.get("rel")
            if not isinstance(rel, str) or rel not in ROLES:
                continue  # someone the story is about, not a credit
            name = document.text(item, "name", f"{field}.name").strip()
            literal = document.text(item, "literal", f"{field}.literal").strip()
            if not name:
                document.problem(f"{field}.name", "missing")
                continue
            if len(name) > name_limit:
                document.problem(f"{field}.name", f"longer than {name_limit} characters ({len(name)})")
                continue
            if key == "people":
                kind = Author.Kind.PERSON
            else:
                kind = Author.Kind.AGENCY if name in agencies else Author.Kind.DESK
            ref = literal if literal and _SLUG.match(literal) else name
            credits.append({"name": name, "ref": ref, "role": ROLES[rel], "kind": kind.value, "field": field})
    by = document.data.get("by")
    return _credit_order(credits, by if isinstance(by, str) else "")


def _section(document, default):
    for n, item in enumerate(document.objects("subjects")):
        if item.get("rel") != "section":
            continue
        name = document.text(item, "name", f"subjects[{n}].name").strip()
        literal = document.text(item, "literal", f"subjects[{n}].literal").strip()
        slug = literal if literal and _SLUG.match(literal) else slugify(name)
        if not slug:
            document.problem(f"subjects[{n}]", "a section without a name or slug")
            return "", ""
        limit = Section._meta.get_field("name").max_length
        return slug, (name or slug)[:limit]
    return default or "", ""


def story_from_ninjs(data, number, *, section=""):
    """A :class:`StoryInput` from one decoded ninjs document, or ``(None, problems)``.

    ``section``: the section slug for documents that name none (``--section``).
    """
    if not isinstance(data, dict):
        return None, [ImportProblem(number, "document", "not a JSON object")]
    document = _Document(_lower_keys(data), number)
    doc = document.data
    if not isinstance(doc.get("uri"), str) or not doc["uri"].strip():
        document.problem("uri", "missing (every ninjs document has one)")
    headlines = document.objects("headlines")
    main = _by_role(headlines, "main")
    if main is not None:
        headline = document.text(main, "value", "headlines")
    else:
        headline = doc.get("headline") if isinstance(doc.get("headline"), str) else ""  # ninjs 1.x
    kicker = _by_role(headlines, "kicker", first_without_role=False)
    descriptions = document.objects("descriptions")
    summary = _by_role(descriptions, "summary")
    lead = next(
        (item for item in document.objects("associations") if LEAD in (item.get("name"), item.get("rel"))), None
    )
    caption = ""
    if lead is not None:
        described = _by_role(
            document.objects("descriptions", "associations.descriptions", source=lead),
            "caption",
            first_without_role=False,
        )
        caption = "" if described is None else document.text(described, "value", "associations.descriptions")
    body_html = ""
    body_items = document.objects("bodies")
    body = next((item for item in body_items if "html" in str(item.get("contenttype", ""))), None)
    if body is not None:
        body_html = document.text(body, "value", "bodies")
        texts = paragraphs(body_html)
    elif body_items:
        plain = document.text(_by_role(body_items, "main") or body_items[0], "value", "bodies")
        texts = [part.strip() for part in re.split(r"\n\s*\n", plain) if part.strip()]
    else:
        texts = []
    status = doc.get("pubstatus", "usable")
    if not isinstance(status, str) or status not in PUB_STATUS:
        document.problem("pubStatus", f"{status!r} is not one of {', '.join(sorted(PUB_STATUS))}")
    section_slug, section_name = _section(document, section)
    credits = _bylines(document)
    slugline = doc.get("slugline") if isinstance(doc.get("slugline"), str) else ""
    slug = slugline if not slugline or _SLUG.match(slugline) else slugify(slugline)
    tags = [
        item["name"]
        for item in document.objects("subjects")
        if item.get("rel") != "section" and isinstance(item.get("name"), str) and item["name"].strip()
    ]
    if document.problems:
        return None, document.problems
    line = {
        "headline": headline,
        "kicker": "" if kicker is None else document.text(kicker, "value", "headlines"),
        "standfirst": "" if summary is None else _plain(document, summary, "descriptions"),
        "caption": caption,
        "section": section_slug,
        "status": PUB_STATUS.get(status),
        "published_at": doc.get("firstcreated") or doc.get("versioncreated"),
        "slug": slug,
        "bylines": [{"author": credit["ref"], "role": credit["role"]} for credit in credits],
        "tags": tags,
        "body": [{"paragraph": text} for text in texts],
    }
    story, problems = story_from_dict(line, number)
    names = {**NINJS_FIELDS, **{f"bylines[{n}]": credit["field"] for n, credit in enumerate(credits)}}
    if problems:
        return None, [_renamed(problem, names, section) for problem in problems]
    story.section_name = section_name
    story.author_details = {credit["ref"]: {"name": credit["name"], "kind": credit["kind"]} for credit in credits}
    story.field_names = {
        "section": "subjects" if section_name or not section else "--section",
        **{f"bylines[{n}].author": f"{credit['field']}.name" for n, credit in enumerate(credits)},
    }
    return story, []


def _renamed(problem, names, section):
    field = problem.field
    head, dot, rest = field.partition(".")
    if head.startswith("bylines[") and head in names:
        field = names[head] + dot + {"author": "name", "role": "rel"}.get(rest, rest)
    elif head.split("[", 1)[0] in names:
        # "tags[2]", "body[0].paragraph": the ninjs property they came from.
        field = names[head.split("[", 1)[0]]
    message = problem.message
    if problem.field == "section" and message == "missing":
        message = 'missing: no subject with "rel": "section" (or give --section)'
    return ImportProblem(problem.line, field, message)


def read_ninjs(path, *, section=""):
    """Yield ``(line, StoryInput or None, problems)`` for each ninjs document in the file at ``path``.

    The whole file is read at once: ninjs files are exports of a few
    thousand stories, not archives (JSON Lines is the format for those).
    """
    with open(path, encoding="utf-8") as file:
        text = file.read()
    for number, data, problem in documents(text):
        if problem is not None:
            yield number, None, [problem]
            return
        story, problems = story_from_ninjs(data, number, section=section)
        yield number, story, problems
