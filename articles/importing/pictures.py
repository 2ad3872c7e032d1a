"""The picture files an import names: checked with the whole file, brought into the library once.

A story's ``lead_image``, a byline's ``photo`` and a body's ``{"image": …}``
name a file, by a path
relative to the import's picture folder (the import file's own folder
unless ``--images`` says another) or an absolute one. While the file is
checked (:meth:`Pictures.collect`, :meth:`Pictures.resolve`) every picture
is read once: a missing file, one that is not a JPEG, PNG or WebP picture,
or a new picture that nothing describes stops the import before a row is
written. Files are then told apart by content (SHA-256, the library's
``content_hash``): the same picture under two names, in a thousand stories,
or in the library already, is one library image. New ones are stored in
:meth:`Pictures.create`, before the first batch
(:func:`articles.images.library.image_from_file`); their renditions are
made once that transaction has committed (:meth:`Pictures.make_renditions`),
so no transaction stays open while a thousand pictures are drawn.

A new picture takes its words (alt, caption, credit, copyright) from the
first line that describes it; a picture already in the library keeps its
own. An author's photo is set on an author who has none; one an editor
chose is kept.
"""

from pathlib import Path

from django.core.exceptions import ValidationError

from articles.images import library
from articles.importing.errors import ImportProblem
from articles.importing.reading import ImageRef

# Content hashes looked up in the library per query.
_CHUNK = 500


class Pictures:
    def __init__(self, using, folder):
        self.using = using
        self.folder = Path(folder)
        self.first = {}  # resolved path -> (line, field): where the file is first named
        self.refs = {}  # resolved path -> [(line, field, PictureRef)], in file order
        self.photos = {}  # author ref -> (line, field, resolved path)
        self.digests = {}  # resolved path -> content hash
        self.ids = {}  # content hash -> library image id
        self.created = []  # images stored by create(), to discard if their transaction fails
        self.words = {}  # content hash -> (line, PictureRef): the first description of a new picture
        self.existing = 0  # pictures the library had already
        self.problems = []

    def path(self, ref):
        return self.folder / Path(ref.path).expanduser()

    def _note(self, line, field, ref):
        path = self.path(ref)
        self.first.setdefault(path, (line, field))
        self.refs.setdefault(path, []).append((line, field, ref))
        return path

    def collect(self, story):
        """Note what ``story`` names (no file is read yet); problems come from :meth:`resolve`."""
        if story.lead_image is not None:
            self._note(story.line, "lead_image", story.lead_image)
        for n, item in enumerate(story.body):
            if isinstance(item, ImageRef):
                self._note(story.line_of("body"), f"body[{n}].image", item.picture)
        for author, ref, field in story.photos:
            line = story.line_of(field)
            path = self._note(line, field, ref)
            earlier = self.photos.setdefault(author, (line, field, path))
            if earlier[2] != path:
                self.problems.append(
                    ImportProblem(line, field, f"{author!r} has another photo on line {earlier[0]} ({earlier[2]})")
                )

    def resolve(self):
        """Read and check every named file, find the library's copies; return the problems."""
        problems = list(self.problems)
        checked = {}  # content hash -> problem message or None
        for path, (line, field) in self.first.items():
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                problems.append(ImportProblem(line, field, f"no file {str(path)!r}"))
                continue
            except OSError as error:
                problems.append(ImportProblem(line, field, f"{str(path)!r}: {error.strerror or error}"))
                continue
            digest = library.content_hash(data)
            self.digests[path] = digest
            if digest not in checked:
                try:
                    library.check_picture(data)
                    checked[digest] = None
                except ValidationError as error:
                    checked[digest] = error.messages[0]
            if checked[digest]:
                problems.append(ImportProblem(line, field, f"{path.name}: {checked[digest]}"))
        digests = sorted(set(self.digests.values()))
        from articles.images.models import Image

        for start in range(0, len(digests), _CHUNK):
            rows = (
                Image.objects.using(self.using)
                .filter(content_hash__in=digests[start : start + _CHUNK])
                .order_by("-pk")  # the oldest last: it wins, as library.find_by_hash
                .values_list("content_hash", "pk")
            )
            self.ids.update(rows)
        self.existing = len(self.ids)
        for path, named in self.refs.items():
            digest = self.digests.get(path)
            for line, _field, ref in named:
                if ref.described and (digest not in self.words or line < self.words[digest][0]):
                    self.words[digest] = (line, ref)
        for digest, (line, field, path) in self._new().items():
            if digest not in self.words:
                problems.append(
                    ImportProblem(
                        line,
                        f"{field}.alt",
                        f"{path.name} is new to the library: describe it (alt), or mark it decorative",
                    )
                )
        return problems

    def _new(self):
        """Pictures not in the library: content hash -> where first named."""
        new = {}
        for path, (line, field) in self.first.items():
            digest = self.digests.get(path)
            if digest is not None and digest not in self.ids:
                new.setdefault(digest, (line, field, path))
        return new

    def create(self, author_ids):
        """Store the new pictures and give authors their photos; inside a transaction (renditions: after it)."""
        from articles.models import Author

        for digest, (_line, _field, path) in sorted(self._new().items(), key=lambda item: item[1][:2]):
            ref = self.words[digest][1]
            image, created = library.image_from_file(
                path,
                alt=ref.alt,
                decorative=ref.decorative,
                caption=ref.caption,
                credit=ref.credit,
                copyright=ref.copyright,
                using=self.using,
                renditions=False,
            )
            if created:
                self.created.append(image)
            self.ids[digest] = image.pk
        for author, (_line, _field, path) in self.photos.items():
            # save(), not update(): the author's pages are renewed (articles.delivery).
            found = Author.objects.using(self.using).filter(pk=author_ids[author], photo__isnull=True).first()
            if found is not None:
                found.photo_id = self.ids[self.digests[path]]
                found.save(update_fields=["photo"])

    def make_renditions(self):
        """After :meth:`create`'s transaction has committed."""
        for image in self.created:
            library.make_renditions(image)

    def discard(self):
        """The transaction that stored :attr:`created` failed: take their files out of storage again."""
        for image in self.created:
            library.discard_files(image)
        self.created = []

    def image_id(self, ref):
        return self.ids[self.digests[self.path(ref)]]
