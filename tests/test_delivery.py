"""Precise invalidation, save-time renders and the keys pages carry (articles.delivery).

Behaviour, not implementation: an edit of story A leaves story B's cached
page and ETag alone; an edit of what a page shows reaches it at once; a
withdrawn story leaves every page at once.
"""

import datetime

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles.delivery import changes, page_cache, story_render
from articles.models import Article, Byline, StoryRender, TimelineBlock
from articles.renderer import body_regions
from articles.signals import mark_content_changed
from articles.views import related_stories
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stories(seed_story):
    other = factories.ArticleFactory(headline="Merkel hosts the G20 in Hamburg", slug="merkel-g20")
    factories.RichTextFactory(parent=other, text="<p>The summit opens on Friday.</p>")
    return seed_story, Article.objects.get(pk=other.pk)


def test_editing_one_story_leaves_another_storys_cached_page_and_etag_alone(client, two_stories, page_cache_log):
    seed, other = two_stories
    first, _ = page_cache_log(client, seed.get_absolute_url())
    other.headline = "Merkel hosts a divided G20"
    other.save()
    again, outcome = page_cache_log(client, seed.get_absolute_url())
    assert outcome == "hit"
    assert again["ETag"] == first["ETag"]
    assert page_cache_log(client, seed.get_absolute_url(), if_none_match=first["ETag"])[0].status_code == 304
    # …while the edited story is fresh on the next request.
    assert "Merkel hosts a divided G20" in client.get(other.get_absolute_url()).content.decode()


def test_a_widget_edit_reaches_every_story_that_places_it(client, two_stories):
    seed, other = two_stories
    timeline = TimelineBlock.objects.get(parent=seed).widget
    factories.TimelineBlockFactory(parent=other, widget=timeline)
    urls = [seed.get_absolute_url(), other.get_absolute_url()]
    before = [client.get(url) for url in urls]
    timeline.title = "Syria's war: the turning points"
    timeline.save()
    for url, old in zip(urls, before, strict=True):
        response = client.get(url)
        assert "Syria&#x27;s war: the turning points" in response.content.decode()
        assert response["ETag"] != old["ETag"]


def test_a_widget_edit_rerenders_the_stored_parts_at_save_time(two_stories, rendered_at_save):
    seed, _ = two_stories
    timeline = TimelineBlock.objects.get(parent=seed).widget
    factories.TimelineEventFactory(timeline=timeline, title="Hamburg ceasefire deal")
    render = StoryRender.objects.get(article=seed)
    assert not render.stale
    assert "Hamburg ceasefire deal" in render.content


def _reader_pages(story):
    tag = story.tags.order_by("name").first()
    author = story.bylines.first().author
    month = timezone.localtime(story.published_at)  # its story sitemap part
    return [
        "/",
        story.section.get_absolute_url(),
        reverse("articles:tag", kwargs={"slug": tag.slug}),
        author.get_absolute_url(),
        reverse("articles:feed_rss"),
        reverse("articles:feed_atom"),
        reverse("articles:section_feed_rss", kwargs={"slug": story.section.slug}),
        reverse("articles:tag_feed_atom", kwargs={"slug": tag.slug}),
        reverse("articles:author_feed_rss", kwargs={"slug": author.slug}),
        reverse("articles:story_sitemap", kwargs={"year": f"{month:%Y}", "month": f"{month:%m}"}),
        reverse("articles:search") + "?q=Tillerson",
    ]


@pytest.mark.parametrize("how", ["save", "queryset update", "admin bulk action"])
def test_a_withdrawn_story_leaves_every_page_at_once(client, seed_story, desk_editor, how):
    factories.ArticleFactory(headline="Another story keeps the lists from being empty")
    url = seed_story.get_absolute_url()
    pages = _reader_pages(seed_story)
    client.get(url)
    for page in pages:
        client.get(page)
        assert seed_story.slug in client.get(page).content.decode(), page  # cached, listing the story
    if how == "save":
        seed_story.status = Article.Status.UNPUBLISHED
        seed_story.save()
    elif how == "queryset update":
        Article.objects.filter(pk=seed_story.pk).update(status=Article.Status.UNPUBLISHED)
    else:
        from django.test import Client

        editor = Client()
        editor.force_login(desk_editor)
        editor.post(
            reverse("admin:articles_article_changelist"),
            {"action": "unpublish_selected", "_selected_action": [seed_story.pk]},
        )
        assert Article.objects.get(pk=seed_story.pk).status == Article.Status.UNPUBLISHED
    assert client.get(url).status_code == 404
    for page in pages:
        response = client.get(page)
        assert seed_story.slug not in response.content.decode(), page


def test_a_story_withdrawn_by_raw_sql_is_never_served_from_the_page_cache(client, seed_story):
    from django.db import connection

    url = seed_story.get_absolute_url()
    client.get(url)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Article._meta.db_table)
        cursor.execute(f"UPDATE {table} SET status = %s WHERE id = %s", ["unpublished", seed_story.pk])
    assert client.get(url).status_code == 404


def test_publishing_a_story_changes_its_lists_not_unrelated_story_pages(client, two_stories, page_cache_log):
    _, other = two_stories
    other_page = client.get(other.get_absolute_url())
    home = client.get("/")
    new = factories.ArticleFactory(headline="Tillerson lands in Hamburg", status=Article.Status.DRAFT)
    assert page_cache_log(client, "/")[1] == "hit"  # a draft changes no list
    new.status = Article.Status.PUBLISHED
    new.save()
    response, outcome = page_cache_log(client, "/", if_none_match=home["ETag"])
    assert outcome == "stale"
    assert response.status_code == 200
    assert "Tillerson lands in Hamburg" in response.content.decode()
    response, outcome = page_cache_log(client, other.get_absolute_url(), if_none_match=other_page["ETag"])
    assert (outcome, response.status_code) == ("hit", 304)


def test_moving_a_byline_to_another_author_updates_both_author_pages(client, seed_story):
    byline = Byline.objects.get(article=seed_story)
    old_author = byline.author
    new_author = factories.AuthorFactory(name="Roland Oliphant", slug="roland-oliphant")
    client.get(old_author.get_absolute_url())
    client.get(new_author.get_absolute_url())
    byline.author = new_author
    byline.save()
    assert seed_story.slug not in client.get(old_author.get_absolute_url()).content.decode()
    assert seed_story.slug in client.get(new_author.get_absolute_url()).content.decode()
    assert "Roland Oliphant" in client.get(seed_story.get_absolute_url()).content.decode()


def test_retagging_moves_the_story_between_tag_pages(client, seed_story):
    syria = reverse("articles:tag", kwargs={"slug": "syria"})
    client.get(syria)
    seed_story.tags.remove("Syria")
    seed_story.tags.add("Ceasefires")
    assert client.get(syria).status_code == 404  # no story in print carries it now
    ceasefires = client.get(reverse("articles:tag", kwargs={"slug": "ceasefires"}))
    assert seed_story.slug in ceasefires.content.decode()
    assert "Ceasefires" in client.get(seed_story.get_absolute_url()).content.decode()


def test_renaming_a_section_reaches_its_stories_and_its_page(client, seed_story):
    url = seed_story.get_absolute_url()
    client.get(url)
    section = seed_story.section
    section.name = "International"
    section.save()
    assert ">International</a>" in client.get(url).content.decode()
    assert "International" in client.get(section.get_absolute_url()).content.decode()


def test_bulk_writes_announce_what_they_touched_the_documented_way(client, seed_story):
    author = seed_story.bylines.get().author
    url = seed_story.get_absolute_url()
    client.get(url)
    type(author).objects.filter(pk=author.pk).update(name="Our Diplomatic Staff")  # no signal
    assert "Our Diplomatic Staff" not in client.get(url).content.decode()  # nobody said so yet
    mark_content_changed(f"author-{author.pk}")
    assert "Our Diplomatic Staff" in client.get(url).content.decode()


def test_announcing_nothing_in_particular_renews_every_page(client, seed_story, page_cache_log):
    url = seed_story.get_absolute_url()
    client.get(url)
    client.get("/")
    mark_content_changed()
    assert page_cache_log(client, url)[1] == "stale"
    assert page_cache_log(client, "/")[1] == "stale"


def test_a_rolled_back_change_is_never_announced(seed_story, monkeypatch):
    applied = []
    monkeypatch.setattr(changes, "apply", lambda keys, using: applied.append(keys))
    with pytest.raises(RuntimeError), transaction.atomic():
        seed_story.headline = "Never happened"
        seed_story.save()
        raise RuntimeError
    assert applied == []
    with transaction.atomic():
        seed_story.save()
        seed_story.tags.add("Ceasefires")
        assert applied == []  # not before the commit…
    assert len(applied) == 1  # …and once for the whole transaction
    assert f"article-{seed_story.pk}" in applied[0]


def test_purges_the_keys_of_each_committed_change_once(seed_story, monkeypatch):
    from articles.delivery import purging

    purged = []
    monkeypatch.setattr(purging, "purge", lambda keys, using=None: purged.append(set(keys)))
    with transaction.atomic():
        seed_story.headline = "US would work with Russia on Syria no-fly zones"
        seed_story.save()
        seed_story.corrections.create(text="An earlier version misdated the summit.")
    assert len(purged) == 1
    assert {f"article-{seed_story.pk}", "stories"} <= purged[0]


def test_reader_pages_carry_their_keys_for_the_edge(client, seed_story):
    response = client.get(seed_story.get_absolute_url())
    story_keys = set(response["Surrogate-Key"].split())
    timeline = TimelineBlock.objects.get(parent=seed_story).widget
    author = seed_story.bylines.get().author
    assert {
        f"article-{seed_story.pk}",
        f"author-{author.pk}",
        f"section-{seed_story.section_id}",
        f"widget-timeline-{timeline.pk}",
        "site",
    } <= story_keys
    assert response["xkey"] == response["Surrogate-Key"]
    assert set(response["Cache-Tag"].split(",")) == story_keys
    assert response["Surrogate-Control"] == "max-age=86400"
    home_keys = set(client.get("/")["Surrogate-Key"].split())
    assert {"list-home", f"article-{seed_story.pk}", f"author-{author.pk}", "site"} <= home_keys
    assert "stories" in client.get(reverse("articles:sitemap_index"))["Surrogate-Key"].split()


def test_editors_get_no_edge_headers(editor_client, seed_story):
    response = editor_client.get(seed_story.get_absolute_url())
    assert "private" in response["Cache-Control"]
    for header in ("Surrogate-Key", "xkey", "Cache-Tag", "Surrogate-Control"):
        assert not response.has_header(header)


def test_lists_expire_when_the_next_scheduled_story_comes_due(client, seed_story):
    due = timezone.now() + datetime.timedelta(seconds=40)
    factories.ArticleFactory(published_at=due)
    response = client.get("/")
    assert 38 <= int(response["Surrogate-Control"].removeprefix("max-age=")) <= 40
    assert "max-age=" in response["Cache-Control"]
    assert int(response["Cache-Control"].split("max-age=")[1]) <= 40


def test_the_stored_story_page_is_byte_for_byte_the_live_render(client, seed_story, settings):
    """What readers get from the stored parts is what rendering the story live gives."""
    settings.ARTICLES_PAGE_CACHE = None
    stored = client.get(seed_story.get_absolute_url())
    article = Article.objects.with_page_relations().prefetch_related("corrections").get(pk=seed_story.pk)
    request = RequestFactory().get(seed_story.get_absolute_url())
    live = render_to_string(
        "articles/article_detail.html",
        {"article": article, "body": body_regions(article), "related_stories": related_stories(article)},
        request,
    )
    assert stored.content.decode() == live


def test_each_host_and_script_prefix_gets_its_own_addresses(client, seed_story):
    from django.urls import set_script_prefix

    url = seed_story.get_absolute_url()
    # What WSGIHandler does for a site mounted under /news/ (the test client does not).
    set_script_prefix("/news/")
    try:
        html = client.get(url, headers={"host": "localhost"}).content.decode()
    finally:
        set_script_prefix("/")
    assert f'<link rel="canonical" href="http://localhost/news{url}">' in html
    assert 'href="/news/author/' in html
    assert story_render.PREFIX not in html and story_render.ORIGIN_HOST not in html
    plain = client.get(url).content.decode()
    assert f'<link rel="canonical" href="http://testserver{url}">' in plain
    assert "/news/" not in plain


def test_a_render_started_before_a_change_is_not_kept(seed_story):
    render = StoryRender.objects.get(article=seed_story)
    read_generation = render.generation
    StoryRender.objects.filter(pk=render.pk).update(stale=True, generation=read_generation + 1)  # a change
    assert story_render.store(seed_story.pk, generation=read_generation) is not None  # rendered for the reader…
    assert StoryRender.objects.get(pk=render.pk).stale  # …but not kept


def test_a_page_whose_keys_changed_while_it_rendered_is_not_stored(client, seed_story, monkeypatch, page_cache_log):
    monkeypatch.setattr(page_cache, "CLOCK_SKEW", datetime.timedelta(seconds=5))
    url = "/"  # a list, rendered from live rows (a story page shows its stored render: no such window)
    assert page_cache_log(client, url)[1] == "miss"  # keys changed just now: rendered, not stored
    assert page_cache_log(client, url)[1] == "miss"
    later = timezone.now() + datetime.timedelta(seconds=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(url)
    assert page_cache_log(client, url)[1] == "hit"


def test_a_request_in_another_language_never_gets_the_stored_parts(client, seed_story, settings):
    settings.ARTICLES_PAGE_CACHE = None
    render = StoryRender.objects.get(article=seed_story)
    StoryRender.objects.filter(pk=render.pk).update(content="<p>stored parts</p>")
    assert "stored parts" in client.get(seed_story.get_absolute_url()).content.decode()
    from django.utils import translation

    with translation.override("de"):
        stored = story_render.lookup(seed_story.slug)
        assert not stored.usable()


def test_unpublished_stories_keep_no_render(seed_story):
    seed_story.status = Article.Status.UNPUBLISHED
    seed_story.save()
    assert not StoryRender.objects.filter(article=seed_story).exists()


def test_refresh_pages_renews_every_page_after_a_template_deploy(client, two_stories, page_cache_log):
    from io import StringIO

    from django.core.management import call_command

    seed, other = two_stories
    for url in (seed.get_absolute_url(), other.get_absolute_url(), "/"):
        client.get(url)
    out = StringIO()
    call_command("refresh_pages", stdout=out)
    assert page_cache_log(client, "/")[1] == "stale"
    assert "Renewed every reader page" in out.getvalue()
    call_command("refresh_pages", "--render", stdout=StringIO())
    assert not StoryRender.objects.filter(stale=True).exists()


def test_a_database_too_busy_to_keep_a_render_still_serves_the_page(client, seed_story, monkeypatch, caplog):
    from django.db import OperationalError

    StoryRender.objects.filter(article=seed_story).update(stale=True)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(story_render, "store", locked)
    response = client.get(seed_story.get_absolute_url())
    assert response.status_code == 200
    assert "Tillerson" in response.content.decode()
    assert "database is locked" in caplog.text


def test_merging_tags_updates_both_tag_pages(client, seed_story):
    from taggit.models import Tag

    from articles.tagging import merge_story_tags

    syria = reverse("articles:tag", kwargs={"slug": "syria"})
    assert client.get(syria).status_code == 200
    merge_story_tags(Tag.objects.filter(name="Syria"), "Syrian civil war")
    assert client.get(syria).status_code == 404
    merged = client.get(reverse("articles:tag", kwargs={"slug": "syrian-civil-war"}))
    assert seed_story.slug in merged.content.decode()


def test_a_process_takes_a_page_another_process_rendered_after_a_change(client, seed_story, page_cache_log):
    url = seed_story.get_absolute_url()
    client.get(url)
    address = next(iter(page_cache.process_copies._items))
    before_the_change = page_cache.process_copies.get(address)
    seed_story.headline = "US would work with Russia on Syria no-fly zones"
    seed_story.save()
    client.get(url)  # "another process" renders the new page into the shared cache…
    page_cache.process_copies.put(address, before_the_change)  # …while this one holds the old copy
    response, outcome = page_cache_log(client, url)
    assert outcome == "hit"  # the shared cache's page, not a render
    assert "US would work with Russia on Syria no-fly zones" in response.content.decode()
    assert page_cache.process_copies.get(address) is not before_the_change


def test_process_copies_keep_serving_fresh_pages_while_the_cache_is_down(client, seed_story, settings, page_cache_log):
    url = seed_story.get_absolute_url()
    client.get(url)
    copies = dict(page_cache.process_copies._items)
    settings.CACHES = {**settings.CACHES, "broken": {"BACKEND": "tests.cache_backends.FlakyCache"}}
    settings.ARTICLES_PAGE_CACHE = "broken"
    page_cache.process_copies._items.update(copies)  # changing the setting emptied them, as it should
    assert page_cache_log(client, url)[1] == "hit"
    seed_story.headline = "US would work with Russia on Syria no-fly zones"
    seed_story.save()
    response = client.get(url)
    assert "US would work with Russia on Syria no-fly zones" in response.content.decode()


def test_a_batch_in_one_thread_does_not_hold_back_another_threads_changes(monkeypatch):
    import threading

    from django.db import connections

    applied = []
    monkeypatch.setattr(changes, "apply", lambda keys, using: applied.append(set(keys)))

    def another_request():
        changes.announce("author-1")
        connections.close_all()

    with changes.batched():
        changes.announce("article-1")
        thread = threading.Thread(target=another_request)
        thread.start()
        thread.join()
        assert applied == [{"author-1"}]  # at once, not at the end of this batch
    assert applied == [{"author-1"}, {"article-1"}]


def test_an_admin_save_is_one_announcement_and_leaves_other_stories_cached(
    editor_client, two_stories, monkeypatch, page_cache_log
):
    from django.test import Client

    from articles.delivery import purging
    from tests.forms import form_data

    client = Client()  # a reader (editor_client is the signed-in test client)
    seed, other = two_stories
    client.get(seed.get_absolute_url())
    client.get(other.get_absolute_url())
    purged = []
    monkeypatch.setattr(purging, "purge", lambda keys, using=None: purged.append(set(keys)))
    url = reverse("admin:articles_article_change", args=[seed.pk])
    data = form_data(editor_client.get(url).content.decode(), "article_form")
    key = next(k for k, v in data.items() if k.endswith("-text") and "Mr Tillerson also said" in v)
    data[key] = data[key].replace("had an obligation", "had a clear obligation")
    data["headline"] = "US would work with Russia on Syria no-fly zones"
    data["_save"] = "Save"
    assert editor_client.post(url, data).status_code == 302

    assert len(purged) == 1  # the story, its blocks, bylines and tags: one commit, one purge
    assert {f"article-{seed.pk}", "stories"} <= purged[0]
    assert f"article-{other.pk}" not in purged[0]
    html = client.get(seed.get_absolute_url()).content.decode()
    assert "had a clear obligation" in html and "US would work with Russia on Syria no-fly zones" in html
    assert page_cache_log(client, other.get_absolute_url())[1] == "hit"


def test_a_deleted_story_leaves_every_page_at_once(client, seed_story):
    factories.ArticleFactory(headline="Another story keeps the lists from being empty")
    pages = [page for page in _reader_pages(seed_story) if "/tag/" not in page]  # its tags go with it
    for page in pages:
        assert seed_story.slug in client.get(page).content.decode(), page
    url = seed_story.get_absolute_url()
    client.get(url)
    Article.objects.get(pk=seed_story.pk).delete()
    assert client.get(url).status_code == 404
    for page in pages:
        assert seed_story.slug not in client.get(page).content.decode(), page


def test_a_story_scheduled_in_another_section_leaves_a_section_page_alone(client, seed_story):
    politics = factories.SectionFactory(name="Politics", slug="politics")
    factories.ArticleFactory(section=politics, published_at=timezone.now() + datetime.timedelta(minutes=10))
    world = client.get(seed_story.section.get_absolute_url())
    assert world["Cache-Control"] == "public, max-age=60"  # not shortened by the Politics story
    assert int(client.get(politics.get_absolute_url())["Cache-Control"].split("max-age=")[1]) <= 600


def test_a_render_in_a_new_process_leaves_media_and_static_urls_alone(seed_story, monkeypatch):
    # Django keeps STATIC_URL and MEDIA_URL with the script prefix of their first
    # read in the process; a stored render must not be that first read.
    from django.conf import settings

    for name in ("STATIC_URL", "MEDIA_URL"):
        monkeypatch.delitem(settings.__dict__, name, raising=False)
    # A story page that shows an upload and a static file (a lead picture, an embed's script).
    monkeypatch.setattr(
        story_render, "render_to_string", lambda *args, **kwargs: settings.MEDIA_URL + settings.STATIC_URL
    )
    story_render.render_parts(Article.objects.with_page_relations().get(pk=seed_story.pk))
    assert story_render.PREFIX not in settings.STATIC_URL
    assert story_render.PREFIX not in settings.MEDIA_URL
