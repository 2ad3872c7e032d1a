"""The read API (``articles.api``): who sees what, filters, cursors, errors, queries, caching, schema."""

import base64
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, RichText, TimelineBlock
from tests import factories
from tests.api_data import API_PATHS, newsroom_stories

pytestmark = pytest.mark.django_db

# The stories list, rendered (a page cache miss): the page of stories +
# bylines with their authors + tags + the next scheduled story + the
# versions of the keys it shows (stored with it in the page cache).
STORY_LIST_QUERIES = 5
# One story: the story (section, lead picture) + bylines + tags +
# corrections + one query per body block type (7) and per widget relation
# (3) + the key versions.
STORY_QUERIES = 15
# Authors, sections, tags: the page + the key versions.
OTHER_LIST_QUERIES = 2


def slugs(response):
    return [story["slug"] for story in response.json()["results"]]


@pytest.fixture
def stories():
    return newsroom_stories()


def staff_client(client, django_user_model, *, permission=True, is_staff=True):
    user = django_user_model.objects.create_user("desk", "desk@example.com", "pw-for-tests-only", is_staff=is_staff)
    if permission:
        user.user_permissions.add(
            Permission.objects.get(codename="change_article", content_type__app_label="articles")
        )
    client.force_login(user)
    return client


# -- Who sees what ----------------------------------------------------------------------


def test_anonymous_clients_see_published_stories_only(client, stories):
    response = client.get("/api/stories/")
    assert response.status_code == 200
    assert slugs(response) == ["syria-no-fly-zones", "russia-us-hamburg", "a-quiet-day"]
    assert {story["status"] for story in response.json()["results"]} == {"published"}
    for slug in ("secret-draft", "tomorrow"):
        assert client.get(f"/api/stories/{slug}/").status_code == 404
    # A topic only a draft carries is not announced.
    tags = [tag["slug"] for tag in client.get("/api/tags/").json()["results"]]
    assert tags == ["russia", "syria"]
    assert client.get("/api/tags/unannounced/").status_code == 404


def test_staff_with_permission_see_drafts_and_scheduled_stories(client, django_user_model, stories):
    staff = staff_client(client, django_user_model)
    response = staff.get("/api/stories/")
    listed = {story["slug"]: story["status"] for story in response.json()["results"]}
    assert listed["secret-draft"] == "draft"
    assert listed["tomorrow"] == "scheduled"
    assert len(listed) == 5
    draft = staff.get("/api/stories/secret-draft/")
    assert draft.status_code == 200 and draft.json()["published_at"] is None
    assert "unannounced" in [tag["slug"] for tag in staff.get("/api/tags/").json()["results"]]
    # Never cached for anyone else, and not purgeable at the edge.
    assert "private" in response["Cache-Control"]
    assert "Surrogate-Key" not in response


@pytest.mark.parametrize("kind", ["staff without the permission", "permission without staff status"])
def test_others_signed_in_see_what_readers_see(client, django_user_model, stories, kind):
    signed_in = staff_client(
        client,
        django_user_model,
        permission=kind.startswith("permission"),
        is_staff=kind.startswith("staff"),
    )
    assert slugs(signed_in.get("/api/stories/")) == ["syria-no-fly-zones", "russia-us-hamburg", "a-quiet-day"]
    assert signed_in.get("/api/stories/secret-draft/").status_code == 404


# -- What a story says ------------------------------------------------------------------


def test_story_detail_has_bylines_tags_corrections_and_body_blocks_in_order(client, stories):
    story = client.get("/api/stories/syria-no-fly-zones/").json()
    assert story["headline"] == "Talks on Syria no-fly zones"
    assert story["kicker"] == "Analysis"
    assert story["url"] == "http://testserver" + stories["lead"].get_absolute_url()
    assert story["section"] == {"slug": "world", "name": "World", "url": "http://testserver/section/world/"}
    assert [(b["role"], b["author"]["slug"], b["author"]["kind"]) for b in story["bylines"]] == [
        ("by", "jane-hack", "person"),
        ("by", "reuters", "agency"),
        ("additional-reporting", "our-foreign-staff", "desk"),
        ("photographs", "tracy-thompson", "person"),
    ]
    assert story["bylines"][2]["role_label"] == "additional reporting by"
    assert [tag["slug"] for tag in story["tags"]] == ["russia", "syria"]
    assert story["corrections"][0]["kind"] == "correction"
    assert story["corrections"][0]["text"] == "An earlier version misspelt Daraa."
    assert story["lead_image"]["caption"] == "Hamburg" and story["lead_image"]["credit"] == "Reuters"
    assert story["lead_image"]["url"].startswith("http://testserver/media/")
    assert [rendition["width"] for rendition in story["lead_image"]["renditions"]] == [400, 800]
    datetime.datetime.fromisoformat(story["published_at"])

    body = story["body"]
    assert [block["type"] for block in body] == [
        "richtext",
        "timeline",
        "profile",
        "pullquote",
        "image",
        "gallery",
        "embed",
        "richtext",
    ]
    assert body[0]["data"] == {"html": "<p>The <strong>first</strong> paragraph.</p>"}
    timeline = body[1]["data"]
    assert timeline["title"] == "Syria war timeline"
    assert [(e["date"], e["precision"], e["title"]) for e in timeline["events"]] == [
        ("2011-03-15", "day", "Protests begin in Daraa"),
        ("2015-09-01", "month", "Russia begins air strikes"),
    ]
    profile = body[2]["data"]
    assert profile["name"] == "Bashar al-Assad"
    assert [(fact["label"], fact["value"]) for fact in profile["facts"]] == [("Born", "11 September 1965, Damascus")]
    assert body[3]["data"] == {"quote": "Stability on the ground.", "attribution": "Rex Tillerson"}
    assert body[4]["data"]["caption"] == "A caption of this story's own"
    assert body[5]["data"]["title"] == "Hamburg G20 in pictures"
    assert body[5]["data"]["items"][0]["image"]["url"].startswith("http://testserver/media/")
    assert body[6]["data"]["provider"] == "YouTube"


def test_rich_text_is_sanitised_on_the_way_out(client, stories):
    # Written past the field's cleaning, as raw SQL can.
    block = RichText.objects.get(parent=stories["second"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RichText._meta.db_table} SET text = %s WHERE id = %s",
            ['<p onclick="x()">Hi<script>alert(1)</script></p>', block.pk],
        )
    html = client.get("/api/stories/russia-us-hamburg/").json()["body"][0]["data"]["html"]
    assert "script" not in html and "onclick" not in html and "Hi" in html


# -- Filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("section=politics", ["russia-us-hamburg"]),
        ("tag=russia", ["syria-no-fly-zones", "russia-us-hamburg"]),
        ("tag=russia&tag=syria", ["syria-no-fly-zones"]),
        ("author=our-foreign-staff", ["syria-no-fly-zones", "russia-us-hamburg"]),
        ("author=tracy-thompson", ["syria-no-fly-zones"]),
        ("ordering=oldest", ["a-quiet-day", "russia-us-hamburg", "syria-no-fly-zones"]),
        ("ordering=headline", ["a-quiet-day", "russia-us-hamburg", "syria-no-fly-zones"]),
        ("ordering=,oldest", ["a-quiet-day", "russia-us-hamburg", "syria-no-fly-zones"]),
        ("q=Hamburg", ["russia-us-hamburg"]),
        ("q=quiet&section=world", ["a-quiet-day"]),
    ],
)
def test_filters_are_the_reader_searchs(client, stories, query, expected):
    response = client.get(f"/api/stories/?{query}")
    assert response.status_code == 200, response.content
    assert slugs(response) == expected


def test_date_filters(client, stories):
    today = timezone.localdate()
    since_yesterday = client.get(f"/api/stories/?date_from={today - datetime.timedelta(days=1)}")
    assert "a-quiet-day" not in slugs(since_yesterday) and "syria-no-fly-zones" in slugs(since_yesterday)
    until = client.get(f"/api/stories/?date_to={today - datetime.timedelta(days=3)}")
    assert slugs(until) == ["a-quiet-day"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=yesterday", "date_from"),
        ("date_from=2017-02-30", "date_from"),
        ("date_from=2017-07-06&date_to=2017-07-05", "date_to"),
        ("section=no-such-section", "section"),
        ("tag=unannounced", "tag"),
        ("author=nobody", "author"),
        ("ordering=sideways", "ordering"),
        ("q=" + "x" * 201, "q"),
        ("q=%00", "q"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_field(client, stories, query, field):
    response = client.get(f"/api/stories/?{query}")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field] and errors[field][0]


# -- Cursors ----------------------------------------------------------------------------


def test_cursor_pages_walk_every_story_once_newest_first(client):
    now = timezone.now()
    made = [
        factories.ArticleFactory(slug=f"story-{n}", published_at=now - datetime.timedelta(minutes=n)) for n in range(5)
    ]
    # Two stories published at the same moment: the cursor's offset keeps them apart.
    factories.ArticleFactory(slug="story-twin", published_at=made[2].published_at)
    seen, url, pages = [], "/api/stories/?page_size=2", []
    while url:
        page = client.get(url).json()
        pages.append(page)
        seen += [story["slug"] for story in page["results"]]
        url = page["next"]
    assert len(pages) == 3 and pages[0]["previous"] is None
    assert sorted(seen) == sorted([story.slug for story in made] + ["story-twin"])
    assert len(seen) == len(set(seen))
    assert seen[:2] == ["story-0", "story-1"]
    # Back from the second page to the first.
    assert [story["slug"] for story in client.get(pages[1]["previous"]).json()["results"]] == seen[:2]


def test_cursors_follow_the_chosen_order(client):
    for headline in ("Charlie", "Alpha", "Bravo"):
        factories.ArticleFactory(headline=headline)
    first = client.get("/api/stories/?ordering=headline&page_size=2").json()
    second = client.get(first["next"]).json()
    headlines = [story["headline"] for story in first["results"] + second["results"]]
    assert headlines == ["Alpha", "Bravo", "Charlie"]


@pytest.mark.parametrize("ordering", ["newest", "oldest", "headline"])
@pytest.mark.parametrize("narrowed", ["author=ann-quill", "tag=airships", "tag=airships&author=ann-quill"])
def test_words_with_a_topic_or_an_author_page_through_each_story_once(client, ordering, narrowed):
    # Read through the topic's or the author's rows (TextSearch.walk), ordered by their copy of the date.
    author = factories.AuthorFactory(slug="ann-quill")
    now = timezone.now()
    made = []
    for n in range(5):
        story = factories.ArticleFactory(
            slug=f"story-{n}", headline=f"Headline {4 - n}", published_at=now - datetime.timedelta(hours=n + 1)
        )
        factories.RichTextFactory(parent=story, text="<p>A zeppelin.</p>")
        factories.BylineFactory(article=story, author=author, role="by")
        factories.BylineFactory(article=story, author=author, role="photographs")  # two rows, one story
        story.tags.add("Airships")
        made.append(story.slug)
    factories.RichTextFactory(parent=factories.ArticleFactory(slug="other"), text="<p>A zeppelin.</p>")
    seen, url = [], f"/api/stories/?q=zeppelin&{narrowed}&ordering={ordering}&page_size=2"
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Pages ordered by the walked rows' copy of the date, which their index has in order.
    assert any('"story_published_at" AS "listed_at"' in query["sql"] for query in queries.captured_queries)
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        seen += slugs(page)
        url = page.json()["next"]
    assert seen == (made if ordering == "newest" else made[::-1])


def test_best_match_pages_by_rank(client):
    factories.ArticleFactory(headline="Hamburg summit", standfirst="Hamburg, Hamburg and Hamburg.")
    factories.ArticleFactory(headline="Summit", standfirst="In Hamburg.")
    factories.ArticleFactory(headline="Weather", standfirst="Rain in Hamburg.")
    first = client.get("/api/stories/?q=Hamburg&page_size=1").json()
    seen = [story["headline"] for story in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [story["headline"] for story in page["results"]]
        url = page["next"]
    assert sorted(seen) == ["Hamburg summit", "Summit", "Weather"]
    assert seen[0] == "Hamburg summit"


def test_staff_page_through_drafts_too(client, django_user_model):
    factories.ArticleFactory(slug="live")
    for n in range(3):
        factories.ArticleFactory(slug=f"draft-{n}", draft=True)
    staff = staff_client(client, django_user_model)
    seen, url = [], "/api/stories/?page_size=2"
    while url:
        page = staff.get(url).json()
        seen += [story["slug"] for story in page["results"]]
        url = page["next"]
    assert sorted(seen) == ["draft-0", "draft-1", "draft-2", "live"]


def _cursor(**tokens):
    query = "&".join(f"{key}={value}" for key, value in tokens.items())
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("newest", "not-base64!"),
        ("newest", _cursor(p="not-a-date")),
        ("newest", _cursor(o="-3")),
        ("newest", _cursor(r="x")),
        # PostgreSQL refuses to compare a string holding a NUL at all.
        ("headline", _cursor(p="Alpha\x00")),
    ],
)
def test_a_bad_cursor_is_a_404_never_a_500(client, ordering, cursor):
    factories.ArticleFactory()
    response = client.get("/api/stories/", {"ordering": ordering, "cursor": cursor})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_best_match_cursor_with_a_bad_position_is_a_404(client):
    factories.ArticleFactory(headline="Hamburg")
    response = client.get("/api/stories/", {"q": "Hamburg", "cursor": _cursor(p="1.5e400")})
    assert response.status_code == 404


# -- Not found --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/stories/no-such-story/",
        "/api/authors/nobody/",
        "/api/sections/nowhere/",
        "/api/tags/nothing/",
        "/api/stories/a/b/",
        "/api/tags//",
        "/api/authors/%0A/",
    ],
)
def test_unknown_addresses_are_json_404s(client, stories, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.urls("tests.urls_site_api")
def test_a_sites_own_views_under_api_stay_reachable(client, stories):
    assert client.get("/api/weather/").json() == {"forecast": "rain"}
    assert client.get("/api/stories/a-quiet-day/").status_code == 200
    assert client.get("/api/stories/a/b/").json()["detail"]


def test_head_answers_without_a_body(client, stories):
    response = client.head("/api/stories/syria-no-fly-zones/")
    assert response.status_code == 200 and not response.content and response["ETag"]


def test_other_methods_are_refused(client, stories):
    assert client.post("/api/stories/", {}).status_code == 405
    assert client.delete("/api/stories/syria-no-fly-zones/").status_code == 405


# -- Queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 20])
def test_story_list_queries_do_not_grow_with_the_page(client, django_assert_num_queries, count):
    for _ in range(count):
        story = factories.ArticleFactory()
        factories.BylineFactory(article=story)
        factories.BylineFactory(article=story, role="photographs")
        story.tags.add(factories.TagFactory(), factories.TagFactory())
    with django_assert_num_queries(STORY_LIST_QUERIES):
        response = client.get("/api/stories/?page_size=20")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("rich", [False, True])
def test_story_queries_do_not_grow_with_the_body(client, django_assert_num_queries, stories, rich):
    slug = "syria-no-fly-zones" if rich else "a-quiet-day"
    with django_assert_num_queries(STORY_QUERIES):
        assert client.get(f"/api/stories/{slug}/").status_code == 200


@pytest.mark.parametrize("url", ["/api/authors/", "/api/sections/", "/api/tags/"])
@pytest.mark.parametrize("count", [1, 15])
def test_other_lists_cost_a_fixed_number_of_queries(client, django_assert_num_queries, url, count):
    for _ in range(count):
        factories.SectionFactory()
        story = factories.ArticleFactory()
        factories.BylineFactory(article=story)
        story.tags.add(factories.TagFactory())
    with django_assert_num_queries(OTHER_LIST_QUERIES):
        assert client.get(url).status_code == 200


def test_a_cached_response_costs_one_query(client, django_assert_num_queries, stories):
    client.get("/api/stories/syria-no-fly-zones/")
    with django_assert_num_queries(1):  # the key versions it was stored with
        assert client.get("/api/stories/syria-no-fly-zones/").status_code == 200


# -- HTTP caching -----------------------------------------------------------------------


def test_etag_and_304(client, stories):
    response = client.get("/api/stories/syria-no-fly-zones/")
    etag = response["ETag"]
    assert response["Cache-Control"].startswith("public") and response["Vary"] == "Cookie"
    again = client.get("/api/stories/syria-no-fly-zones/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content


def test_a_saved_story_changes_the_etag_of_its_detail_and_of_lists_showing_it(client, stories):
    detail, listing = "/api/stories/syria-no-fly-zones/", "/api/stories/?tag=syria"
    other = "/api/stories/a-quiet-day/"
    before = {url: client.get(url)["ETag"] for url in (detail, listing, other)}
    lead = Article.objects.get(slug="syria-no-fly-zones")
    lead.headline = "Talks on Syria no-fly zones resume"
    lead.save()
    after = {url: client.get(url) for url in (detail, listing, other)}
    assert after[detail]["ETag"] != before[detail]
    assert after[detail].json()["headline"] == "Talks on Syria no-fly zones resume"
    assert after[listing]["ETag"] != before[listing]
    assert after[other]["ETag"] == before[other]
    assert client.get(detail, headers={"If-None-Match": before[detail]}).status_code == 200


def test_a_widget_edit_reaches_the_story_that_places_it(client, stories):
    url = "/api/stories/syria-no-fly-zones/"
    client.get(url)
    timeline = TimelineBlock.objects.get(parent=stories["lead"]).widget
    factories.TimelineEventFactory(timeline=timeline, date=datetime.date(2017, 4, 7), title="Shayrat strike")
    events = client.get(url).json()["body"][1]["data"]["events"]
    assert "Shayrat strike" in [event["title"] for event in events]


def test_surrogate_keys_name_what_the_response_shows(client, stories):
    lead = stories["lead"]
    shown = set(client.get("/api/stories/syria-no-fly-zones/")["Surrogate-Key"].split())
    timeline = TimelineBlock.objects.get(parent=lead).widget
    expected = {
        "site",
        f"article-{lead.pk}",
        f"section-{lead.section_id}",
        f"image-{lead.lead_image_id}",
        f"widget-timeline-{timeline.pk}",
        *(f"author-{byline.author_id}" for byline in lead.bylines.all()),
        *(f"tag-{tag.pk}" for tag in lead.tags.all()),
    }
    assert expected <= shown
    listing = set(client.get("/api/stories/")["Surrogate-Key"].split())
    assert {"stories", "sections", "tags", "authors", f"article-{lead.pk}"} <= listing
    assert set(client.get("/api/sections/")["xkey"].split()) >= {"sections", f"section-{lead.section_id}"}


def test_a_cached_list_is_renewed_when_a_story_is_published(client, page_cache_log, stories):
    assert page_cache_log(client, "/api/stories/")[1] == "miss"
    assert page_cache_log(client, "/api/stories/")[1] == "hit"
    draft = Article.objects.get(slug="secret-draft")
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now()
    draft.save()
    response, outcome = page_cache_log(client, "/api/stories/")
    assert outcome == "stale"
    assert slugs(response)[0] == "secret-draft"


def test_the_list_expires_when_a_scheduled_story_comes_due(client, stories):
    factories.ArticleFactory(slug="in-an-hour", published_at=timezone.now() + datetime.timedelta(hours=1))
    response = client.get("/api/stories/")
    # At the edge until the story is due (the default would be a day), not a second longer.
    assert 3500 < int(response["Surrogate-Control"].removeprefix("max-age=")) <= 3600


# -- Settings of the site ---------------------------------------------------------------


HOSTILE_REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.BasicAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "1/day"},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 1,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.QueryParameterVersioning",
    "ALLOWED_VERSIONS": ["v9"],
    "DEFAULT_FILTER_BACKENDS": ["rest_framework.filters.SearchFilter"],
    "DEFAULT_SCHEMA_CLASS": "rest_framework.schemas.openapi.AutoSchema",
    "DATETIME_FORMAT": "%d/%m/%Y",
    "DATE_FORMAT": "%d/%m/%Y",
    "UNICODE_JSON": False,
    "COMPACT_JSON": False,
    "UPLOADED_FILES_USE_URL": False,
    "EXCEPTION_HANDLER": "tests.test_api.failing_exception_handler",
    "UNAUTHENTICATED_USER": None,
}


def failing_exception_handler(exc, context):
    raise AssertionError("the site's exception handler was used")


def _responses(client):
    urls = ["/api/stories/", "/api/stories/syria-no-fly-zones/", "/api/tags/", "/api/stories/?date_from=x"]
    urls += ["/api/stories/nothing/", "/api/schema/"]
    return {url: (response.status_code, response.content) for url in urls for response in [client.get(url)]}


def test_a_sites_rest_framework_settings_change_nothing(client, stories):
    ours = _responses(client)
    from django.core.cache import cache

    from articles.delivery.page_cache import process_copies

    cache.clear()
    process_copies.clear()
    with override_settings(REST_FRAMEWORK=HOSTILE_REST_FRAMEWORK, SPECTACULAR_SETTINGS={"TITLE": "Theirs"}):
        assert _responses(client) == ours


def test_the_api_sets_nothing_for_the_site(settings):
    # Its configuration lives on its views: the demo (a site) configures REST framework not at all.
    assert not hasattr(settings, "REST_FRAMEWORK")
    assert not hasattr(settings, "SPECTACULAR_SETTINGS")


def test_the_api_needs_neither_app_installed(client, settings, stories):
    apps = [app for app in settings.INSTALLED_APPS if app not in ("rest_framework", "drf_spectacular")]
    with override_settings(INSTALLED_APPS=apps):
        assert client.get("/api/stories/syria-no-fly-zones/").status_code == 200
        assert client.get("/api/schema/").status_code == 200


# -- Schema -----------------------------------------------------------------------------


def test_the_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "The Newsroom API"
    assert set(schema["paths"]) == API_PATHS
    components = schema["components"]["schemas"]
    assert {"Story", "StorySummary", "Byline", "Author", "Picture", "BodyBlock", "TimelineWidget"} <= set(components)
    assert set(components["BodyBlock"]["discriminator"]["mapping"]) == {
        "richtext",
        "pullquote",
        "image",
        "embed",
        "timeline",
        "profile",
        "gallery",
    }
    parameters = {parameter["name"] for parameter in schema["paths"]["/api/stories/"]["get"]["parameters"]}
    assert parameters == {"q", "section", "tag", "author", "date_from", "date_to", "ordering", "cursor", "page_size"}
    assert response["ETag"]


@pytest.mark.parametrize("own_settings", [False, True])
def test_the_schema_generates_without_warnings(tmp_path, own_settings):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    arguments = ["--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")]
    if own_settings:
        arguments += ["--custom-settings", "articles.api.schema.SPECTACULAR_SETTINGS"]
    errors = io.StringIO()
    call_command("spectacular", *arguments, stderr=errors)
    assert "/api/stories/{slug}/" in (tmp_path / "schema.yaml").read_text()


# -- ninjs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.1", "2.1"])
def test_a_story_as_ninjs_is_the_public_document_and_valid(client, stories, version):
    from tests import ninjs_schema

    response = client.get("/api/stories/syria-no-fly-zones/ninjs/", {"version": version})
    assert response.status_code == 200
    document = response.json()
    assert ninjs_schema.errors(document, version) == []
    assert document == client.get("/ninjs/syria-no-fly-zones.json", {"version": version}).json()
    assert response["ETag"]
    assert (
        client.get(
            "/api/stories/syria-no-fly-zones/ninjs/", {"version": version}, HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )


def test_ninjs_drafts_only_for_staff_and_unknown_versions_refused(client, django_user_model, stories):
    assert client.get("/api/stories/secret-draft/ninjs/").status_code == 404
    refused = client.get("/api/stories/syria-no-fly-zones/ninjs/", {"version": "9"})
    assert refused.status_code == 400
    assert "version" in refused.json()
    staff = staff_client(client, django_user_model)
    draft = staff.get("/api/stories/secret-draft/ninjs/")
    assert draft.status_code == 200
    assert draft.json()["pubStatus"] != "usable"


def test_ninjs_query_count_is_constant(client, django_assert_num_queries, stories):
    # The story (section, lead picture) + bylines + tags + the body's blocks (7 types)
    # and widget relations (3) + the key versions.
    with django_assert_num_queries(14):
        assert client.get("/api/stories/syria-no-fly-zones/ninjs/").status_code == 200
