"""HTML and accessibility checks on reader pages: the Nu Html Checker and axe-core.

Both come from npm (``package.json``: ``vnu-jar``, ``axe-core``) and the Nu
checker runs on the machine's Java. On a laptop without them the tests that
need them skip with the reason; in CI (``CI`` set) a missing checker is a
failure, never a skip.
"""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Author, Byline, Correction
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA, as the issue asks: every level-A and level-AA rule up to 2.2.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def missing(reason):
    """Skip the test locally; fail it in CI, where every check must run."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the HTML and accessibility checks: {reason}")
    pytest.skip(reason)


def require_vnu():
    if not shutil.which("java"):
        missing("no java on PATH for the Nu Html Checker (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing(f"no {VNU_JAR.relative_to(ROOT)} (run `npm ci --ignore-scripts`, or `make install` with npm)")


def require_axe():
    if not AXE_JS.exists():
        missing(f"no {AXE_JS.relative_to(ROOT)} (run `npm ci --ignore-scripts`, or `make install` with npm)")


def vnu_check(pages):
    """Nu Html Checker errors for many pages at once: ``{name: [message, ...]}``.

    ``pages`` maps a name to a page's HTML. Starting the JVM costs seconds, so
    every page goes through one run of the checker. Warnings ("info") are
    left out; errors and anything the checker could not read are kept.
    """
    require_vnu()
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        files = {}
        for number, (name, html) in enumerate(pages.items()):
            path = Path(tmp) / f"page-{number}.html"
            path.write_text(html, encoding="utf-8")
            files[path.name] = name
        result = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *(str(Path(tmp) / f) for f in files)],
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise AssertionError(f"the Nu Html Checker gave no report:\n{result.stdout}\n{result.stderr}") from exc
    errors = {name: [] for name in pages}
    for message in messages:
        if message.get("type") == "info":
            continue
        # Each message names its file as a file: URL; map it back to the page.
        name = files.get(message.get("url", "").rsplit("/", 1)[-1], "(checker)")
        errors.setdefault(name, []).append(_describe_vnu(message))
    return errors


def vnu_errors(html):
    """Nu Html Checker errors for one page (prefer ``vnu_check`` for many)."""
    return vnu_check({"page": html})["page"]


def _describe_vnu(message):
    where = f"line {message['lastLine']}" if "lastLine" in message else "document"
    extract = (message.get("extract") or "").replace("\n", " ")
    return f"{where}: {message.get('message')}" + (f"  [{extract}]" if extract else "")


def axe_violations(page):
    """axe-core's WCAG 2.2 A/AA violations on the page now open, one readable line each.

    Each line: rule id, impact, what the rule asks, and the CSS targets of the
    offending nodes, so a failing assertion says what to fix and where.
    """
    require_axe()
    # Evaluated through the DevTools protocol, not added as a <script>: the
    # reader pages' Content-Security-Policy (rightly) refuses inline script,
    # and the check must not need the policy turned off.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
                .then(results => results.violations)""",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    ]


def reader_url(name, *args, **kwargs):
    """The address of a reader route."""
    return reverse(f"articles:{name}", args=args, kwargs=kwargs)


class _FormControls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls = []  # (tag, type, name) of every named form control

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"input", "select", "textarea"} and attrs.get("name"):
            self.controls.append((tag, (attrs.get("type") or "text").lower(), attrs["name"]))


def search_params(html, text=None, junk=False):
    """GET parameters for the search form on ``html``, read from the form itself.

    The free-text box is the ``type=search`` input (else one named ``q``).
    ``junk`` fills every date field with a malformed date and any ordering
    field with nonsense, so the page shows the form with its errors.
    """
    parser = _FormControls()
    parser.feed(html)
    params = {}
    names = [name for _, _, name in parser.controls]
    box = next((name for _, kind, name in parser.controls if kind == "search"), "q" if "q" in names else None)
    if text is not None and box:
        params[box] = text
    if junk:
        for _, kind, name in parser.controls:
            if kind == "date" or "date" in name or name.endswith(("_after", "_before", "_from", "_to")):
                params[name] = "not-a-date"
            elif name in {"ordering", "order", "o", "sort"}:
                params[name] = "junk"
    return params


def generated_story():
    """A story that uses every part of the story page at once.

    Three bylines in two roles (one a desk), a pull quote, an embed, both widgets,
    a correction and an update, tags, a lead picture from the library with
    its caption, and an "updated" time well after publication.
    """
    story = factories.ArticleFactory(
        lead_image=factories.ImageFactory(alt="Smoke over the rooftops of the old town"),
        kicker="Analysis",
        headline="Ceasefire holds in the north as talks resume",
        slug="ceasefire-holds",
        standfirst="A fragile calm settles over the region while negotiators meet again.",
        lead_image_caption="Smoke rises over the city on Tuesday",
        lead_image_credit="Reuters",
        published_at=timezone.now() - datetime.timedelta(hours=6),
    )
    factories.BylineFactory(article=story, author__name="Jane Reporter", author__slug="jane-reporter", position=1)
    factories.BylineFactory(
        article=story,
        author__name="World Desk",
        author__slug="world-desk",
        author__kind=Author.Kind.DESK,
        position=2,
    )
    factories.BylineFactory(
        article=story,
        author__name="Sam Lens",
        author__slug="sam-lens",
        role=Byline.Role.PHOTOGRAPHS,
        position=3,
    )
    factories.RichTextFactory(parent=story, ordering=10, text="<p>The guns fell silent at dawn.</p>")
    factories.PullQuoteFactory(parent=story, ordering=20, quote="We will not retreat", attribution="A commander")
    factories.RichTextFactory(parent=story, ordering=30, text="<p>Talks resumed <em>in Geneva</em>.</p>")
    factories.EmbedFactory(
        parent=story,
        ordering=35,
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        title="The talks in Geneva, in pictures",
        caption="Negotiators arrive for the second round.",
    )
    timeline = factories.TimelineBlockFactory(parent=story, ordering=40, widget__title="How the war unfolded").widget
    factories.TimelineEventFactory(timeline=timeline, date=datetime.date(2011, 3, 15), title="Protests begin")
    factories.TimelineEventFactory(
        timeline=timeline, date=datetime.date(2012, 7, 1), precision="month", title="Fighting spreads"
    )
    factories.RichTextFactory(parent=story, ordering=50, text="<h2>What next</h2><p>Both sides must agree.</p>")
    profile = factories.ProfileBlockFactory(parent=story, ordering=60, widget__name="A. Negotiator").widget
    factories.ProfileFactFactory(profile=profile, label="Education", value="London")
    factories.RichTextFactory(parent=story, ordering=70, text="<p>A final paragraph.</p>")
    for name, slug in (("Ceasefire", "ceasefire"), ("Diplomacy", "diplomacy")):
        factories.TaggedArticleFactory(content_object=story, tag__name=name, tag__slug=slug)
    # Shares a tag with the seed story, so each lists the other under "Related stories".
    syria, _ = Tag.objects.get_or_create(name="Syria", defaults={"slug": "syria"})
    factories.TaggedArticleFactory(content_object=story, tag=syria)
    Correction.objects.create(article=story, text="An earlier version misspelt the negotiator's name.")
    Correction.objects.create(article=story, kind=Correction.Kind.UPDATE, text="Adds the talks in Geneva.")
    story.save()  # now "updated", hours after publication
    return story
