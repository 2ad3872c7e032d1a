"""Login throttling (django-axes): an account and client pair is locked after five wrong passwords.

tests/settings.py turns axes off for the rest of the suite (the test
client's ``login()`` passes no request, which axes refuses); every test here
turns it back on and otherwise runs on the project's own settings, which
``test_these_tests_run_the_projects_own_configuration`` checks.
"""

import datetime
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import formats, timezone

import newsroom.settings as project_settings
from tests.quality import reader_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-for-tests-only"
CLIENT_IP = "203.0.113.7"
OTHER_IP = "198.51.100.23"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def attempt(client, password, username="chief", ip=CLIENT_IP, **headers):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **headers,
    )


def signed_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def lock_out(client, username="chief", ip=CLIENT_IP):
    """Five wrong passwords: the fifth answer is already the lockout page."""
    for _ in range(4):
        response = attempt(client, "wrong", username=username, ip=ip)
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    response = attempt(client, "wrong", username=username, ip=ip)
    assert response.status_code == 429
    return response


def rewind_attempts(**delta):
    """As if the recorded failures had happened ``delta`` earlier: moves time for the cool-off."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(**delta))


def test_these_tests_run_the_projects_own_configuration():
    assert not hasattr(project_settings, "AXES_ENABLED")  # on, as axes defaults
    names = [name for name in dir(project_settings) if name.startswith("AXES_")]
    assert {"AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "AXES_LOCKOUT_PARAMETERS"} <= set(names)
    for name in [*names, "AUTHENTICATION_BACKENDS", "MIDDLEWARE", "INSTALLED_APPS"]:
        assert getattr(django_settings, name) == getattr(project_settings, name), name
    assert project_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert project_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_the_right_password_is_refused_once_locked(client, editor):
    lock_out(client)
    assert attempt(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page
    assert AccessAttempt.objects.get(username="chief", ip_address=CLIENT_IP).failures_since_start == 6


def test_the_lockout_page_says_why_and_until_when(client, editor):
    response = lock_out(client)
    html = response.content.decode()
    assert "<h1>Signing in is paused</h1>" in html
    assert "There were 5 failed attempts to sign in as “chief” from your network." in html
    retry_at = AccessAttempt.objects.get().attempt_time + datetime.timedelta(minutes=15)
    until = formats.time_format(timezone.localtime(retry_at), "TIME_FORMAT")
    assert f"is paused until {until} (15\xa0minutes from now)" in html
    assert response["Retry-After"] == "900"
    # In the admin's own layout and under its policy, like the login page it replaces.
    assert 'href="/admin/login/"' in html and "admin/css/login.css" in html
    assert "Content-Security-Policy" in response


def test_no_password_is_hashed_while_locked(client, editor, monkeypatch):
    checked = []
    real_verify = MD5PasswordHasher.verify
    monkeypatch.setattr(MD5PasswordHasher, "verify", lambda self, *args: checked.append(1) or real_verify(self, *args))
    real_encode = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *args: checked.append(1) or real_encode(self, *args))
    attempt(client, "wrong", ip=OTHER_IP)
    assert checked  # an ordinary failure does hash: the counter sees it
    lock_out(client)
    checked.clear()
    for password in ("wrong", PASSWORD):
        assert attempt(client, password).status_code == 429
        assert attempt(client, password, username="nobody-of-that-name").status_code == 200
    # Only the unlocked pair (an unknown user, hashed against a dummy for timing) cost a hash.
    assert len(checked) == 2


def test_another_client_and_another_account_are_not_locked(client, editor, django_user_model):
    django_user_model.objects.create_superuser("desk", "desk@example.com", PASSWORD)
    lock_out(client)
    assert signed_in(attempt(Client(), PASSWORD, ip=OTHER_IP))  # the same account, elsewhere
    assert signed_in(attempt(Client(), PASSWORD, username="desk"))  # another account, same client
    assert attempt(client, PASSWORD).status_code == 429  # the locked pair stays locked


def test_a_forged_forwarded_for_header_is_no_new_client(client, editor):
    """By default the address is REMOTE_ADDR: a header an attacker sets per try changes nothing."""
    for n in range(5):
        response = attempt(client, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}", HTTP_X_REAL_IP=f"192.0.2.{n}")
    assert response.status_code == 429
    assert attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_a_proxy_the_configured_header_names_the_client(client, editor, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_REAL_IP"]
    proxy = "10.0.0.2"  # every request arrives from the proxy
    for _ in range(5):
        response = attempt(client, "wrong", ip=proxy, HTTP_X_REAL_IP=CLIENT_IP)
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == CLIENT_IP
    assert signed_in(attempt(Client(), PASSWORD, ip=proxy, HTTP_X_REAL_IP=OTHER_IP))


def test_behind_a_proxy_forwarded_for_counts_from_the_proxy_end(client, editor, settings):
    """X-Forwarded-For with AXES_IPWARE_PROXY_COUNT=0: the address the proxy appended, never one sent before it."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.AXES_IPWARE_PROXY_COUNT = 0
    proxy = "10.0.0.2"
    for n in range(5):  # a forged entry before the real one, new each time
        response = attempt(client, "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {CLIENT_IP}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {proxy}
    assert signed_in(attempt(Client(), PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=OTHER_IP))


def test_the_lock_lifts_when_the_cool_off_has_passed(client, editor):
    lock_out(client)
    rewind_attempts(minutes=14, seconds=50)
    assert attempt(client, PASSWORD).status_code == 429  # not yet; and this try starts the wait again
    rewind_attempts(minutes=14, seconds=50)
    assert attempt(client, PASSWORD).status_code == 429
    rewind_attempts(minutes=15, seconds=1)
    assert signed_in(attempt(client, PASSWORD))
    assert not AccessAttempt.objects.exists()  # a success clears the count (AXES_RESET_ON_SUCCESS)


def test_a_success_starts_the_count_again(client, editor):
    for _ in range(4):
        attempt(client, "wrong")
    assert signed_in(attempt(client, PASSWORD))
    client.logout()
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    assert signed_in(attempt(client, PASSWORD))


@pytest.mark.parametrize("command", [["axes_reset_username", "chief"], ["axes_reset"]])
def test_a_management_command_lifts_the_lock(client, editor, command):
    lock_out(client)
    out = StringIO()
    call_command(*command, stdout=out)
    assert "1 attempts removed." in out.getvalue()
    assert signed_in(attempt(client, PASSWORD))


def test_an_administrator_lifts_the_lock_by_deleting_the_attempt(client, editor, django_user_model):
    lock_out(client)
    locked = AccessAttempt.objects.get()
    admin = Client()
    django_user_model.objects.create_superuser("desk", "desk@example.com", PASSWORD)
    assert signed_in(attempt(admin, PASSWORD, username="desk", ip=OTHER_IP))
    listing = admin.get("/admin/axes/accessattempt/")
    assert "chief" in listing.content.decode() and CLIENT_IP in listing.content.decode()
    response = admin.post(f"/admin/axes/accessattempt/{locked.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert signed_in(attempt(client, PASSWORD))


def test_a_locked_out_client_still_reads_the_site(client, seed_story, editor):
    paths = [reader_url("home"), seed_story.get_absolute_url(), reader_url("search") + "?q=Syria"]
    reader = Client(REMOTE_ADDR=CLIENT_IP)
    before = [reader.get(path) for path in paths]
    lock_out(reader)
    after = [reader.get(path, REMOTE_ADDR=CLIENT_IP) for path in paths]
    fresh = [Client().get(path) for path in paths]
    for path, old, new, other in zip(paths, before, after, fresh, strict=True):
        assert old.status_code == new.status_code == 200, path
        assert new["Cache-Control"] == old["Cache-Control"] == other["Cache-Control"] == "public, max-age=60", path
        assert new["Vary"] == old["Vary"] == other["Vary"], path
        assert new.content == old.content, path
        assert "sessionid" not in new.cookies


def test_the_test_clients_login_still_works_in_the_test_settings(client, editor, settings):
    """The rest of the suite logs in with client.login(), which passes axes no request."""
    settings.AXES_ENABLED = False
    assert client.login(username="chief", password=PASSWORD)


def settings_value(expression, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AXES_")}
    full_env.update(env, SECRET_KEY="x" * 50)
    code = f"import newsroom.settings as s; print(repr({expression}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_the_client_address_comes_from_the_environment():
    expression = "(s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_COUNT)"
    assert settings_value(expression).stdout.strip() == "(['REMOTE_ADDR'], None)"
    configured = settings_value(
        expression, AXES_IPWARE_META_PRECEDENCE_ORDER="HTTP_X_FORWARDED_FOR, REMOTE_ADDR", AXES_IPWARE_PROXY_COUNT="1"
    )
    assert configured.stdout.strip() == "(['HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR'], 1)"
    bad = settings_value(expression, AXES_IPWARE_PROXY_COUNT="one")
    assert bad.returncode != 0
    assert bad.stderr.strip() == "newsroom: AXES_IPWARE_PROXY_COUNT must be a whole number, not 'one'."


def test_x_forwarded_for_is_believed_only_with_a_proxy_count():
    # Its first address is whatever the client sent: only the count of trusted proxies makes it usable.
    result = settings_value("s.AXES_IPWARE_PROXY_COUNT", AXES_IPWARE_META_PRECEDENCE_ORDER="HTTP_X_FORWARDED_FOR")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "newsroom: HTTP_X_FORWARDED_FOR in AXES_IPWARE_META_PRECEDENCE_ORDER needs AXES_IPWARE_PROXY_COUNT."
    )
    counted = settings_value(
        "s.AXES_IPWARE_PROXY_COUNT",
        AXES_IPWARE_META_PRECEDENCE_ORDER="HTTP_X_FORWARDED_FOR",
        AXES_IPWARE_PROXY_COUNT="0",
    )
    assert counted.stdout.strip() == "0"
