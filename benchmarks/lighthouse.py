"""Lighthouse's mobile performance score of the reader pages, with pictures, served the way readers get them.

One command (``make bench-lighthouse`` runs it)::

    .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--stories 4] [--reports DIR]

starts a site of its own in a temporary folder and stops it afterwards:

1. ``manage.py migrate`` and ``collectstatic`` on a new SQLite file
   (``DATABASE_URL``), with ``MEDIA_ROOT`` and ``STATIC_ROOT`` in the same
   folder and a per-process cache (``CACHE_URL=locmem://``);
2. ``benchmarks/picture_stories.py --count 4``: the seed story, then four
   newer published stories in its topic, each with a 4000x3000 camera JPEG
   saved through the picture library (renditions made at save);
3. ``make serve`` with ``DEBUG=0``, a random ``SECRET_KEY``,
   ``SECURE_COOKIES=0`` and ``SERVE_MEDIA=1`` on a free port (its release
   steps, then gunicorn with WhiteNoise, README "Running in production");
4. Lighthouse on the home page, the newest (pictured) story, the seed story
   and the seed story's first topic.

``--site http://127.0.0.1:8000`` measures a site that is already running
instead (e.g. ``SECRET_KEY=… SECURE_COOKIES=0 SERVE_MEDIA=1 make serve``
after ``picture_stories.py`` on its database) and starts nothing.

Each page is run ``--runs`` times with Lighthouse's defaults for mobile (a
Moto G Power's screen, simulated slow 4G and a 4x slower CPU) in Debian's
Chromium; the median run's score and metrics are printed, with the number of
pictures on the page, what the median run's LCP was, and the conditions:
the machine's load (simulated throttling still runs on this machine's CPU)
and how media files were served. ``SERVE_MEDIA=1`` is Django serving
uploads itself, without caching headers; a production site serves
``MEDIA_URL`` from its web server or a CDN with long caching. Lighthouse
runs with an empty browser cache, so caching headers do not change its
score. The issue's target is a score of at least 95 on every page.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SEED_PATH = "/2017/07/05/us-russia-no-fly-zones-syria-tillerson/"
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")
TARGET = 95
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode()


def pictures(html):
    """The ``<img>`` elements of a page's HTML."""
    return re.findall(r"<img\b[^>]*>", html)


def picture_urls(html):
    """Every file an ``<img>`` or ``<source>`` names (``src`` and each ``srcset`` candidate), in page order."""
    urls = []
    for tag in re.findall(r"<(?:img|source)\b[^>]*>", html):
        for attribute, value in re.findall(r'\b(src|srcset)="([^"]*)"', tag):
            candidates = value.split(",") if attribute == "srcset" else [value]
            urls += [candidate.split()[0] for candidate in candidates if candidate.strip()]
    return urls


def pages(site):
    """``{name: path}`` of the measured pages, found by following the site's links as a reader would."""
    home = fetch(site + "/")
    stories = [path for path in re.findall(r'href="(/\d{4}/\d\d/\d\d/[^"/]+/)"', home) if path != SEED_PATH]
    tags = re.findall(r'href="(/tag/[^"/]+/)"', fetch(site + SEED_PATH))
    found = {"home": "/"}
    if stories:
        found["newest story"] = stories[0]
    found["seed story"] = SEED_PATH
    if tags:
        found["topic"] = tags[0]
    return found


def media_serving(site, html):
    """How the site sends one of the page's pictures: its URL, status, type and caching headers."""
    urls = picture_urls(html)
    if not urls:
        return "no picture on the page to ask about"
    url = urllib.request.urljoin(site + "/", urls[0])
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    return (
        f"{url} answers {status} {headers.get('Content-Type', '?')}, "
        f"Cache-Control: {headers.get('Cache-Control') or 'none'}"
    )


def lighthouse(url, keep=None, attempts=3):
    """Lighthouse's JSON report of ``url``; a run that fails is run again, up to ``attempts`` in all.

    On a loaded machine Lighthouse now and then loses its own trace (``NO_NAVSTART``)
    and exits with an error: a failure of the measuring, not a measurement.
    """
    for attempt in range(1, attempts + 1):
        try:
            return lighthouse_run(url, keep)
        except subprocess.CalledProcessError:
            if attempt == attempts:
                raise
            print(f"lighthouse: the run of {url} failed (above); running it again", file=sys.stderr)


def lighthouse_run(url, keep):
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        subprocess.run(
            [
                "node",
                str(LIGHTHOUSE),
                url,
                "--output=json",
                f"--output-path={report_path}",
                "--quiet",
                "--only-categories=performance",
                f"--chrome-flags={CHROME_FLAGS}",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
        )
        if keep:
            keep.write_bytes(report_path.read_bytes())
        return json.loads(report_path.read_text())


def score(report):
    return round(report["categories"]["performance"]["score"] * 100)


def median(reports):
    """The run with the median score (the middle one of an odd number; the lower middle of an even one)."""
    return sorted(reports, key=score)[(len(reports) - 1) // 2]


def lcp_element(report):
    """What the run's Largest Contentful Paint was, as Lighthouse names it (a snippet of the element)."""
    audit = report["audits"].get("largest-contentful-paint-element") or {}
    items = (audit.get("details") or {}).get("items") or []
    # Lighthouse 12 nests a table of the element under the LCP breakdown; older ones list the node.
    for item in items:
        for row in (item.get("items") if item.get("type") == "table" else [item]) or []:
            node = row.get("node") or {}
            if node.get("snippet"):
                return node["snippet"]
    return "?"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_environment(folder, port):
    """The environment of a throwaway site in ``folder``: production settings, plain HTTP, uploads served by Django."""
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_COOKIES": "0",
        "SERVE_MEDIA": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'newsroom.sqlite3'}",
        "CACHE_URL": "locmem://",
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "BIND": f"127.0.0.1:{port}",
    }


@contextlib.contextmanager
def own_site(stories):
    """A site started for the measurement (module docstring, steps 1-3); stopped, and its folder removed, after."""
    with tempfile.TemporaryDirectory(prefix="newsroom-lighthouse-") as tmp:
        folder = Path(tmp)
        port = free_port()
        env = site_environment(folder, port)
        quiet = {**env, "LOG_LEVEL": "WARNING"}  # not a line per rendition made
        # make serve's release steps come first: with DEBUG off a saved story's
        # pages are rendered and stored at once, and they name hashed static files.
        for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *step, "-v0"], cwd=ROOT, env=quiet, check=True)
        subprocess.run(
            [sys.executable, "benchmarks/picture_stories.py", "--count", str(stories)], cwd=ROOT, env=quiet, check=True
        )
        log = folder / "serve.log"
        # A session of its own, so that stopping it stops make, gunicorn and its workers together.
        server = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "serve", f"PY={sys.executable}"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            site = f"http://127.0.0.1:{port}"
            wait_for(site, server, log)
            yield site
        finally:
            harness.stop_group(server)


def wait_for(site, server, log, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"lighthouse: make serve exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            fetch(site + "/")
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"lighthouse: {site} did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


def measure(site, runs, reports_dir, conditions):
    found = pages(site)
    html = {name: fetch(site + path) for name, path in found.items()}  # also a warm-up of each page
    pictured = next((page for page in html.values() if pictures(page)), "")
    print(f"conditions: {conditions}, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"media: {media_serving(site, pictured)}")
    print(f"{'page':13} {'pictures':>8} {'score':>5}  " + "  ".join(f"{metric:>24}" for metric in METRICS))
    missed = []
    for name, path in found.items():
        reports = []
        for run in range(runs):
            keep = reports_dir / f"{name.replace(' ', '-')}-{run + 1}.json" if reports_dir else None
            reports.append(lighthouse(site + path, keep))
        middle = median(reports)
        spread = statistics.pstdev(score(report) for report in reports)
        values = "  ".join(f"{middle['audits'][metric]['displayValue']:>24}" for metric in METRICS)
        verdict = "meets ≥ 95" if score(middle) >= TARGET else "BELOW 95"
        print(
            f"{name:13} {len(pictures(html[name])):>8} {score(middle):>5}  {values}   "
            f"{verdict} (runs {', '.join(str(score(report)) for report in reports)}; ±{spread:.1f}; {path})"
        )
        # Lighthouse's own measure of this machine's speed during each run: under
        # 1000 it warns that the CPU is slower than it expects (the simulated
        # timings, TBT above all, then run high).
        speeds = sorted(round(report["environment"]["benchmarkIndex"]) for report in reports)
        print(f"{'':13} CPU benchmark index {speeds[0]}-{speeds[-1]}; LCP: {lcp_element(middle)[:90]}")
        if score(middle) < TARGET:
            missed.append(name)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    verdict = f"MISSED on {', '.join(missed)}" if missed else "met on every page"
    print(f"target: a score of at least {TARGET} on every page; {verdict}")
    return missed


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--site", help="measure this running site instead of starting one (e.g. http://127.0.0.1:8000)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed (default 3)")
    parser.add_argument("--stories", type=int, default=4, help="pictured stories the started site gets (default 4)")
    parser.add_argument("--reports", type=Path, help="keep every run's JSON report in this folder")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.stories < 1:
        parser.error("--runs and --stories must be at least 1")
    if not LIGHTHOUSE.exists():
        sys.exit(f"lighthouse: no {LIGHTHOUSE.relative_to(ROOT)}; run `make install` (needs npm)")
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["node", str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    browser = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    conditions = (
        f"Lighthouse {version}, {browser}, mobile form factor with simulated throttling (Lighthouse's "
        f"defaults), {args.runs} runs per page (median), {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores"
    )
    sys.stdout.reconfigure(line_buffering=True)  # each page's line as it is measured, into a file too
    # Stopped by a signal, still stop the site it started (own_site's finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.site:
        measure(args.site.rstrip("/"), args.runs, args.reports, f"{conditions}, site {args.site} (already running)")
        return
    with own_site(args.stories) as site:
        served = (
            f"{conditions}, site: make serve (gunicorn, DEBUG off, WhiteNoise, SQLite, per-process cache) "
            f"at {site} with {args.stories} pictured stories; media: SERVE_MEDIA=1 (Django serves uploads, "
            f"no caching headers; production serves them from its web server or CDN)"
        )
        measure(site, args.runs, args.reports, served)


if __name__ == "__main__":
    main()
