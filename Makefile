# The two commands: `make demo` and `make test`. Both need only Python 3.11+,
# make and git; everything else is installed into .venv. With npm (and Java)
# present, the HTML and accessibility checkers are installed into node_modules
# too; without them those tests skip, and in CI they fail instead.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-install lint install serve clean bench bench-day bench-import bench-archive-build bench-lighthouse

$(STAMP): pyproject.toml package-lock.json Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,demo,postgres,redis,production]'
	@# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; we use the machine's.
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
			|| echo "make: npm ci failed; the Nu Html Checker and axe-core tests will skip"; \
	else \
		echo "make: no npm; the Nu Html Checker and axe-core tests will skip"; \
	fi
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py demo_story
	DEBUG=1 $(PY) manage.py demo_superuser
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# The demo as production runs it: gunicorn, DEBUG off, static files hashed
# and served by WhiteNoise. Settings come from the environment (README
# "Running in production"); SECRET_KEY at least, DATABASE_URL and CACHE_URL
# for PostgreSQL and Redis (else SQLite and a per-process cache). On a laptop:
#   SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') SECURE_COOKIES=0 SERVE_MEDIA=1 make serve
serve: export DEBUG = 0
serve: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_story
	exec $(PY) -m gunicorn newsroom.wsgi --config deploy/gunicorn.conf.py

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The README's "Adding articles to your own site" from the built wheel, in a
# fresh venv and startproject (tests/test_install.py; ~2 min, needs the network
# or a pip cache for the wheel's requirements).
test-install: $(STAMP)
	$(PY) -m pytest -m install tests/test_install.py $(PYTEST_ARGS)

# The story page against a bare Django view, in-process (benchmarks/article_page.py --help).
bench: $(STAMP)
	$(PY) benchmarks/article_page.py $(BENCH_ARGS)

# Reads of ~1,000 stories with Zipf popularity while an editor saves (benchmarks/realistic_day.py --help).
bench-day: $(STAMP)
	$(PY) benchmarks/realistic_day.py $(BENCH_ARGS)

# Stories/s of manage.py import_stories into a fresh PostgreSQL database (benchmarks/import_speed.py --help).
bench-import: $(STAMP)
	$(PY) benchmarks/import_speed.py $(BENCH_ARGS)

# A PostgreSQL archive of a million stories (benchmarks/build_archive.py --help). ARCHIVE_URL names the database.
ARCHIVE_URL ?= postgres://postgres@127.0.0.1:5432/newsroom_archive_1m
bench-archive-build: $(STAMP)
	$(PY) benchmarks/build_archive.py --database $(ARCHIVE_URL) $(BENCH_ARGS)

# Lighthouse's mobile score of the reader pages with pictures: serves a throwaway site with pictured
# stories (make serve, SERVE_MEDIA=1), measures, stops it (benchmarks/lighthouse.py --help).
bench-lighthouse: $(STAMP)
	$(PY) benchmarks/lighthouse.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles test-artifacts .demo-credentials
