"""Importing stories in bulk: ``manage.py import_stories`` and the generators (issue 10).

Three parts, each usable alone:

- :mod:`articles.importing.reading` turns a JSON Lines file or a story in
  the source-text format into :class:`~articles.importing.reading.StoryInput`
  values, checking every model-level rule a line can break on its own
  (slug, lengths, roles, statuses, dates) and naming line and field;
- :mod:`articles.importing.references` resolves what lines name (sections,
  authors, widgets, tags) with a few queries for the whole file;
- :mod:`articles.importing.writer` writes prepared stories in bulk: COPY on
  PostgreSQL (ids reserved from the sequence in one query), ``bulk_create``
  elsewhere; a constant number of statements per batch, whatever its size.
"""

from articles.importing.errors import ImportProblem

__all__ = ["ImportProblem"]
