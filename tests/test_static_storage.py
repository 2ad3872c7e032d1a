"""The demo's static storages remember each file's address (newsroom/storage.py)."""

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage

from newsroom.storage import DevelopmentStaticStorage, ProductionStaticStorage


def test_an_address_is_the_storages_own_and_is_worked_out_once(monkeypatch):
    storage = DevelopmentStaticStorage()
    expected = StaticFilesStorage().url("articles/newsroom.css")
    calls = []
    original = StaticFilesStorage.url
    monkeypatch.setattr(StaticFilesStorage, "url", lambda self, name: calls.append(name) or original(self, name))
    assert storage.url("articles/newsroom.css") == expected
    assert storage.url("articles/newsroom.css") == expected
    assert calls == ["articles/newsroom.css"]


def test_the_hashed_address_follows_debug_and_a_missing_file_is_never_remembered(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"articles/newsroom.css": "articles/newsroom.0123456789ab.css"}, "version": "1.1", "hash": "x"}'
    )
    storage = ProductionStaticStorage(location=tmp_path)
    settings.DEBUG = False
    assert storage.url("articles/newsroom.css").endswith("articles/newsroom.0123456789ab.css")
    settings.DEBUG = True
    assert storage.url("articles/newsroom.css").endswith("articles/newsroom.css")
    settings.DEBUG = False
    for _ in range(2):  # refused each time, as Django's manifest storage refuses it
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("articles/not-there.css")
