"""The project's WSGI entry point: Django's handler, with the garbage collector's walk kept short."""

import gc
import weakref

import pytest

from newsroom.wsgi import FrozenAfterWarmUp, application


class Cycle:
    """An object that refers to itself: only the garbage collector frees it."""

    def __init__(self):
        self.me = self


@pytest.fixture
def thawed():
    """Each test starts and ends with nothing frozen, as it found the process."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def ok(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]


def test_freezes_at_load_and_at_each_checkpoint_and_then_never(thawed, monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    app = FrozenAfterWarmUp(ok)
    assert calls == ["collect", "freeze"]
    for served in range(1, 201):
        assert app({}, lambda *args: None) == [b"ok"]
        # A collection before every freeze, so no garbage is frozen with the rest.
        expected = 1 + sum(1 for checkpoint in FrozenAfterWarmUp.checkpoints if checkpoint <= served)
        assert calls == ["collect", "freeze"] * expected, served


def test_garbage_is_collected_not_frozen(thawed):
    garbage = Cycle()
    kept = Cycle()
    gone, alive = weakref.ref(garbage), weakref.ref(kept)
    del garbage
    FrozenAfterWarmUp(ok)
    assert gone() is None
    assert alive() is kept
    assert gc.get_freeze_count() > 0


def test_a_failing_request_still_counts_towards_the_checkpoint(thawed, monkeypatch):
    def broken(environ, start_response):
        raise RuntimeError("the view failed")

    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    app = FrozenAfterWarmUp(broken)
    with pytest.raises(RuntimeError, match="the view failed"):
        app({}, lambda *args: None)
    assert app.served == 1
    assert calls == ["collect", "freeze"] * 2


@pytest.mark.django_db(transaction=True)
def test_the_project_application_serves_pages(thawed):
    # Through the WSGI handler as a server calls it: its request signals close
    # and reopen database connections, which a test transaction would not survive.
    from benchmarks import harness

    status, body = harness.call(application, "/")
    assert status == "200 OK"
    assert b"<html" in body
    assert isinstance(application, FrozenAfterWarmUp)
