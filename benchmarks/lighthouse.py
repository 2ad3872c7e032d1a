"""Lighthouse's mobile performance score of the reader pages of a running site.

Run the site the way readers get it first, e.g. in another terminal::

    SECRET_KEY=… SECURE_COOKIES=0 make serve          # gunicorn, DEBUG off, WhiteNoise (README)

then::

    .venv/bin/python benchmarks/lighthouse.py --site http://127.0.0.1:8000 [--runs 3]

Each page is run ``--runs`` times with Lighthouse's defaults for mobile (a
Moto G Power's screen, simulated slow 4G and a 4x slower CPU) in Debian's
Chromium; the median score and its metrics are printed with the
conditions. The issue's target is a score of at least 95. Which pages: the
home page, the seed story, the newest story, and the seed story's first
topic. The machine's load is printed beside the figures: simulated
throttling still measures this machine's CPU.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SEED_PATH = "/2017/07/05/us-russia-no-fly-zones-syria-tillerson/"
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")
TARGET = 95


def pages(site):
    home = urllib.request.urlopen(site + "/", timeout=30).read().decode()
    stories = re.findall(r'href="(/\d{4}/\d\d/\d\d/[^"/]+/)"', home)
    seed = urllib.request.urlopen(site + SEED_PATH, timeout=30).read().decode()
    tags = re.findall(r'href="(/tag/[^"/]+/)"', seed)
    found = {"home": "/", "seed story": SEED_PATH}
    if stories:
        found["newest story"] = stories[0]
    if tags:
        found["topic"] = tags[0]
    return found


def lighthouse(url):
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
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
        )
        return json.loads(report_path.read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default="http://127.0.0.1:8000", help="the running site (default: make serve's)")
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed (default 3)")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        sys.exit(f"lighthouse: no {LIGHTHOUSE.relative_to(ROOT)}; run `make install` (needs npm)")
    site = args.site.rstrip("/")
    version = subprocess.run(["node", str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    browser = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"conditions: Lighthouse {version}, {browser}, mobile form factor with simulated throttling "
        f"(Lighthouse's defaults), {args.runs} runs per page (median), site {site}, "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'page':14} {'score':>5}  " + "  ".join(f"{metric:>26}" for metric in METRICS))
    missed = []
    for name, path in pages(site).items():
        reports = [lighthouse(site + path) for _ in range(args.runs)]
        reports.sort(key=lambda report: report["categories"]["performance"]["score"])
        median = reports[len(reports) // 2]
        score = round(median["categories"]["performance"]["score"] * 100)
        spread = statistics.pstdev(report["categories"]["performance"]["score"] * 100 for report in reports)
        values = "  ".join(f"{median['audits'][metric]['displayValue']:>26}" for metric in METRICS)
        print(f"{name:14} {score:>5}  {values}   (±{spread:.1f}; {path})")
        if score < TARGET:
            missed.append(name)
    verdict = f"MISSED on {', '.join(missed)}" if missed else "met"
    print(f"target: a score of at least {TARGET} on every page; {verdict}")


if __name__ == "__main__":
    main()
