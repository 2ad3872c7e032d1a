"""The story sitemap's parts: one per month, split into slices of ``ARTICLES_SITEMAP_PART_SIZE``.

A part is the published stories of one calendar month (in the site's time
zone, as story addresses are dated), oldest first, so that new stories go at
the end of the current month's last part and a part's content changes only
when one of its own stories does. A month with more stories than the part
size is split: ``2017-07`` (the first 10,000), ``2017-07-2``, …

The sitemap index must not group a million stories by month on every
request, so :class:`~articles.models.SitemapPart` keeps a summary: per part,
how many stories and when the latest of them last changed. It is written:

- after each committed change, by :func:`refresh` (called where the change's
  keys are applied, ``articles.delivery.changes.apply``, before they get
  new versions), for the months named by the change's ``stories-YYYY-MM``
  keys and the months of its ``article-<pk>`` stories — both months of a
  re-dated story;
- in full when a change names no keys (``site``: bulk writes that could not
  say what they touched), and by ``manage.py rebuild_sitemap_parts``.

Stories scheduled for later appear without a save: :func:`current_parts`
re-reads, in memory, the months summed up before a story of theirs came due.

A part's entries are kept on its row (:func:`kept`, :func:`keep`): the first
request after a change renders them and later ones read one row, so a part
costs the same at 40 stories as at 10,000. They are used while the row is the
one that request rendered into (every change replaces its months' rows), no
story of the month has come due since, and the site's story addresses, time
zone and part size are what they were (``made_with``).
"""

import dataclasses
import datetime
import hashlib
import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, router, transaction
from django.db.models import CharField, Count, Max, Min
from django.db.models.functions import Cast, Greatest, TruncMonth
from django.utils import timezone

from articles.conf import settings
from articles.delivery import keys as delivery_keys

logger = logging.getLogger(__name__)

# Keys a change carries: "stories-2017-07" (keys.stories_month) and "article-42".
_MONTH_PREFIX = "stories-"
_ARTICLE_PREFIX = "article-"


def month_bounds(month):
    """The aware start and end (exclusive) of ``month`` (a date) in the current time zone."""
    start = datetime.datetime(month.year, month.month, 1)
    following = datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(following)


def month_of(when):
    """The first day of ``when``'s month in the current time zone."""
    return timezone.localtime(when).date().replace(day=1)


def month_stories(month, using=None, at=None):
    """The published stories of ``month``, in part order (oldest first, then by id)."""
    from articles.models import Article

    start, end = month_bounds(month)
    return (
        Article.objects.using(using)
        .published(at=at)
        .filter(published_at__gte=start, published_at__lt=end)
        .order_by("published_at", "pk")
    )


def _modified(published_at, updated_at):
    # A story saved before its publication time changes for readers when it comes out.
    return max(published_at, updated_at)


def utc(value):
    """A timestamp read as text (``Cast(…, CharField())``) as an aware datetime.

    Reading timestamps as text and parsing them here is several times faster
    than the driver's per-value time zone handling, which dominated reads of
    thousands of rows (a sitemap part, a busy month).
    """
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
    # PostgreSQL: "2017-07-04 08:30:00.123+00" (the connection's zone, UTC);
    # SQLite stores naive UTC text.
    parsed = datetime.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _month_parts(month, using, now):
    """The parts of one month from its stories: [(number, count, last_modified)].

    One aggregate when the month fits in one part (most months: an index
    range scan); a busy month's stories are read in order to cut them into parts.
    """
    size = settings.SITEMAP_PART_SIZE
    stories = month_stories(month, using, at=now)
    summary = stories.order_by().aggregate(count=Count("pk"), last=Max(Greatest("published_at", "updated_at")))
    if summary["count"] <= size:
        return [(1, summary["count"], summary["last"])] if summary["count"] else []
    as_text = {"output_field": CharField()}
    rows = stories.values_list(Cast("published_at", **as_text), Cast("updated_at", **as_text))
    parts = []
    for index, (published_at, updated_at) in enumerate(rows.iterator(chunk_size=size)):
        modified = _modified(utc(published_at), utc(updated_at))
        if index % size == 0:
            parts.append([index // size + 1, 0, modified])
        part = parts[-1]
        part[1] += 1
        part[2] = max(part[2], modified)
    return [tuple(part) for part in parts]


def _rows(month, parts, now):
    from articles.models import SitemapPart

    return [
        SitemapPart(month=month, number=number, count=count, last_modified=last, computed_at=now)
        for number, count, last in parts
    ]


def _has_scheduled(month, using, now):
    from articles.models import Article

    start, end = month_bounds(month)
    return (
        Article.objects.using(using).scheduled(at=now).filter(published_at__gte=start, published_at__lt=end).exists()
    )


def rebuild_months(months, using=DEFAULT_DB_ALIAS):
    """Sum up these months (dates) again from their stories; returns how many parts they now have."""
    from articles.models import SitemapPart

    now = timezone.now()
    rows = []
    for month in sorted(set(months)):
        parts = _month_parts(month, using, now)
        if not parts and _has_scheduled(month, using, now):
            # Nothing to list yet, but a story will come due: an empty row
            # records when the month was read (current_parts looks again then).
            parts = [(1, 0, None)]
        rows.extend(_rows(month, parts, now))
    with transaction.atomic(using=using):
        SitemapPart.objects.using(using).filter(month__in=set(months)).delete()
        SitemapPart.objects.using(using).bulk_create(rows)
    return sum(1 for row in rows if row.count)


def rebuild_all(using=DEFAULT_DB_ALIAS):
    """Sum up every month again: one grouped query, and a row-by-row read only of months to split."""
    from articles.models import Article, SitemapPart

    now = timezone.now()
    size = settings.SITEMAP_PART_SIZE
    months = (
        Article.objects.using(using)
        .published(at=now)
        .annotate(month=TruncMonth("published_at"))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"), last=Max(Greatest("published_at", "updated_at")))
    )
    rows = []
    for month in months:
        first_day = month_of(month["month"])
        if month["count"] > size:
            rows.extend(_rows(first_day, _month_parts(first_day, using, now), now))
        else:
            rows.extend(_rows(first_day, [(1, month["count"], month["last"])], now))
    listed = {row.month for row in rows}
    for due in Article.objects.using(using).scheduled(at=now).dates("published_at", "month"):
        if due not in listed:
            rows.extend(_rows(due, [(1, 0, None)], now))
    with transaction.atomic(using=using):
        SitemapPart.objects.using(using).all().delete()
        SitemapPart.objects.using(using).bulk_create(rows, batch_size=1000)
    return sum(1 for row in rows if row.count)


# More than any zone's offset from UTC (they run from -12 to +14 hours).
_ZONE_MARGIN = datetime.timedelta(days=1)


def _summed_before_end(month, computed_at):
    """Whether ``computed_at`` came before ``month`` ended in the site's zone.

    The index asks this of every month of the archive; a month summed up
    well after it ended (all but the last one or two) is told by the date
    alone, without making its end an aware time (a tenth of the index's time
    at a hundred and twenty months).
    """
    following = datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=datetime.UTC)
    if computed_at >= following + _ZONE_MARGIN:
        return False
    return computed_at < month_bounds(month)[1]


def current_parts(using=None):
    """The parts to list: [(month, number, last_modified)], newest month first.

    One query for the summary and, when a month was summed up before it
    ended (the current month, usually), one indexed query for stories of it
    that have come due since; such a month is read again here, in memory.
    An archive whose summary was never built is read in full (and logged:
    run ``manage.py rebuild_sitemap_parts``).
    """
    from articles.models import Article, SitemapPart

    now = timezone.now()
    summary = {}
    open_since = {}
    as_text = {"output_field": CharField()}
    # The times as text (utc()): the driver's own loading was a fifth of the index's time.
    rows = SitemapPart.objects.using(using).values_list(
        "month", "number", "count", Cast("last_modified", **as_text), Cast("computed_at", **as_text)
    )
    for month, number, count, last, computed_at in rows:
        last, computed_at = (utc(last) if last is not None else None), utc(computed_at)
        summary.setdefault(month, []).append((number, count, last))
        if _summed_before_end(month, computed_at):
            open_since[month] = min(computed_at, open_since.get(month, computed_at))
    if not summary:
        published = Article.objects.using(using).published(at=now)
        months = list(published.dates("published_at", "month"))
        if months:
            logger.warning("The story sitemap summary is empty: run manage.py rebuild_sitemap_parts.")
        summary = {month: _month_parts(month, using, now) for month in months}
    elif open_since:
        due = Article.objects.using(using).published(at=now).none()
        for month, since in open_since.items():
            due = due | Article.objects.using(using).published(at=now).filter(
                published_at__gt=since, published_at__lt=month_bounds(month)[1]
            )
        for published_at in due.order_by().values_list("published_at", flat=True).distinct()[:1000]:
            month = month_of(published_at)
            if month in open_since:
                summary[month] = _month_parts(month, using, now)
                del open_since[month]
    return [
        (month, number, last)
        for month in sorted(summary, reverse=True)
        for number, count, last in sorted(summary[month])
        if count
    ]


def months_of_change(changed, using):
    """The months a change touched: its ``stories-YYYY-MM`` keys and the months of its stories."""
    from articles.models import Article

    months = set()
    pks = []
    for key in changed:
        if key.startswith(_MONTH_PREFIX):
            try:
                months.add(datetime.datetime.strptime(key[len(_MONTH_PREFIX) :], "%Y-%m").date())
            except ValueError:
                logger.warning("Ignoring a malformed month key %r.", key)
        elif key.startswith(_ARTICLE_PREFIX) and delivery_keys.STORIES in changed:
            pk = key[len(_ARTICLE_PREFIX) :]
            if pk.isdigit():
                pks.append(int(pk))
    if pks:
        stories = Article._base_manager.using(using).filter(pk__in=pks, published_at__isnull=False)
        months.update(stories.dates("published_at", "month"))
    return months


def refresh(changed, using=DEFAULT_DB_ALIAS):
    """Bring the summary up to date after a committed change (never raises: the change is saved).

    Called by ``articles.delivery.changes.apply`` after the commit, before the
    change's keys get their new versions: a request that sees the new
    versions must find the summary caught up, or the page cache would keep
    the index drawn from the old one as new (as with stored story renders).
    """
    try:
        if delivery_keys.SITE in changed:
            rebuild_all(using)
            return
        months = months_of_change(changed, using)
        if months:
            rebuild_months(months, using)
    except Exception:
        logger.exception(
            "Could not update the story sitemap summary for %s; run manage.py rebuild_sitemap_parts.", changed
        )


# Bumped when the entries' markup changes, so a deploy renders them again.
ENTRIES_FORMAT = 1


def made_with(prefix, zone):
    """What a part's entries depend on besides its stories: their format, the address prefix, the zone, the size."""
    made = f"{ENTRIES_FORMAT}|{prefix}|{zone}|{settings.SITEMAP_PART_SIZE}"
    return hashlib.sha256(made.encode()).hexdigest()


@dataclasses.dataclass
class KeptPart:
    """A part's summary row as read for a request, with its entries if they can be served."""

    pk: int
    computed_at: datetime.datetime
    entries: str | None = None
    latest: datetime.datetime | None = None


def kept(month, number, made, at):
    """The row of part ``number`` of ``month``, its entries filled in if they are current; None if there is no row.

    Current: rendered ``made`` the same way, and no story of the month came
    due after they were rendered. The same query says when the next story
    scheduled into the month comes due (the page changes then by itself).
    """
    from articles.models import Article, SitemapPart

    row = (
        SitemapPart.objects.filter(month=month, number=number)
        .values_list("pk", "computed_at", "rendered", "rendered_at", "rendered_with", "rendered_latest")
        .first()
    )
    if row is None:
        return None
    pk, computed_at, entries, rendered_at, rendered_with, latest = row
    part = KeptPart(pk=pk, computed_at=computed_at)
    if rendered_at is None or rendered_with != made:
        return part
    start, end = month_bounds(month)
    after = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=max(rendered_at, start))
        .filter(published_at__lt=end)
        .aggregate(first=Min("published_at"))["first"]
    )
    if after is not None and after <= at:
        return part  # a story came due since: render again
    delivery_keys.changes_at(after)
    part.entries, part.latest = entries, latest
    return part


def keep(part, entries, latest, made, at):
    """Keep ``entries`` on ``part``'s row, unless a change replaced the row since it was read (never raises)."""
    from articles.models import SitemapPart

    using = router.db_for_write(SitemapPart)
    try:
        # A savepoint where the request runs in a transaction: a failed write leaves it usable.
        with transaction.atomic(using=using):
            SitemapPart.objects.using(using).filter(pk=part.pk, computed_at=part.computed_at).update(
                rendered=entries, rendered_at=at, rendered_with=made, rendered_latest=latest
            )
    except DatabaseError as error:
        # Keeping them only saves the next request the work: a database too
        # busy for the write must not cost this one the sitemap.
        logger.warning("Could not keep the entries of sitemap part %s (%s).", part.pk, error)
