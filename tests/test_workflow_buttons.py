"""The story form's workflow buttons, the review queue and its mail, editorial notes.

Every button for every role on every status, as the form offers it and as a
hand-crafted POST tries it: what the server allows is exactly what the form
shows, and a refused move saves nothing.
"""

import datetime
import logging
import re
import smtplib

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import workflow
from articles.models import Article
from articles.search import text_search
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")
CHANGELIST = reverse("admin:articles_article_changelist")
ACTIONS = ["save", "submit", "publish", "schedule", "unpublish"]
STATUSES = ["new", "draft", "review", "scheduled", "published", "unpublished"]

# What each role is offered on a story in each status; everything else is refused.
OFFERED = {
    ("reporter", "new"): ["save", "submit"],
    ("reporter", "draft"): ["save", "submit"],
    ("reporter", "review"): ["save"],
    ("reporter", "scheduled"): [],
    ("reporter", "published"): [],
    ("reporter", "unpublished"): [],
    ("editor", "new"): ["save", "submit", "publish", "schedule"],
    ("editor", "draft"): ["save", "submit", "publish", "schedule"],
    ("editor", "review"): ["save", "publish", "schedule"],
    ("editor", "scheduled"): ["save", "publish", "schedule", "unpublish"],
    ("editor", "published"): ["save", "unpublish"],
    ("editor", "unpublished"): ["save", "publish", "schedule"],
}
CASES = [(role, status, action) for (role, status), offered in OFFERED.items() for action in offered]
FORGED = [
    (role, status, action)
    for (role, status), offered in OFFERED.items()
    for action in ACTIONS
    if action not in offered
]


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def users(reporter, desk_editor):
    return {"reporter": reporter, "editor": desk_editor}


def story(status, **fields):
    if status == "new":
        return None
    traits = {
        "draft": {"draft": True},
        "review": {"status": "review", "published_at": None},
        "scheduled": {"scheduled": True},
        "published": {},
        "unpublished": {"status": "unpublished"},
    }[status]
    return factories.ArticleFactory(**{"headline": "Council approves budget", **traits, **fields})


def in_two_days():
    return timezone.localtime() + datetime.timedelta(days=2)


def picker_value(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_for(client, article):
    url = ADD if article is None else change_url(article)
    data = form_data(client.get(url).content.decode(), "article_form")
    if article is None:
        section = factories.SectionFactory(name="Politics", slug="politics")
        data.update({"headline": "Council approves budget", "slug": "council-approves-budget", "section": section.pk})
    return url, data


def press(client, article, action, **extra):
    url, data = form_for(client, article)
    # "Save draft" is Django's Save; the other buttons name their move.
    data["_save" if action == "save" else "_workflow"] = action
    if action == "schedule" and "workflow_publish_at" not in extra:
        extra["workflow_publish_at"] = picker_value(in_two_days())
    data.update(extra)
    return client.post(url, data)


def offered_buttons(html):
    return ["save"] * ('name="_save"' in html) + re.findall(r'name="_workflow" value="(\w+)"', html)


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def comment_of_latest_revision(article):
    return Version.objects.get_for_object(article).first().revision.comment


# --- what the form offers -------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), list(OFFERED))
def test_the_form_offers_exactly_the_allowed_buttons(users, role, status):
    article = story(status)
    html = client_for(users[role]).get(ADD if article is None else change_url(article)).content.decode()
    assert offered_buttons(html) == OFFERED[role, status]
    assert ('name="workflow_note"' in html) == ("submit" in OFFERED[role, status])
    assert ('type="datetime-local"' in html) == ("schedule" in OFFERED[role, status])
    assert 'name="_addanother"' not in html


def test_the_buttons_and_the_rules_agree(users):
    for (role, status), offered in OFFERED.items():
        article = story(status)
        assert workflow.available_actions(users[role], article) == offered, (role, status)
        if article is not None:
            article.delete()


def test_the_buttons_are_labelled_for_the_story(users):
    html = client_for(users["editor"]).get(change_url(story("draft"))).content.decode()
    assert 'value="Save draft" class="default" name="_save"' in html
    assert ">Submit for review</button>" in html
    assert ">Publish now</button>" in html
    assert ">Schedule</button>" in html
    html = client_for(users["editor"]).get(change_url(story("scheduled"))).content.decode()
    assert ">Reschedule</button>" in html
    assert ">Unpublish</button>" in html
    assert "Scheduled for" in html


# --- what each button does ---------------------------------------------------------------


@pytest.mark.parametrize(("role", "status", "action"), CASES)
def test_each_offered_button_makes_its_move(users, role, status, action):
    user = users[role]
    client = client_for(user)
    article = story(status)
    # The form's time has whole seconds.
    before = (
        None
        if article is None
        else (article.status, article.published_at and article.published_at.replace(microsecond=0))
    )
    response = press(client, article, action)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = Article.objects.get(slug=article.slug if article else "council-approves-budget")
    assert saved.updated_by == user
    if action == "save":
        published_at = saved.published_at and saved.published_at.replace(microsecond=0)
        assert (saved.status, published_at) == (before or ("draft", None))
    elif action == "submit":
        assert saved.status == "review"
        assert saved.review_requested_by == user
        assert timezone.now() - saved.review_requested_at < datetime.timedelta(minutes=1)
    elif action == "publish":
        assert saved.is_visible
        assert timezone.now() - saved.published_at < datetime.timedelta(minutes=1)
    elif action == "schedule":
        assert saved.is_scheduled
        assert picker_value(saved.published_at) == picker_value(in_two_days())
    elif action == "unpublish":
        assert saved.status == "unpublished"
    # every button saves through the admin: a revision, whose comment says what was done
    versions = Version.objects.get_for_object(saved)
    assert versions.exists()
    if action != "save":
        comment = versions.first().revision.comment
        assert {"submit": "Submitted for review by", "publish": "Published by"}.get(action, "") in comment
        assert {"schedule": "Scheduled by", "unpublish": "Unpublished by"}.get(action, "") in comment


@pytest.mark.parametrize(("role", "status", "action"), FORGED)
def test_a_forged_button_is_refused_and_saves_nothing(users, role, status, action):
    client = client_for(users[role])
    article = story(status)
    if article is not None and not workflow.can_edit(users[role], article):
        # A story gone out is read-only for a reporter: the admin refuses any POST.
        data = {"headline": "Forged", "_workflow": action, "workflow_publish_at": picker_value(in_two_days())}
        assert client.post(change_url(article), data).status_code == 403
    else:
        url, data = form_for(client, article)
        data.update({"headline": "Forged", "_workflow": action, "workflow_publish_at": picker_value(in_two_days())})
        response = client.post(url, data)
        assert response.status_code == 200
        errors = " ".join(response.context["adminform"].form.non_field_errors())
        if action in workflow.EDITOR_ACTIONS and role == "reporter":
            assert "You may not publish, schedule or unpublish stories" in errors
        else:
            assert "cannot be moved that way" in errors
    if article is None:
        assert not Article.objects.exists()
    else:
        saved = Article.objects.get(pk=article.pk)
        assert (saved.headline, saved.status, saved.published_at, saved.updated_at) == (
            article.headline,
            article.status,
            article.published_at,
            article.updated_at,
        )
        assert not Version.objects.get_for_object(article).exists()
    assert not mail.outbox


def test_an_unknown_action_is_refused(users):
    article = story("draft")
    response = press(client_for(users["editor"]), article, "delete_everything")
    assert response.status_code == 200
    assert "That is not a workflow action." in response.content.decode()
    assert Article.objects.get(pk=article.pk).updated_at == article.updated_at


def test_anonymous_users_cannot_press_buttons():
    article = story("review")
    response = Client().post(change_url(article), {"_workflow": "publish"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Article.objects.get(pk=article.pk).status == "review"


def test_a_reporter_forging_a_status_with_submit_is_refused(users):
    article = story("draft")
    response = press(client_for(users["reporter"]), article, "submit", status="published")
    assert response.status_code == 200
    assert Article.objects.get(pk=article.pk).status == "draft"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("", "Choose the date and time the story should appear."),
        ("2001-01-01T10:00", "That time has passed"),
        ("yesterday-ish", "Enter a valid date/time."),
    ],
)
def test_scheduling_needs_a_time_in_the_future(users, when, message):
    article = story("review")
    response = press(client_for(users["editor"]), article, "schedule", workflow_publish_at=when)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["workflow_publish_at"])
    assert Article.objects.get(pk=article.pk).status == "review"


def test_a_stale_button_press_is_refused(users, jane_client):
    article = story("review")
    client = client_for(users["editor"])
    url, data = form_for(client, article)
    # Jane saves the story while this editor's form is open.
    assert press(jane_client, article, "save").status_code == 302
    data["_workflow"] = "publish"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "your changes were not saved" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == "review"


def test_the_status_dropdown_still_works_for_moves_the_buttons_do_not_make(users):
    # Sending a story in review back to its reporter: the dropdown, through the same rules.
    article = story("review")
    client = client_for(users["reporter"])
    url, data = form_for(client, article)
    data.update({"status": "draft", "_continue": "1"})
    assert client.post(url, data).status_code == 302
    assert Article.objects.get(pk=article.pk).status == "draft"


def test_the_restore_form_shows_no_workflow_buttons(users):
    article = story("draft")
    client = client_for(users["editor"])
    assert press(client, article, "save", editorial_notes="Check the budget figure").status_code == 302
    version = Version.objects.get_for_object(article).first()
    html = client.get(reverse("admin:articles_article_revision", args=[article.pk, version.pk])).content.decode()
    assert 'name="_workflow"' not in html
    assert 'name="workflow_note"' not in html
    # the revision brings its notes back itself: shown, not posted
    assert 'name="editorial_notes"' not in html
    assert '<p class="workflow-notes">Check the budget figure</p>' in html


# --- submitting for review -------------------------------------------------------------


def test_submitting_records_who_when_and_the_note_also_in_the_revision(users):
    article = story("draft")
    response = press(client_for(users["reporter"]), article, "submit", workflow_note="Please check the quotes.")
    assert response.status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert (saved.status, saved.review_requested_by, saved.review_note) == (
        "review",
        users["reporter"],
        "Please check the quotes.",
    )
    comment = comment_of_latest_revision(saved)
    assert "Submitted for review by reporter." in comment
    assert "Please check the quotes." in comment
    assert "Submitted for review by reporter. Note: “Please check the quotes.”" in texts(response)


def test_submitting_mails_every_active_editor_with_an_address_but_the_submitter(users, editor, django_user_model):
    gone = factories.UserFactory(username="gone", email="gone@example.com", is_active=False, is_superuser=True)
    no_address = factories.UserFactory(username="noaddress", email="", is_superuser=True)
    another_reporter = factories.UserFactory(username="other", email="other@example.com")
    assert gone and no_address and another_reporter
    article = story("draft")
    response = press(client_for(users["reporter"]), article, "submit", workflow_note="Second source is on the record.")
    assert response.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == ["chief@example.com", "desk-editor@example.com"]
    assert all(len(message.to) == 1 for message in mail.outbox)
    message = mail.outbox[0]
    assert message.subject == "For review: Council approves budget"
    assert "reporter submitted “Council approves budget” for review." in message.body
    assert "Second source is on the record." in message.body
    assert f"http://testserver{change_url(article)}" in message.body
    assert "2 editors were told by mail." in texts(response)


def test_an_editor_submitting_is_not_mailed_about_it(users, editor):
    article = story("draft")
    assert press(client_for(editor), article, "submit").status_code == 302
    assert [message.to for message in mail.outbox] == [["desk-editor@example.com"]]


def test_the_mail_links_to_the_site_address_when_set(users, settings):
    settings.ARTICLES_SITE_URL = "https://cms.example.com/"
    article = story("draft")
    assert press(client_for(users["reporter"]), article, "submit").status_code == 302
    assert f"https://cms.example.com{change_url(article)}" in mail.outbox[0].body


def test_a_headline_with_a_line_break_makes_a_one_line_subject(users):
    article = story("draft", headline="Council\napproves budget")
    assert press(client_for(users["reporter"]), article, "submit").status_code == 302
    assert mail.outbox[0].subject == "For review: Council approves budget"


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class UnreachableMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.mark.parametrize("backend", ["BrokenMailServer", "UnreachableMailServer"])
def test_a_failing_mail_server_never_loses_the_submission(users, settings, caplog, backend):
    settings.EMAIL_BACKEND = f"tests.test_workflow_buttons.{backend}"
    article = story("draft")
    with caplog.at_level(logging.ERROR, logger="articles.editing.review"):
        response = press(client_for(users["reporter"]), article, "submit", workflow_note="Urgent")
    assert response.status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert (saved.status, saved.review_note) == ("review", "Urgent")
    assert Version.objects.get_for_object(saved).exists()
    assert any("the mail to the editors could not be sent" in text for text in texts(response))
    assert any("waits for review" in record.getMessage() for record in caplog.records)


def test_no_mail_for_a_submission_that_was_not_saved(users, jane_client):
    article = story("draft")
    client = client_for(users["reporter"])
    url, data = form_for(client, article)
    assert press(jane_client, article, "save").status_code == 302
    data["_workflow"] = "submit"
    assert client.post(url, data).status_code == 200  # stale: refused
    assert Article.objects.get(pk=article.pk).status == "draft"
    assert not mail.outbox


def test_a_new_story_can_be_submitted_straight_away(users):
    response = press(client_for(users["reporter"]), None, "submit", workflow_note="First draft, be kind")
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.review_note, article.created_by) == (
        "review",
        "First draft, be kind",
        users["reporter"],
    )
    assert len(mail.outbox) == 1


# --- the review queue --------------------------------------------------------------------


def submitted(headline, by, minutes_ago, note=""):
    return factories.ArticleFactory(
        headline=headline,
        status="review",
        published_at=None,
        review_requested_by=by,
        review_requested_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        review_note=note,
    )


def test_the_queue_lists_stories_in_review_newest_submission_first(users, editor_client):
    older = submitted("Older", users["reporter"], 60, note="Check the figures")
    newer = submitted("Newer", users["reporter"], 5, note="Legal has seen it")
    never = factories.ArticleFactory(headline="Set by hand", status="review", published_at=None)
    factories.ArticleFactory(headline="A draft", draft=True)
    factories.ArticleFactory(headline="Live")
    response = editor_client.get(CHANGELIST, {"queue": "review"})
    assert list(response.context["cl"].result_list) == [newer, older, never]
    html = response.content.decode()
    assert "Waiting for review" in html
    assert "Legal has seen it" in html
    assert "Check the figures" in html
    assert html.count(">reporter<") == 2
    for column in ("submitted by", "submitted", "note to the editor"):
        assert f">{column.capitalize()}<" in html or f">{column}<" in html.lower()


def test_the_queue_is_offered_in_the_changelist(editor_client, reporter_client):
    for client in (editor_client, reporter_client):
        assert "?queue=review" in client.get(CHANGELIST).content.decode()


def test_the_queue_costs_the_same_queries_for_three_stories_as_for_thirty(
    users, editor_client, django_assert_num_queries
):
    submitted("First", users["reporter"], 1)
    editor_client.get(CHANGELIST, {"queue": "review"})  # sessions, content types: warm
    with django_assert_num_queries(9) as few:
        editor_client.get(CHANGELIST, {"queue": "review"})
    for minutes in range(2, 32):
        submitted(f"Story {minutes}", users["editor"] if minutes % 2 else users["reporter"], minutes, "Note")
    with django_assert_num_queries(len(few.captured_queries)):
        response = editor_client.get(CHANGELIST, {"queue": "review"})
    assert len(response.context["cl"].result_list) == 31


def test_a_restore_keeps_the_latest_submission(users, editor_client):
    article = story("draft")
    reporter_client = client_for(users["reporter"])
    assert press(reporter_client, article, "save", editorial_notes="Old notes").status_code == 302
    first = Version.objects.get_for_object(article).first()
    assert press(reporter_client, article, "submit", workflow_note="Ready", editorial_notes="New").status_code == 302
    url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    data = form_data(editor_client.get(url).content.decode(), "article_form")
    data["_save"] = "Save"
    assert editor_client.post(url, data).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert (saved.review_requested_by, saved.review_note) == (users["reporter"], "Ready")
    # the notes are content: the revision's come back
    assert saved.editorial_notes == "Old notes"


# --- editorial notes -------------------------------------------------------------------

NOTE = "Zanzibarquokka: lawyers want the second quote out"


@pytest.fixture
def noted_story(editor_client):
    """A live story whose editorial notes were written through the form."""
    article = factories.ArticleFactory(
        headline="Council approves budget", section__name="Politics", section__slug="politics"
    )
    factories.RichTextFactory(parent=article, text="<p>The council met on Tuesday.</p>")
    tag = factories.TagFactory(name="Budget", slug="budget")
    factories.TaggedArticleFactory(content_object=article, tag=tag)
    url, data = form_for(editor_client, article)
    data.update({"_workflow": "save", "editorial_notes": NOTE})
    assert editor_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.editorial_notes == NOTE
    return article


def test_editorial_notes_sit_with_the_buttons_and_are_kept_in_revisions(noted_story, editor_client):
    html = editor_client.get(change_url(noted_story)).content.decode()
    panel = html[html.index('class="module aligned workflow-panel"') : html.index('name="_workflow"')]
    assert 'name="editorial_notes"' in panel
    assert NOTE in panel
    assert html.count('name="editorial_notes"') == 1
    assert Version.objects.get_for_object(noted_story).first().field_dict["editorial_notes"] == NOTE


def test_a_reporter_writes_editorial_notes_too(users):
    article = story("draft")
    assert (
        press(client_for(users["reporter"]), article, "save", editorial_notes="Waiting for a call back").status_code
        == 302
    )
    assert Article.objects.get(pk=article.pk).editorial_notes == "Waiting for a call back"


def test_a_reporter_reading_a_published_story_sees_the_notes_as_text(users, noted_story):
    html = client_for(users["reporter"]).get(change_url(noted_story)).content.decode()
    assert 'name="editorial_notes"' not in html
    assert '<p class="workflow-notes">Zanzibarquokka: lawyers want the second quote out</p>' in html


def reader_outputs(client, article):
    published = timezone.localtime(article.published_at)
    urls = [
        article.get_absolute_url(),
        reverse("articles:home"),
        reverse("articles:section", args=["politics"]),
        reverse("articles:tag", args=["budget"]),
        reverse("articles:feed_rss"),
        reverse("articles:feed_atom"),
        reverse("articles:section_feed_rss", args=["politics"]),
        reverse("articles:tag_feed_atom", args=["budget"]),
        reverse("articles:sitemap_index"),
        reverse("articles:story_sitemap", kwargs={"year": f"{published:%Y}", "month": f"{published:%m}"}),
        reverse("articles:news_sitemap"),
        reverse("articles:search") + "?q=council",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, b"".join(response) if response.streaming else response.content


def test_editorial_notes_are_on_no_reader_output(client, noted_story):
    for url, content in reader_outputs(client, noted_story):
        assert b"Zanzibarquokka" not in content, url
    page = client.get(noted_story.get_absolute_url()).content.decode()
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "Council approves budget" in jsonld
    assert "Zanzibarquokka" not in jsonld


def test_editorial_notes_are_not_in_the_search_document(client, noted_story):
    assert [a.pk for a in client.get("/search/", {"q": "council"}).context["articles"]] == [noted_story.pk]
    assert list(client.get("/search/", {"q": "Zanzibarquokka"}).context["articles"]) == []
    assert not Article.objects.filter(pk=noted_story.pk).filter(text_search("Zanzibarquokka").condition()).exists()


def test_editorial_notes_are_not_in_previews(noted_story, editor_client):
    from articles.preview import shared_preview_url

    staff = editor_client.get(reverse("articles:preview", args=[noted_story.pk])).content.decode()
    assert "Council approves budget" in staff
    assert "Zanzibarquokka" not in staff
    shared = Client().get(shared_preview_url(noted_story)).content.decode()
    assert "Council approves budget" in shared
    assert "Zanzibarquokka" not in shared


# --- the demo's mail settings ------------------------------------------------------------


def demo_mail_settings(**environment):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "newsroom.settings", **environment})
    names = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"]
    names += ["EMAIL_USE_TLS", "EMAIL_USE_SSL"]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_demo_prints_mail_unless_a_server_is_named():
    assert demo_mail_settings()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    smtp = demo_mail_settings(EMAIL_URL="smtp://desk%40example.com:s3cret@mail.example.com:587")
    assert smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == (
        "mail.example.com",
        587,
        "desk@example.com",
        "s3cret",
    )
    assert (smtp["EMAIL_USE_TLS"], smtp["EMAIL_USE_SSL"]) == (True, False)
    smtps = demo_mail_settings(EMAIL_URL="smtps://mail.example.com")
    assert (smtps["EMAIL_PORT"], smtps["EMAIL_USE_TLS"], smtps["EMAIL_USE_SSL"]) == (465, False, True)
    host = demo_mail_settings(EMAIL_HOST="relay.internal", EMAIL_PORT="2525")
    assert (host["EMAIL_BACKEND"], host["EMAIL_HOST"], host["EMAIL_PORT"]) == (
        "django.core.mail.backends.smtp.EmailBackend",
        "relay.internal",
        2525,
    )


def test_after_a_refused_save_the_buttons_are_for_the_story_as_stored(users):
    article = story("published")
    client = client_for(users["editor"])
    url, data = form_for(client, article)
    data.update({"status": "draft", "headline": "", "_save": "Save"})  # no headline: refused
    response = client.post(url, data)
    assert response.status_code == 200
    assert offered_buttons(response.content.decode()) == ["save", "unpublish"]
    assert "Published " in response.content.decode()


def test_staff_without_article_permissions_cannot_press_buttons_or_see_the_queue():
    outsider = factories.UserFactory(username="sports-desk", is_staff=True)
    client = client_for(outsider)
    article = story("review")
    response = client.post(change_url(article), {"headline": "Taken over", "_workflow": "publish"})
    assert response.status_code == 403
    assert client.get(CHANGELIST, {"queue": "review"}).status_code == 403
    saved = Article.objects.get(pk=article.pk)
    assert (saved.status, saved.headline, saved.updated_at) == ("review", article.headline, article.updated_at)
    assert not mail.outbox


def test_anonymous_users_get_no_queue():
    response = Client().get(CHANGELIST, {"queue": "review"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
