"""What import lines name — sections, authors, widgets, tags — resolved for the whole file at once.

:meth:`References.collect` is called for every story while the file is
read (no query); :meth:`References.resolve` then asks the database a few
queries in all and returns the problems, each naming the first line that
used the missing name; :meth:`References.create_missing` makes the tags
(and, when asked, sections and authors) the file needs, once, before the
first batch; :meth:`References.prepare` turns a story into a
:class:`~articles.importing.writer.PreparedStory` without a query.
"""

from collections import Counter

from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst, slugify
from taggit.models import Tag

from articles import widgets
from articles.importing.errors import ImportProblem
from articles.importing.reading import _SLUG, EmbedRef, ImageRef, Paragraph, WidgetRef
from articles.importing.writer import PreparedStory, paragraphs_html
from articles.models import Author, Section


def widget_titles(using):
    """Each widget's title as the source text writes it: "Syria war timeline", "Profile | Bashar al-Assad"."""
    titles = {}
    for kind in widgets.kinds():
        label = capfirst(kind.model._meta.verbose_name)
        for widget in kind.model.objects.using(using).all():
            titles.setdefault(str(widget), (kind, widget.pk))
            titles.setdefault(f"{label} | {widget}", (kind, widget.pk))
    return titles


class References:
    def __init__(self, using, *, create_sections=False, create_authors=False, text_titles=None, pictures=None):
        self.using = using
        self.pictures = pictures  # articles.importing.pictures.Pictures: the files lines name
        self.create_sections = create_sections
        self.create_authors = create_authors
        self.text_titles = text_titles  # for the source-text format: {title: (kind, pk)}
        self.sections, self.authors, self.widgets, self.tags = {}, {}, {}, {}  # name -> first line
        # What the file says of sections and authors beyond their reference, for creating them.
        self.section_names, self.author_details = {}, {}
        self.section_ids, self.author_ids, self.widget_ids, self.tag_ids = {}, {}, {}, {}
        self.now = timezone.now()

    def collect(self, story):
        self.sections.setdefault(story.section, (story.line, story.field_names.get("section", "section")))
        if story.section_name:
            self.section_names.setdefault(story.section, story.section_name)
        for n, (author, _) in enumerate(story.bylines):
            field = f"bylines[{n}].author"
            self.authors.setdefault(author, (story.line_of(field), story.field_names.get(field, field)))
        for ref, details in story.author_details.items():
            self.author_details.setdefault(ref, details)
        for name in story.tags:
            self.tags.setdefault(name, story.line)
        for n, item in enumerate(story.body):
            if isinstance(item, WidgetRef) and not item.title:
                self.widgets.setdefault((item.kind, item.slug), (story.line, f"body[{n}].widget"))
        if self.pictures is not None and (
            story.lead_image is not None or story.photos or any(isinstance(item, ImageRef) for item in story.body)
        ):
            self.pictures.collect(story)

    def resolve(self):
        """Look every collected name up; return the problems (empty when all is found)."""
        problems = []
        db = self.using
        found = dict(Section.objects.using(db).filter(slug__in=self.sections).values_list("slug", "pk"))
        self.section_ids.update(found)
        for slug, (line, field) in self.sections.items():
            if slug in found:
                continue
            if not self.create_sections:
                problems.append(ImportProblem(line, field, f"no section {slug!r} (add it, or use --create-sections)"))
            elif not _SLUG.match(slug) or len(slug) > Section._meta.get_field("slug").max_length:
                problems.append(ImportProblem(line, field, f"{slug!r} is not a section slug"))
        problems += self._resolve_authors()
        problems += self._resolve_widgets()
        self.tag_ids.update(Tag.objects.using(db).filter(name__in=self.tags).values_list("name", "pk"))
        if self.pictures is not None:
            problems += self.pictures.resolve()
        return problems

    def _resolve_authors(self):
        problems = []
        refs = list(self.authors)
        rows = (
            Author.objects.using(self.using)
            .filter(Q(slug__in=refs) | Q(name__in=refs))
            .values_list("pk", "slug", "name")
        )
        by_slug, by_name = {}, {}
        for pk, slug, name in rows:
            by_slug[slug] = pk
            by_name.setdefault(name, set()).add(pk)
        for ref, (line, field) in self.authors.items():
            if ref in by_slug:
                self.author_ids[ref] = by_slug[ref]
            elif len(by_name.get(ref, ())) == 1:
                [self.author_ids[ref]] = by_name[ref]
            elif ref in by_name:
                problems.append(
                    ImportProblem(line, field, f"{ref!r} is the name of {len(by_name[ref])} authors; use a slug")
                )
            elif not self.create_authors:
                problems.append(
                    ImportProblem(line, field, f"no author with slug or name {ref!r} (or use --create-authors)")
                )
            elif not slugify(ref):
                problems.append(ImportProblem(line, field, f"{ref!r} gives no slug for a new author"))
        return problems

    def _resolve_widgets(self):
        problems = []
        kinds = {kind.model._meta.model_name: kind for kind in widgets.kinds()}
        slugs = {slug for _, slug in self.widgets}
        in_db = {}  # slug -> [(kind, pk)]
        for kind in kinds.values():
            for slug, pk in kind.model.objects.using(self.using).filter(slug__in=slugs).values_list("slug", "pk"):
                in_db.setdefault(slug, []).append((kind, pk))
        for (kind_name, slug), (line, field) in self.widgets.items():
            if kind_name and kind_name not in kinds:
                problems.append(
                    ImportProblem(line, field, f"no widget kind {kind_name!r} ({', '.join(sorted(kinds))})")
                )
                continue
            matches = [(kind, pk) for kind, pk in in_db.get(slug, []) if not kind_name or kind is kinds[kind_name]]
            if not matches:
                problems.append(ImportProblem(line, field, f"no widget {slug!r}"))
            elif len(matches) > 1:
                names = " and a ".join(kind.model._meta.model_name for kind, _ in matches)
                problems.append(ImportProblem(line, field, f'{slug!r} is a {names}; add "kind"'))
            else:
                self.widget_ids[(kind_name, slug)] = matches[0]
        return problems

    def create_missing(self):
        """Make the tags the file names (and sections and authors when asked); one query per new row.

        Then the new pictures (:meth:`Pictures.create`), whose files the
        caller discards (:meth:`Pictures.discard`) if this transaction fails.
        """
        db = self.using
        for slug in self.sections:
            if slug not in self.section_ids:
                name = self.section_names.get(slug) or capfirst(slug.replace("-", " "))
                self.section_ids[slug] = Section.objects.using(db).create(slug=slug, name=name).pk
        for ref in self.authors:
            if ref not in self.author_ids:
                details = self.author_details.get(ref, {})
                self.author_ids[ref] = (
                    Author.objects.using(db)
                    .create(
                        name=details.get("name") or ref,
                        kind=details.get("kind") or Author.Kind.PERSON,
                        slug=self._free_author_slug(ref),
                    )
                    .pk
                )
        self._create_tags([name for name in self.tags if name not in self.tag_ids])
        if self.pictures is not None:
            self.pictures.create(self.author_ids)

    def _create_tags(self, names):
        """New tags in one INSERT, each with taggit's slug for its name; one at a time where that slug is taken.

        A first import into a new site names hundreds of tags: one by one
        (a savepoint, an INSERT and its signals each) they were 0.3 of a
        20,000-story import's 11 s, before any story was written.
        """
        from articles.delivery import keys
        from articles.delivery.changes import announce

        if not names:
            return
        db = self.using
        slugs = {name: Tag().slugify(name) for name in names}
        taken = set(Tag.objects.using(db).filter(slug__in=set(slugs.values())).values_list("slug", flat=True))
        shared = {slug for slug, count in Counter(slugs.values()).items() if count > 1}
        free = [name for name in names if slugs[name] not in taken and slugs[name] not in shared]
        created = Tag.objects.using(db).bulk_create([Tag(name=name, slug=slugs[name]) for name in free])
        self.tag_ids.update((tag.name, tag.pk) for tag in created)
        # bulk_create sends no post_save: what a new tag's save would have announced.
        announce(keys.TAGS, *(keys.tag(tag.pk) for tag in created), using=db)
        for name in names:
            if name not in self.tag_ids:
                # taggit's save() finds a free slug for a name whose slug is taken.
                self.tag_ids[name] = Tag.objects.using(db).create(name=name).pk

    def _free_author_slug(self, name):
        base = slugify(name)[:190]
        slug, n = base, 1
        while Author.objects.using(self.using).filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def prepare(self, story):
        """The rows of ``story``, ids in place of names. Paragraphs in a row share one text block."""
        blocks, run = [], []

        def close_run():
            if run:
                blocks.append(("text", paragraphs_html(run)))
                run.clear()

        for item in story.body:
            if isinstance(item, Paragraph):
                run.append(item.text)
            elif isinstance(item, EmbedRef):
                close_run()
                blocks.append(("embed", item))
            elif isinstance(item, ImageRef):
                close_run()
                blocks.append(("image", item))
            elif item.title:
                placed = self.text_titles.get(item.title) if self.text_titles else None
                if placed is None:
                    run.append(item.title)
                else:
                    close_run()
                    blocks.append(placed)
            else:
                close_run()
                blocks.append(self.widget_ids[(item.kind, item.slug)])
        close_run()
        from articles.models import Embed, ImageBlock, RichText

        rows = []
        for n, block in enumerate(blocks, start=1):
            if block[0] == "text":
                rows.append((RichText, {"ordering": n * 10, "text": block[1]}))
            elif block[0] == "embed":
                embed = block[1]
                rows.append(
                    (Embed, {"ordering": n * 10, "url": embed.url, "title": embed.title, "caption": embed.caption})
                )
            elif block[0] == "image":
                image = block[1]
                rows.append(
                    (
                        ImageBlock,
                        {
                            "ordering": n * 10,
                            "image_id": self.pictures.image_id(image.picture),
                            "caption": image.caption,
                            "credit": image.credit,
                        },
                    )
                )
            else:
                kind, pk = block
                rows.append((kind.block, {"ordering": n * 10, "widget_id": pk}))
        article = {
            "headline": story.headline,
            "slug": story.slug,
            "standfirst": story.standfirst,
            "kicker": story.kicker,
            "lead_image_caption": story.caption,
            "section_id": self.section_ids[story.section],
            "status": story.status,
            "published_at": story.published_at,
        }
        if story.lead_image is not None:
            article["lead_image_id"] = self.pictures.image_id(story.lead_image)
        if story.published_at is not None:
            # An archive story was created and last changed when it went out, not now.
            article["created_at"] = article["updated_at"] = min(story.published_at, self.now)
        # A slug and a name can be one author: credit them once per role (unique_byline_role).
        bylines = list(dict.fromkeys((self.author_ids[author], role) for author, role in story.bylines))
        return PreparedStory(
            article=article,
            bylines=bylines,
            tag_ids=[self.tag_ids[name] for name in story.tags],
            blocks=rows,
        )
