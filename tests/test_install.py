"""The README's "Adding `articles` to your own site", followed literally from the built wheel.

Builds the wheel, installs it into a fresh venv (Python 3.11 and the newest
Python on the machine), makes a ``django-admin startproject``, applies the
README's own snippets (so the two can never drift), runs the README's
commands, then serves the project with ``runserver`` and checks what a new
user would: the story page with its stylesheet and feed links, the sitemaps,
``/robots.txt`` at the root, the admin's change form and every static file
it loads. Three sites: Django's user model, a custom user model, and the app
mounted under ``/news/``.

Slow (about two minutes): ``make test`` leaves it out (``-m "not install"``
in pyproject.toml); ``make test-install`` and CI (``.ci/run``) run it.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
STORY_PATH = "2017/07/05/us-russia-no-fly-zones-syria-tillerson/"
HEADLINE = "US says it would consider working with Russia on &#x27;no-fly zones&#x27; in Syria"
PASSWORD = "install-test-only-pw"  # a throwaway project's superuser


def readme_block(name, language):
    """The fenced block right after ``<!-- install:NAME -->`` in README.md."""
    match = re.search(rf"<!-- install:{name} -->\n```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, f"README.md has no ```{language} block after <!-- install:{name} -->"
    return match.group(1)


def run(args, cwd=None, env=None, timeout=300):
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result.stdout + result.stderr


def python_version(executable):
    """``(3, 13)`` for a Python that runs, else None (a pyenv shim of a version not enabled does not)."""
    result = subprocess.run(
        [executable, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=False
    )
    return tuple(map(int, result.stdout.split())) if result.returncode == 0 else None


def pythons():
    """Every working CPython 3.11+ on the machine, by version: PATH, then pyenv's versions."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python3.{minor}") for minor in range(11, 20)]
    candidates += sorted(map(str, pyenv.glob("3.*/bin/python3")))
    found = {}
    for executable in filter(None, candidates):
        version = python_version(executable)
        if version and version >= (3, 11):
            found.setdefault(version, executable)
    return found


def python_for(which):
    """Python 3.11 (the bottom of the support range), or the newest above it on the machine."""
    found = pythons()
    newer = [version for version in found if version > (3, 11)]
    if which == "3.11" and (3, 11) in found:
        return found[(3, 11)]
    if which == "newest" and newer:
        return found[max(newer)]
    message = f"no {which} Python on this machine for the install test (install one, e.g. with pyenv)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", out, ROOT])
    [built] = out.glob("newsroom_articles-*.whl")
    return built


@pytest.fixture(scope="session", params=["3.11", "newest"])
def venv(request, wheel, tmp_path_factory):
    """A fresh venv with the wheel and what it requires, nothing else (reused by the three sites)."""
    python = python_for(request.param)
    print(f"install test: {request.param} is {python}")
    path = tmp_path_factory.mktemp(f"venv-{request.param}")
    run([python, "-m", "venv", path])
    run([path / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel])
    return path


def test_the_wheel_holds_the_app_and_its_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "articles/fixtures/syria-no-fly-zones.json",
        "articles/templates/articles/base.html",
        "articles/templates/articles/site_base.html",
        "articles/templates/articles/widgets/timeline.html",
        "articles/static/articles/newsroom.css",
        "articles/static/articles/print.css",
        "articles/migrations/0001_initial.py",
        "articles/urls_root.py",
    ):
        assert name in names, name
    assert any(re.fullmatch(r"newsroom_articles-[^/]+\.dist-info/licenses/LICENSE", name) for name in names)
    # The demo project, the tests and the repository's own folders are not the app.
    assert not [name for name in names if name.split("/")[0] in {"newsroom", "tests", "fixtures", "benchmarks"}]
    locale = ROOT / "articles" / "locale"
    for path in locale.rglob("*.mo") if locale.exists() else ():
        assert path.relative_to(ROOT).as_posix() in names


def test_the_app_needs_none_of_the_demos_packages(venv):
    python = venv / "bin" / "python"
    for module in ("dj_database_url", "axes"):
        result = subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False)
        assert result.returncode != 0, f"{module} was installed with the wheel; it belongs to the demo extra"


class Assets(HTMLParser):
    """The ``<link>``s, the script addresses and the import map's modules of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.scripts, self.modules = [], [], []
        self._in_importmap = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        self._in_importmap = tag == "script" and attrs.get("type") == "importmap"

    def handle_data(self, data):
        if self._in_importmap and data.strip():
            self.modules.extend(json.loads(data).get("imports", {}).values())

    def handle_endtag(self, tag):
        self._in_importmap = False


def assets(html):
    parser = Assets()
    parser.feed(html)
    return parser


class Site:
    """A ``startproject`` in a temporary folder, set up by the README, served by ``runserver``."""

    def __init__(self, venv, folder, variant):
        self.python = venv / "bin" / "python"
        self.folder = folder
        self.variant = variant
        self.prefix = "/news/" if variant == "news_prefix" else "/"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_"))},
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.server = None
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def manage(self, *args):
        return run([self.python, "manage.py", *args], cwd=self.folder, env=self.env)

    def create(self):
        run([self.python, "-m", "django", "startproject", "mysite", self.folder], env=self.env)
        settings = self.folder / "mysite" / "settings.py"
        urls = self.folder / "mysite" / "urls.py"
        settings_snippet = readme_block("settings", "python")
        urls_snippet = readme_block("urls", "python")
        if self.variant == "news_prefix":
            # The change the README gives for a prefix, made to its own line.
            mounted = 'path("news/", include("articles.urls"))'
            assert mounted in README.read_text(encoding="utf-8")
            assert urls_snippet.count('path("", include("articles.urls"))') == 1
            urls_snippet = urls_snippet.replace('path("", include("articles.urls"))', mounted)
        settings.write_text(settings.read_text() + "\n" + settings_snippet)
        urls.write_text(urls.read_text() + "\n" + urls_snippet)
        if self.variant == "custom_user":
            self.add_custom_user_app()
        commands = [line.split() for line in readme_block("commands", "sh").splitlines() if line.strip()]
        assert [c[:3] for c in commands] == [
            ["python", "manage.py", "migrate"],
            ["python", "manage.py", "loaddata"],
            ["python", "manage.py", "createsuperuser"],
            ["python", "manage.py", "runserver"],
        ]
        for command in commands[:2]:  # migrate; loaddata syria-no-fly-zones
            self.manage(*command[2:])
        # createsuperuser as the README says, without its prompts.
        env = {
            **self.env,
            "DJANGO_SUPERUSER_USERNAME": "chief",
            "DJANGO_SUPERUSER_EMAIL": "chief@example.com",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
        run([self.python, "manage.py", "createsuperuser", "--noinput"], cwd=self.folder, env=env)

    def add_custom_user_app(self):
        """A user model of the site's own, registered with a plain ``ModelAdmin`` (no ``search_fields``)."""
        app = self.folder / "accounts"
        (app / "migrations").mkdir(parents=True)
        (app / "__init__.py").write_text("")
        (app / "migrations" / "__init__.py").write_text("")
        (app / "models.py").write_text(
            "from django.contrib.auth.models import AbstractUser\n\n\nclass User(AbstractUser):\n    pass\n"
        )
        (app / "admin.py").write_text(
            "from django.contrib import admin\n\nfrom accounts.models import User\n\nadmin.site.register(User)\n"
        )
        settings = self.folder / "mysite" / "settings.py"
        settings.write_text(
            settings.read_text() + '\nINSTALLED_APPS += ["accounts"]\nAUTH_USER_MODEL = "accounts.User"\n'
        )
        self.manage("makemigrations", "accounts", "-v0")

    def start(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.server = subprocess.Popen(
            [self.python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.server.poll() is None, self.server.stderr.read()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail("runserver did not start within 30 s")

    def stop(self):
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=10)
            self.server.stderr.close()

    def get(self, path, data=None):
        """(status, content type, body) of ``path``; a POST when ``data`` is given."""
        body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read().decode()
        except HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read().decode(errors="replace")
        except URLError as error:
            pytest.fail(f"{path}: {error}")

    def sign_in(self):
        status, _, html = self.get("/admin/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        status, _, html = self.get(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": "chief", "password": PASSWORD, "next": "/admin/"},
        )
        assert status == 200 and "Site administration" in html, html[:2000]


@pytest.fixture
def site(request, venv, tmp_path):
    site = Site(venv, tmp_path / "project", request.param)
    site.folder.mkdir()
    site.create()
    site.start()
    yield site
    site.stop()


def assert_served(site, paths):
    for path in paths:
        assert path.startswith("/"), path  # the site's own, not a CDN's
        status, _, _ = site.get(path)
        assert status == 200, path


@pytest.mark.parametrize("site", ["default", "custom_user", "news_prefix"], indirect=True)
def test_the_readme_setup_works_in_a_new_project(site):
    prefix = site.prefix

    # The app's checks (and Django's) find nothing wrong with the README's setup.
    assert "System check identified no issues" in site.manage("check", "--fail-level", "WARNING")

    # The story page: styled, with its feeds and the seed story.
    status, content_type, html = site.get(prefix + STORY_PATH)
    assert status == 200, html[:3000]
    assert content_type.startswith("text/html")
    assert HEADLINE in html
    page = assets(html)
    stylesheets = [link["href"] for link in page.links if link.get("rel") == "stylesheet"]
    assert "/static/articles/newsroom.css" in stylesheets
    assert_served(site, stylesheets)
    feeds = {link["type"]: link["href"] for link in page.links if link.get("rel") == "alternate"}
    assert feeds["application/rss+xml"].endswith(prefix + "feeds/rss/")
    assert feeds["application/atom+xml"].endswith(prefix + "feeds/atom/")
    assert site.get(prefix + "feeds/rss/")[0] == 200
    # The read API and its schema, with no REST framework app or setting in the project.
    status, content_type, stories = site.get(prefix + "api/stories/")
    assert status == 200 and content_type == "application/json", stories[:3000]
    assert prefix + STORY_PATH in stories  # its address, as the list gives it
    assert site.get(prefix + "api/schema/")[0] == 200
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html

    status, _, home = site.get(prefix)
    assert status == 200 and "/static/articles/newsroom.css" in home

    # Sitemaps, and robots.txt at the root naming them under the prefix.
    status, content_type, sitemap = site.get(prefix + "sitemap.xml")
    assert status == 200 and "xml" in content_type
    assert f"{site.base}{prefix}sitemap-stories-2017-07.xml" in sitemap
    assert site.get(prefix + "sitemap-stories-2017-07.xml")[0] == 200
    status, _, robots = site.get("/robots.txt")
    assert status == 200
    assert f"Sitemap: {site.base}{prefix}sitemap.xml" in robots.splitlines()
    assert f"Disallow: {prefix}preview/" in robots.splitlines()
    if prefix != "/":
        assert site.get(prefix + "robots.txt")[0] == 404

    # The admin: the story's change form, with every script and stylesheet it loads.
    site.sign_in()
    slug = STORY_PATH.split("/")[3]
    query = f"from articles.models import Article; print(Article.objects.get(slug={slug!r}).pk)"
    pk = site.manage("shell", "-v0", "-c", query).split()[-1]
    status, _, form = site.get(f"/admin/articles/article/{pk}/change/")
    assert status == 200, form[:3000]
    assert "Our Foreign Staff" in form
    page = assets(form)
    files = page.scripts + page.modules + [link["href"] for link in page.links if link.get("rel") == "stylesheet"]
    for app in ("adminsortable2/", "content_editor/", "django_prose_editor/", "admin/"):
        assert any(path.startswith(f"/static/{app}") for path in files), app
    assert_served(site, files)

    # The author form: the user field works whatever the user model's admin.
    status, _, form = site.get("/admin/articles/author/add/")
    assert status == 200 and 'name="user"' in form
