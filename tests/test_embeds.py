"""External embeds (articles.embeds): the provider allow-list, refusal, rendering and the CSP they need.

The browser side (the button makes the sandboxed iframe) is tests/browser/test_embeds.py.
"""

import json
import re
from html import unescape

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from articles import embeds
from articles.models import Embed
from tests import factories
from tests.forms import form_data

YOUTUBE = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"

PARSED = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", YOUTUBE),
    ("https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s", "youtube", YOUTUBE),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", YOUTUBE),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube", YOUTUBE),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube-shorts", YOUTUBE),
    ("https://www.youtube.com/live/dQw4w9WgXcQ", "youtube", YOUTUBE),
    ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://vimeo.com/channels/staffpicks/76979871/", "vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://player.vimeo.com/video/76979871", "vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://x.com/NASA/status/1790000000000000000", "x", "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true"),
    ("https://twitter.com/NASA/status/20?s=20", "x", "https://platform.twitter.com/embed/Tweet.html?id=20&dnt=true"),
    ("https://mobile.twitter.com/NASA/status/20", "x", "https://platform.twitter.com/embed/Tweet.html?id=20&dnt=true"),
    ("https://www.instagram.com/p/C1a2B3c4D5e/", "instagram", "https://www.instagram.com/p/C1a2B3c4D5e/embed/"),
    ("https://www.instagram.com/reel/C1a2B3c4D5e/?igsh=x", "instagram", "https://www.instagram.com/reel/C1a2B3c4D5e/embed/"),
    ("https://www.tiktok.com/@scout2015/video/6718335390845095173", "tiktok", "https://www.tiktok.com/player/v1/6718335390845095173"),
    ("https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l", "bluesky", "https://embed.bsky.app/embed/bsky.app/app.bsky.feed.post/3l6oveex3ii2l"),
    ("https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l", "bluesky", "https://embed.bsky.app/embed/did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l"),
    ("https://mastodon.social/@Gargron/109366367298224521", "mastodon", "https://mastodon.social/@Gargron/109366367298224521/embed"),
    ("https://datawrapper.dwcdn.net/Ab3dE/", "datawrapper", "https://datawrapper.dwcdn.net/Ab3dE/"),
    ("https://datawrapper.dwcdn.net/Ab3dE/4/", "datawrapper", "https://datawrapper.dwcdn.net/Ab3dE/"),
    ("https://app.datawrapper.de/chart/Ab3dE/visualize", "datawrapper", "https://datawrapper.dwcdn.net/Ab3dE/"),
    ("https://public.flourish.studio/visualisation/1234567/", "flourish", "https://flo.uri.sh/visualisation/1234567/embed"),
    ("https://public.flourish.studio/story/98765/", "flourish", "https://flo.uri.sh/story/98765/embed"),
]  # fmt: skip

REFUSED = [
    "https://example.com/watch?v=dQw4w9WgXcQ",  # not a provider
    "https://www.youtube.com/@SomeChannel",  # a provider, but not a video
    "https://www.youtube.com/watch?v=short",  # no video id
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",  # a look-alike host
    "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
    "https://mastodon.evil.example/@user/109366367298224521",  # an instance not listed
    "https://www.instagram.com/someone/",  # a profile, not a post
    "https://x.com/NASA",  # an account, not a post
]
MALFORMED = [
    "",
    "not a url",
    "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
    "ftp://youtu.be/dQw4w9WgXcQ",
    "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",  # a user name: the host is evil.example
    "https://youtu.be:8443/dQw4w9WgXcQ",
    "//youtu.be/dQw4w9WgXcQ",
]


@pytest.mark.parametrize(("url", "key", "src"), PARSED, ids=[url for url, _k, _s in PARSED])
def test_each_provider_address_becomes_its_player(url, key, src):
    embed = embeds.parse(url)
    assert (embed.provider.key, embed.src) == (key, src)
    assert any(src.startswith(origin + "/") for origin in embed.provider.origins)


@pytest.mark.parametrize("url", REFUSED)
def test_addresses_of_other_sites_and_pages_are_refused_naming_the_providers(url):
    with pytest.raises(ValidationError) as refused:
        embeds.parse(url)
    assert refused.value.code == "unsupported_provider"
    message = refused.value.messages[0]
    for name in ("YouTube", "Vimeo", "X (Twitter)", "Instagram", "TikTok", "Bluesky", "Mastodon", "Datawrapper"):
        assert name in message


@pytest.mark.parametrize("url", MALFORMED)
def test_what_is_not_a_web_address_is_refused(url):
    with pytest.raises(ValidationError) as refused:
        embeds.parse(url)
    assert refused.value.code == "malformed"


@pytest.mark.parametrize("provider", embeds.providers(), ids=lambda provider: provider.key)
def test_no_sandbox_combines_scripts_with_same_origin(provider):
    tokens = provider.sandbox.split()
    assert not ("allow-scripts" in tokens and "allow-same-origin" in tokens)
    assert set(tokens) <= {"allow-scripts", "allow-popups", "allow-popups-to-escape-sandbox"}
    assert all(origin.startswith("https://") for origin in provider.origins)


@pytest.mark.django_db
def test_every_rendered_sandbox_keeps_scripts_away_from_same_origin(client):
    story = factories.ArticleFactory()
    for n, (url, _key, _src) in enumerate(PARSED):
        factories.EmbedFactory(parent=story, ordering=n, url=url)
    html = client.get(story.get_absolute_url()).content.decode()
    sandboxes = re.findall(r'data-embed-sandbox="([^"]*)"', html)
    assert len(sandboxes) == len(PARSED)
    for sandbox in sandboxes:
        assert "allow-scripts" in sandbox.split() and "allow-same-origin" not in sandbox.split()
    rendered = {unescape(src) for src in re.findall(r'data-embed-src="([^"]*)"', html)}
    assert rendered == {src for _u, _k, src in PARSED}


def test_a_provider_that_runs_no_script_gets_no_scripts_in_its_sandbox():
    provider = embeds.Provider(
        name="Static", patterns=r"static\.example/(?P<id>\d+)", embed_url="https://s.example/{id}", scripts=False
    )
    assert "allow-scripts" not in provider.sandbox.split()


@pytest.mark.django_db
class TestSaving:
    def test_full_clean_refuses_an_unknown_provider_with_a_message_naming_the_supported_ones(self):
        block = Embed(parent=factories.ArticleFactory(), region="body", ordering=10, url="https://example.com/video/1")
        with pytest.raises(ValidationError) as refused:
            block.full_clean()
        assert "Supported: YouTube, Vimeo" in refused.value.message_dict["url"][0]

    def test_orm_writes_that_skip_validation_are_refused_too(self):
        story = factories.ArticleFactory()
        with pytest.raises(ValidationError):
            Embed.objects.create(parent=story, region="body", ordering=10, url="https://example.com/video/1")
        block = factories.EmbedFactory(parent=story)
        with pytest.raises(ValidationError), transaction.atomic():
            Embed.objects.filter(pk=block.pk).update(url="https://example.com/video/1")
        block.url = "javascript:alert(1)"
        with pytest.raises(ValidationError):
            block.save()
        assert Embed.objects.get(pk=block.pk).url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

    def test_a_fixture_with_an_unknown_provider_is_refused(self, tmp_path):
        story = factories.ArticleFactory()
        fixture = tmp_path / "embed.json"
        fields = {"parent": story.pk, "region": "body", "ordering": 10, "url": "https://example.com/x"}
        fixture.write_text(json.dumps([{"model": "articles.embed", "fields": fields}]))
        with pytest.raises(ValidationError), transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
        assert not Embed.objects.exists()


def _story_with_embed(**fields):
    story = factories.ArticleFactory()
    factories.RichTextFactory(parent=story, ordering=10)
    factories.EmbedFactory(parent=story, ordering=20, **fields)
    return story


@pytest.mark.django_db
class TestReaderPage:
    def test_a_placeholder_with_a_link_and_no_iframe_until_the_reader_asks(self, client):
        story = _story_with_embed(title="The talks, filmed", caption="Arrivals in Geneva.")
        html = client.get(story.get_absolute_url()).content.decode()
        figure = re.search(r'<figure class="embed embed--youtube">.*?</figure>', html, re.S).group(0)
        assert "<iframe" not in html
        assert f'data-embed-src="{YOUTUBE}"' in figure
        assert 'data-embed-sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in figure
        assert 'data-embed-title="The talks, filmed"' in figure
        assert 'data-embed-ratio="16 / 9"' in figure
        assert 'data-embed-allow="autoplay; encrypted-media; fullscreen; picture-in-picture"' in figure
        assert re.search(
            r'<button type="button" class="embed__load" data-embed-load hidden>Load YouTube content</button>', figure
        )
        assert "Loading this content connects you to YouTube" in figure
        assert (
            '<figcaption><span class="embed__caption">Arrivals in Geneva.</span> '
            '<a class="embed__link" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'
            "View on YouTube</a></figcaption>"
        ) in figure
        head = html.split("</head>")[0]
        assert (
            len(re.findall(r'<script type="module" src="/static/articles/embeds(\.[0-9a-f]+)?\.js"></script>', head))
            == 1
        )
        assert '<script type="module"' not in html.split("</head>")[1]

    def test_without_a_title_the_frame_is_named_after_the_provider(self, client):
        story = _story_with_embed(url="https://datawrapper.dwcdn.net/Ab3dE/", title="")
        html = client.get(story.get_absolute_url()).content.decode()
        assert 'data-embed-title="Datawrapper content"' in html
        assert 'data-embed-height="500"' in html

    def test_the_page_policy_allows_the_script_and_the_players_and_only_with_an_embed(self, client):
        story = _story_with_embed()
        policy = _policy(client.get(story.get_absolute_url()))
        assert re.fullmatch(r"http://testserver/static/articles/embeds(\.[0-9a-f]+)?\.js", policy["script-src"][0])
        assert policy["script-src"] == policy["script-src"][:1]
        assert policy["frame-src"] == embeds.frame_origins()
        assert (
            "https://www.youtube-nocookie.com" in policy["frame-src"]
            and "https://mastodon.social" in policy["frame-src"]
        )
        assert policy["default-src"] == ["'none'"]
        plain = _policy(client.get(factories.ArticleFactory().get_absolute_url()))
        assert "script-src" not in plain and "frame-src" not in plain

    def test_a_stored_address_no_provider_knows_any_longer_is_a_plain_link(self, client, settings):
        settings.ARTICLES_EMBED_PROVIDERS = [PODCAST]
        story = _story_with_embed(url="https://podcasts.example.com/episode/42", title="Episode 42")
        settings.ARTICLES_EMBED_PROVIDERS = []
        story.save()  # rendered again without the provider
        response = client.get(story.get_absolute_url())
        html = response.content.decode()
        assert '<a class="embed__link" href="https://podcasts.example.com/episode/42">Episode 42</a>' in html
        assert "data-embed-src" not in html and "embeds" not in html.split("<main", 1)[1].split("</main>")[0].replace(
            "embed__", ""
        )
        assert "frame-src" not in _policy(response)


def _policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


PODCAST = {
    "name": "Example Podcasts",
    "pattern": r"podcasts\.example\.com/episode/(?P<id>\d+)",
    "embed_url": "https://player.podcasts.example.com/embed/{id}",
    "height": 180,
}
#: The same provider by dotted path, as a site would name one in its own module.
PODCAST_PROVIDER = embeds.Provider(
    name="Example Podcasts",
    patterns=(r"podcasts\.example\.com/episode/(?P<id>\d+)",),
    embed_url="https://player.podcasts.example.com/embed/{id}",
    height=180,
)


@pytest.mark.django_db
@pytest.mark.parametrize("entry", [PODCAST, "tests.test_embeds.PODCAST_PROVIDER"], ids=["dict", "dotted-path"])
def test_a_provider_added_in_settings_embeds_and_its_origin_joins_frame_src(client, settings, entry):
    settings.ARTICLES_EMBED_PROVIDERS = [entry]
    embed = embeds.parse("https://podcasts.example.com/episode/42")
    assert (embed.provider.name, embed.src) == ("Example Podcasts", "https://player.podcasts.example.com/embed/42")
    assert "Example Podcasts" in embeds.provider_names()
    story = _story_with_embed(url="https://podcasts.example.com/episode/42")
    response = client.get(story.get_absolute_url())
    assert 'data-embed-src="https://player.podcasts.example.com/embed/42"' in response.content.decode()
    assert "https://player.podcasts.example.com" in _policy(response)["frame-src"]
    settings.ARTICLES_EMBED_PROVIDERS = []
    with pytest.raises(ValidationError):
        embeds.parse("https://podcasts.example.com/episode/42")


def test_a_site_provider_with_a_builtin_key_replaces_it(settings):
    settings.ARTICLES_EMBED_PROVIDERS = [
        {"name": "Vimeo", "pattern": r"vimeo\.com/(?P<id>\d+)", "embed_url": "https://vimeo-proxy.example/{id}"}
    ]
    assert embeds.parse("https://vimeo.com/1").src == "https://vimeo-proxy.example/1"
    assert "https://player.vimeo.com" not in embeds.frame_origins()


def test_mastodon_instances_are_a_setting(settings):
    settings.ARTICLES_EMBED_MASTODON_INSTANCES = ["social.example"]
    assert embeds.parse("https://social.example/@ed/1").src == "https://social.example/@ed/1/embed"
    assert "https://social.example" in embeds.frame_origins()
    with pytest.raises(ValidationError):
        embeds.parse("https://mastodon.social/@Gargron/1")


@pytest.mark.parametrize(
    "entry",
    [
        "tests.test_embeds.NO_SUCH_PROVIDER",
        "tests.test_embeds.TestAdmin",  # a class that is not a provider
        {"name": "Plain http", "pattern": r"a\.example/(?P<id>\d+)", "embed_url": "http://a.example/{id}"},
        {"name": "Any host", "pattern": r"(?P<host>[\w.]+)/(?P<id>\d+)", "embed_url": "https://{host}/{id}"},
        {"name": "Bad pattern", "pattern": r"a\.example/(?P<id", "embed_url": "https://a.example/{id}"},
        {"name": "No pattern", "embed_url": "https://a.example/"},
        42,
    ],
    ids=["missing", "not-a-provider", "http", "open-host", "bad-regex", "no-pattern", "number"],
)
def test_a_misconfigured_provider_is_a_system_check_error(settings, entry):
    settings.ARTICLES_EMBED_PROVIDERS = [entry]
    with pytest.raises(ImproperlyConfigured):
        embeds.providers()
    errors = [error for error in checks.run_checks(tags=["articles"]) if error.id == "articles.E020"]
    assert len(errors) == 1
    settings.ARTICLES_EMBED_PROVIDERS = []
    assert not [error for error in checks.run_checks(tags=["articles"]) if error.id == "articles.E020"]


@pytest.mark.django_db
class TestAdmin:
    def _change_form(self, editor_client, story):
        url = reverse("admin:articles_article_change", args=[story.pk])
        response = editor_client.get(url)
        return url, response.content.decode()

    def test_the_block_menu_offers_an_embed_and_the_help_names_the_providers(self, editor_client):
        _url, html = self._change_form(editor_client, factories.ArticleFactory())
        assert "smart_display" in html
        assert (
            "Supported: YouTube, Vimeo, X (Twitter), Instagram, TikTok, Bluesky, Datawrapper, Flourish, Mastodon."
            in html
        )

    def _post_embed(self, editor_client, story, address):
        factories.EmbedFactory(parent=story, ordering=10)
        url, html = self._change_form(editor_client, story)
        data = form_data(html, "article_form")
        key = next(name for name in data if name.endswith("-url") and "embed" in name)
        data[key] = address
        data["_save"] = "Save"
        return editor_client.post(url, data)

    def test_an_unknown_provider_is_a_form_error_not_a_500(self, editor_client):
        story = factories.ArticleFactory()
        response = self._post_embed(editor_client, story, "https://example.com/clip/1")
        assert response.status_code == 200
        assert (
            "This is not the address of a post, video or chart from a supported provider." in response.content.decode()
        )
        assert Embed.objects.get(parent=story).url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

    def test_a_supported_address_is_saved_and_shown(self, editor_client, client):
        story = factories.ArticleFactory()
        response = self._post_embed(editor_client, story, "vimeo.com/76979871")  # no scheme: https assumed
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Embed.objects.get(parent=story).url == "https://vimeo.com/76979871"
        assert (
            'data-embed-src="https://player.vimeo.com/video/76979871?dnt=1"'
            in client.get(story.get_absolute_url()).content.decode()
        )


@pytest.mark.django_db
def test_the_stored_render_calls_no_static_so_the_script_prefix_placeholder_stays_put():
    """Rendering at save time runs under a placeholder script prefix (articles.delivery.story_render).

    Django keeps STATIC_URL and MEDIA_URL, prefix included, the first time they
    are read; a {% static %} in the stored parts would make that placeholder
    every page's static and media address for the life of the process.
    """
    from django.conf import settings as django_settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.files.storage import storages
    from django.utils.functional import empty

    from articles.delivery import story_render

    def forget():  # as in a new process
        for name in ("STATIC_URL", "MEDIA_URL"):
            django_settings.__dict__.pop(name, None)
        storages._storages.clear()
        staticfiles_storage._wrapped = empty

    story = _story_with_embed()
    forget()
    try:
        story_render.store(story.pk)
        assert story_render.PREFIX not in django_settings.STATIC_URL
        assert story_render.PREFIX not in django_settings.MEDIA_URL
    finally:
        forget()


@pytest.mark.django_db
def test_a_preview_with_an_embed_loads_the_script_and_one_without_does_not(editor_client):
    from tests.quality import reader_url

    draft = factories.ArticleFactory(draft=True)
    plain = editor_client.get(reader_url("preview", draft.pk)).content.decode()
    assert "embeds" not in plain.split("</head>")[0]
    factories.EmbedFactory(parent=draft)
    response = editor_client.get(reader_url("preview", draft.pk))
    assert re.search(
        r'<script type="module" src="/static/articles/embeds[^"]*\.js"></script>', response.content.decode()
    )
    assert "https://www.youtube-nocookie.com" in _policy(response)["frame-src"]
