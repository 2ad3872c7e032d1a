"""Handing a story over in a real browser: a reporter submits it with a note,
an editor finds it in the review queue and schedules it with the picker."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from articles.models import Article
from tests import factories
from tests.quality import AXE_JS, WCAG_TAGS, require_axe

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(chromium, live_server, username, next_path):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    # A missing file is reported by its address (Chromium's console message has none).
    page.on(
        "response", lambda response: response.status >= 400 and problems.append(f"{response.status} {response.url}")
    )
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "browser-test-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return context, page, problems


def panel_violations(page):
    """axe-core's WCAG 2.2 A/AA violations in the workflow panel and its buttons (not the rest of Django's admin)."""
    require_axe()
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """tags => axe.run({include: [[".workflow-panel"], [".workflow-buttons"]]},
                           {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
                .then(results => results.violations)""",
        WCAG_TAGS,
    )
    return [f"{v['id']}: {v['help']} — " + "; ".join(" ".join(n["target"]) for n in v["nodes"]) for v in violations]


def test_reporter_submits_with_a_note_and_an_editor_schedules_it_from_the_queue(
    live_server, chromium, artifacts, django_user_model, newsroom_roles
):
    for username, group in (("reporter", "Reporter"), ("desk", "Editor")):
        user = django_user_model.objects.create_user(
            username, f"{username}@example.com", "browser-test-password", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
    story = factories.ArticleFactory(headline="Council passes budget by one vote", draft=True)
    factories.ArticleFactory(headline="Older story in review", status="review", published_at=None)
    change_path = f"/admin/articles/article/{story.pk}/change/"

    # The reporter: only "Save draft" and "Submit for review" are offered.
    context, page, problems = signed_in(chromium, live_server, "reporter", change_path)
    buttons = page.locator(".workflow-buttons").locator("button, input[type=submit]")
    assert buttons.evaluate_all("nodes => nodes.map(n => n.tagName === 'BUTTON' ? n.textContent : n.value)") == [
        "Save draft",
        "Submit for review",
        "Save and continue editing",
    ]
    page.fill("#id_editorial_notes", "Waiting for the council's press office to call back.")
    page.fill("#id_workflow_note", "Please check the vote count in paragraph 3.")
    page.locator(".workflow-panel").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "workflow-buttons-reporter.png")
    page.click("button[value=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "Submitted for review by reporter." in page.locator(".messagelist").inner_text()
    assert problems == []
    context.close()

    story.refresh_from_db()
    assert story.status == "review"
    assert story.review_note == "Please check the vote count in paragraph 3."
    assert [message.to for message in mail.outbox] == [["desk@example.com"]]

    # The editor: the queue, newest submission first, with who, when and the note.
    context, page, problems = signed_in(chromium, live_server, "desk", "/admin/articles/article/")
    page.click("#changelist-filter a:text-is('Waiting for review')")
    page.wait_for_url("**queue=review**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "Council passes budget by one vote" in first
    assert "reporter" in first
    assert "Please check the vote count in paragraph 3." in first
    page.screenshot(path=artifacts / "workflow-review-queue.png")

    rows.nth(0).locator("th a").click()
    page.wait_for_url(f"**{change_path}**")
    assert page.input_value("#id_editorial_notes") == "Waiting for the council's press office to call back."
    assert page.locator(".workflow-review-note").inner_text() == "Please check the vote count in paragraph 3."
    when = timezone.localtime() + datetime.timedelta(days=1)
    when = when.replace(hour=7, minute=30, second=0, microsecond=0)
    page.fill("#id_workflow_publish_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.locator(".workflow-panel").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "workflow-buttons-editor.png")
    violations = panel_violations(page)
    assert not violations, "\n".join(violations)
    page.click("button[value=schedule]")
    page.wait_for_selector(".messagelist .success")
    assert "Scheduled by desk for" in page.locator(".messagelist").inner_text()
    assert problems == []
    context.close()

    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED
    assert story.published_at == when
    assert story.is_scheduled
