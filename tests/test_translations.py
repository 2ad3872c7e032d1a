"""The German and French catalogs: complete, compiled, and what German and French readers and editors see.

The .mo files are committed so a site needs no gettext to use them; the
first tests hold them to their .po files and the .po files to the code
(``makemessages`` finds nothing new). The page tests render the reader
pages and the story's change form in German (and the story in French) and
look for any English string of the catalogs left in what a reader sees.
"""

import datetime
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from articles import dates
from articles.delivery import fingerprint
from articles.models import Article
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
# Each catalog with the tree makemessages reads it from.
CATALOGS = {"articles": ROOT / "articles" / "locale", "newsroom": ROOT / "newsroom" / "locale"}
LANGUAGES = ("de", "fr")


def po_path(catalog, language):
    return CATALOGS[catalog] / language / "LC_MESSAGES" / "django.po"


def entries(catalog):
    """(msgctxt, msgid, msgid_plural) → translation (a string, or a tuple of plural forms)."""
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): (
            tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)) if entry.msgid_plural else entry.msgstr
        )
        for entry in catalog
        # The header is not a message; msgfmt leaves fuzzy entries out.
        if entry.msgid and "fuzzy" not in entry.flags and (entry.msgstr or any(entry.msgstr_plural.values()))
    }


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_is_compiled_from_the_po(catalog, language):
    po = polib.pofile(str(po_path(catalog, language)))
    mo = polib.mofile(str(po_path(catalog, language).with_suffix(".mo")))
    assert entries(mo) == entries(po), "the .mo is stale: run compilemessages (see README, Translations)"
    assert mo.metadata["Plural-Forms"] == po.metadata["Plural-Forms"]
    assert not po.metadata_is_fuzzy  # msgfmt would leave out a fuzzy header, and the plural rule with it


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(catalog, language):
    po = polib.pofile(str(po_path(catalog, language)))
    assert po.percent_translated() == 100, [entry.msgid for entry in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [entry.msgid for entry in po.fuzzy_entries()]
    assert not po.obsolete_entries()


def _copy_sources(catalog, destination):
    """What makemessages reads for ``catalog``, with its locale folder, into ``destination``."""
    skip = shutil.ignore_patterns("__pycache__", "static", "*.mo")
    if catalog == "articles":
        shutil.copytree(ROOT / "articles", destination / "articles", ignore=skip)
        return destination / "articles", destination / "articles" / "locale", []
    # The demo's strings: its templates and its package (newsroom/locale is its LOCALE_PATHS).
    shutil.copytree(ROOT / "templates", destination / "templates", ignore=skip)
    shutil.copytree(ROOT / "newsroom", destination / "newsroom", ignore=skip)
    locale = destination / "newsroom" / "locale"
    return destination, locale, [locale]


@pytest.mark.parametrize("catalog", CATALOGS)
def test_makemessages_finds_no_new_string(catalog, tmp_path, monkeypatch, settings):
    """Extract the strings anew (into a copy) and require each one translated, and nothing else in the catalog."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs GNU gettext (.ci/run installs it)")
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed")
    workdir, locale, locale_paths = _copy_sources(catalog, tmp_path)
    # LOCALE_PATHS would send the copy's strings to the real demo catalog.
    settings.LOCALE_PATHS = locale_paths
    monkeypatch.chdir(workdir)
    call_command("makemessages", locale=list(LANGUAGES), no_location=True, no_obsolete=True, verbosity=0)
    for language in LANGUAGES:
        extracted = polib.pofile(str(locale / po_path(catalog, language).relative_to(CATALOGS[catalog])))
        committed = polib.pofile(str(po_path(catalog, language)))
        assert [entry.msgid for entry in extracted.untranslated_entries()] == [], language
        assert [entry.msgid for entry in extracted.fuzzy_entries()] == [], language
        assert entries(extracted) == entries(committed), f"{language}: run makemessages (see README, Translations)"


def test_a_new_translation_renders_stored_stories_again(settings, tmp_path):
    """A deploy that changes a catalog changes the fingerprint stored story renders are checked against."""
    catalog = tmp_path / "de" / "LC_MESSAGES" / "django.mo"
    catalog.parent.mkdir(parents=True)
    catalog.write_bytes(po_path("articles", "de").with_suffix(".mo").read_bytes())
    settings.LOCALE_PATHS = [tmp_path]
    before = fingerprint.fingerprint()
    catalog.write_bytes(catalog.read_bytes() + b"\0")
    # A deploy starts new processes: nothing worked out before it is kept.
    fingerprint.deploy_version.cache_clear()
    fingerprint.fingerprint.cache_clear()
    assert fingerprint.fingerprint() != before


class _VisibleText(HTMLParser):
    """Text nodes and the attributes people see or hear, outside scripts and the editor's text areas."""

    HIDDEN = {"script", "style", "template", "textarea"}
    SEEN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
        self.texts += [value for name, value in attrs.items() if name in self.SEEN_ATTRIBUTES and value]
        if tag == "meta" and attrs.get("name") == "description":
            self.texts.append(attrs.get("content") or "")
        if tag == "input" and attrs.get("type") in {"submit", "button"}:
            self.texts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.texts.append(data)


def visible_texts(html):
    parser = _VisibleText()
    parser.feed(html)
    texts = set()
    for text in parser.texts:
        # A title joins its parts: "Search: Syria — page 2 | Newsroom".
        for part in re.split(r" \| | — ", text):
            part = " ".join(part.split()).rstrip(":").strip()
            if part:
                texts.add(part)
    return texts


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
NUMBERS = {"number", "count", "total", "page", "pages", "num"}
NUMERIC = r"[\d.,\u00a0 ]+"


def english_patterns(language):
    """A pattern for every English msgid of the catalogs whose translation into ``language`` differs.

    Placeholders match anything; strings with no word of their own outside
    the placeholders ("%(name)s (%(detail)s)") would match anything and are
    left out. Date formats are not prose.
    """
    catalogs = [polib.pofile(str(po_path(catalog, language))) for catalog in CATALOGS]
    # "Website" is German too: a word both languages write alike is no sign of English.
    translations = {
        form.casefold()
        for catalog in catalogs
        for entry in catalog
        for form in (entry.msgstr, *entry.msgstr_plural.values())
        if form
    }
    patterns = {}
    for catalog in catalogs:
        for entry in catalog:
            if entry.msgctxt and entry.msgctxt.startswith("date format"):
                continue
            pairs = [(entry.msgid, entry.msgstr)]
            if entry.msgid_plural:
                forms = entry.msgstr_plural
                pairs = [(entry.msgid, forms[0]), (entry.msgid_plural, forms[len(forms) - 1])]
            for english, translated in pairs:
                if english == translated or english.casefold() in translations:
                    continue
                literal = re.split(r"%\(\w+\)[sd]|\{\w+\}", english)
                if not re.search(r"[A-Za-z]{2}", "".join(literal)):
                    continue
                # A number's placeholder matches figures only: "page %(number)s"
                # must not match a generated headline that starts with "Page".
                holes = [NUMERIC if "".join(names) in NUMBERS else ".+" for names in PLACEHOLDER.findall(english)]
                regex = "".join(
                    re.escape(re.sub(r"\s+", " ", part)) + (holes[i] if i < len(holes) else "")
                    for i, part in enumerate(literal)
                ).strip()
                patterns[english] = re.compile(regex.rstrip(":"), re.IGNORECASE)
    return patterns


def english_left(html, language):
    patterns = english_patterns(language)
    return sorted(
        f"{english!r} in {text!r}"
        for text in visible_texts(html)
        for english, pattern in patterns.items()
        if pattern.fullmatch(text)
    )


def test_the_check_finds_english(settings):
    """The page check itself: it must see an English string where one is left."""
    html = (
        '<html><head><title>Search: Syria | Der Kurier</title><meta name="description" content="Clear all"></head>'
        '<body><p class="byline">By <a>Our Foreign Staff</a></p><nav aria-label="Pages">Page 2 of 3</nav>'
        "<script>Related stories</script><textarea>Related stories</textarea>"
        # A story's own words are not the interface's: "page %(number)s" wants a number.
        "<h2>Page main blood land Congress.</h2></body></html>"
    )
    assert english_left(html, "de") == [
        "'Clear all' in 'Clear all'",
        "'Page %(number)s of %(count)s' in 'Page 2 of 3'",
        "'Pages' in 'Pages'",
        "'Search: %(q)s' in 'Search: Syria'",
        "'by' in 'By'",
    ]


@pytest.fixture
def in_german(settings):
    # The app needs no LocaleMiddleware: a German site sets LANGUAGE_CODE.
    settings.LANGUAGE_CODE = "de"
    with translation.override("de"):
        yield


@pytest.fixture
def in_french(settings):
    settings.LANGUAGE_CODE = "fr"
    with translation.override("fr"):
        yield


@pytest.fixture
def newsroom(seed_story):
    """The seed story, updated since and corrected, with more stories than one page holds."""
    Article.objects.filter(pk=seed_story.pk).update(updated_at=seed_story.published_at + datetime.timedelta(hours=3))
    factories.CorrectionFactory(article=seed_story, published_at=seed_story.published_at + datetime.timedelta(hours=3))
    for _ in range(3):
        factories.ArticleFactory(section=seed_story.section)
    seed_story.refresh_from_db()
    return seed_story


def test_story_page_in_german(client, newsroom, in_german, settings):
    settings.ARTICLES_RELATED_COUNT = 3
    response = client.get(newsroom.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert english_left(html, "de") == []
    assert '<html lang="de">' in html
    # The dateline as a German newsroom writes it; the machine-readable time stays ISO.
    assert "5. Juli 2017" in html and " Uhr</time>" in html
    assert 'datetime="2017-07-05T' in html
    assert "Aktualisiert am" in html
    assert "Korrekturen und Aktualisierungen" in html
    assert "Von <a" in html or "Von <span" in html
    assert "Porträt" in html  # the profile widget's label


def test_story_page_in_french(client, newsroom, in_french):
    response = client.get(newsroom.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert english_left(html, "fr") == []
    assert '<html lang="fr">' in html
    assert re.search(r"5 juillet 2017 à \d\dh\d\d</time>", html)
    assert "Mis à jour le" in html
    assert "Rectificatifs et mises à jour" in html


def test_story_page_in_english_is_unchanged(client, newsroom):
    html = client.get(newsroom.get_absolute_url()).content.decode()
    local = timezone.localtime(newsroom.published_at)
    assert f">{local:%-d %B %Y, %H:%M} {local.tzname()}</time>" in html
    assert "Corrections and updates" in html and "Updated <time" in html


@pytest.mark.parametrize(
    ("page", "german"),
    [
        (lambda story: reverse("articles:home"), "Seite 1 von 2"),
        (lambda story: story.section.get_absolute_url(), ">Ressort</p>"),
        (lambda story: reverse("articles:search") + "?q=Syria", "Artikel gefunden"),
        (lambda story: reverse("articles:search") + "?q=Syria&date_from=soon", "Einige Suchangaben"),
        (lambda story: story.bylines.first().author.get_absolute_url(), "Artikel von Our Foreign Staff."),
        (lambda story: reverse("articles:tag", args=[story.tags.first().slug]), ">Thema</p>"),
    ],
    ids=["home", "section", "search", "search-with-errors", "author", "tag"],
)
def test_listing_pages_in_german(client, newsroom, in_german, settings, page, german):
    settings.ARTICLES_PAGINATE_BY = 2  # so the page links show
    response = client.get(page(newsroom))
    html = response.content.decode()
    assert response.status_code == 200
    assert english_left(html, "de") == []
    assert german in html


def test_search_page_in_german_says_so(client, newsroom, in_german):
    html = client.get(reverse("articles:search") + "?q=Syria").content.decode()
    assert "<h1>Suche</h1>" in html
    assert re.search(r"\d+ Artikel gefunden", html)
    assert "Alle Ressorts" in html and "Alles zurücksetzen" in html
    assert '<button class="button" type="submit">Suchen</button>' in html


def test_search_form_errors_in_german(client, newsroom, in_german):
    html = client.get(reverse("articles:search") + "?date_from=2020-02-01&date_to=2020-01-01").content.decode()
    assert english_left(html, "de") == []
    assert "Das Enddatum liegt vor dem Anfangsdatum." in html
    assert "Einige Suchangaben konnten nicht verwendet werden." in html


def test_feed_titles_in_german(client, newsroom, in_german, settings):
    settings.ARTICLES_PUBLICATION_NAME = "Der Kurier"
    rss = client.get(reverse("articles:feed_rss")).content.decode()
    assert "<title>Der Kurier: Neueste Artikel</title>" in rss
    section = client.get(newsroom.section.get_absolute_url()).content.decode()
    assert 'title="Der Kurier: World (RSS)"' in section


def test_admin_action_message_in_german(editor_client, in_german):
    drafts = factories.ArticleFactory.create_batch(2, status="review", published_at=None)
    changelist = reverse("admin:articles_article_changelist")
    response = editor_client.post(
        changelist, {"action": "publish_selected", "_selected_action": [a.pk for a in drafts]}, follow=True
    )
    assert "2 Artikel veröffentlicht." in response.content.decode()


def test_story_change_form_in_german(editor_client, newsroom, in_german):
    response = editor_client.get(reverse("admin:articles_article_change", args=[newsroom.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert english_left(html, "de") == []
    for german in ("Überschrift", "Dachzeile", "Vorspann", "Aufmacherbild", "Vorschau teilen", "Korrekturen"):
        assert german in html, german


def test_story_change_form_in_french(editor_client, newsroom, in_french):
    html = editor_client.get(reverse("admin:articles_article_change", args=[newsroom.pk])).content.decode()
    assert english_left(html, "fr") == []
    for french in ("Surtitre", "Chapeau", "Image principale", "Partager l\u2019aperçu", "Rectificatifs"):
        assert french in html, french


def test_changelist_actions_in_german(editor_client, newsroom, in_german):
    html = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    # Django's own admin/search_form.html writes this alt text untranslated.
    html = html.replace('alt="Search"', "")
    assert english_left(html, "de") == []
    assert "Ausgewählte Artikel veröffentlichen" in html


def test_admin_dates_follow_the_language(in_german):
    moment = timezone.make_aware(datetime.datetime(2026, 11, 27, 8, 15))
    assert dates.day_time(moment) == "27. November 2026, 08:15"
    assert dates.dateline(moment) == "27. November 2026, 08:15 Uhr"
    with translation.override("fr"):
        assert dates.dateline(moment) == "27 novembre 2026 à 08h15"
        assert dates.month(moment.date()) == "novembre 2026"
    with translation.override("en-gb"):
        assert dates.dateline(moment) == "27 November 2026, 08:15 GMT"


def test_error_pages_in_german(client, db, in_german):
    from django.template.loader import render_to_string

    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert english_left(html, "de") == []
    assert "Seite nicht gefunden" in html
    # The 500 page renders with no context at all, as Django's handler does.
    server_error = render_to_string("500.html")
    assert english_left(server_error, "de") == []
    assert '<html lang="de">' in server_error and "Etwas ist schiefgelaufen" in server_error
