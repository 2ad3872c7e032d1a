"""Settings for the Newsroom demo project, read from the environment.

Every value a deployment changes comes from an environment variable, so the
same file serves a laptop (SQLite, DEBUG on) and production (PostgreSQL).
"""

import datetime
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_proxy_ssl_header(name):
    """``("HTTP_X_FORWARDED_PROTO", "https")`` from ``X-Forwarded-Proto: https``.

    Only set it when a proxy in front of every request sets (and overwrites)
    that header: otherwise any client can claim to be on HTTPS.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    header, sep, expected = value.partition(":")
    if not sep or not header.strip() or not expected.strip():
        sys.exit(f"newsroom: {name} must look like 'X-Forwarded-Proto: https', not {value!r}.")
    meta_name = header.strip().upper().replace("-", "_")
    if not meta_name.startswith("HTTP_"):
        meta_name = f"HTTP_{meta_name}"
    return (meta_name, expected.strip())


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        sys.exit(f"newsroom: {name} must be a whole number, not {value!r}.")


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Running with a key everybody can read would let anyone forge
        # sessions and signed preview links; refuse to start instead.
        sys.exit("newsroom: SECRET_KEY must be set in the environment when DEBUG is off.")
    SECRET_KEY = "django-insecure-newsroom-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "django_filters",
    "content_editor",
    "django_prose_editor",
    "feincms3",
    "adminsortable2",
    "reversion",
    "csp",  # django-csp's system checks; the policy is chosen below
    "axes",  # sign-in throttling, below
    "imagefield",  # the picture library's focal-point widget (its static files)
    # Only for `manage.py spectacular` (the API's schema as a file); the API needs no app entry.
    "drf_spectacular",
    "articles",
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT, before anything else spends time on
    # them (README "Running in production": hashed, compressed, cached for a year).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy per area of the site (see below).
    "articles.content_security.AreaPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns the lockout its backend flags into the page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGE_CODE for base.html's <html lang>: the active language.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.publication",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# Persistent connections: opening one per request (CONN_MAX_AGE=0) costs
# more than serving a cached page, on PostgreSQL a TCP and auth round trip
# each time. A worker keeps its connection for up to 10 minutes; with health
# checks, a connection the server dropped meanwhile (a restart, an idle
# timeout) is tested before a request's first query and replaced, instead of
# failing that request. CONN_MAX_AGE in the environment overrides the age
# (seconds); 0 goes back to one connection per request.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}


def serial_queries(database):
    """PostgreSQL: a request's queries run in its own backend, without parallel workers.

    Starting a parallel worker costs PostgreSQL 10 to 15 ms here, more than
    the queries a reader's page runs (a topic's page 50, a search with a
    section and a topic: 25 to 45 ms once the worker's start was paid), and
    under load the other requests are already using every core. So
    ``max_parallel_workers_per_gather`` is 0 for the app's connections
    (``DATABASE_PARALLEL_WORKERS`` sets another number). ``PGOPTIONS`` or
    ``options`` on the database URL, where given, are left to decide.
    """
    if database["ENGINE"] != "django.db.backends.postgresql" or "PGOPTIONS" in os.environ:
        return database
    options = database.setdefault("OPTIONS", {})
    options.setdefault("options", f"-c max_parallel_workers_per_gather={env_int('DATABASE_PARALLEL_WORKERS', 0)}")
    return database


serial_queries(DATABASES["default"])

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take SQLite's write lock when a transaction starts, not at its first
    # write: two editors saving one story then queue up and the second sees
    # the first's save (articles.locking) instead of failing "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"


def cache_from_url(url):
    """``CACHES["default"]`` from ``CACHE_URL``: ``locmem://`` (default), ``redis://…``, ``dummy://``."""
    scheme = url.partition("://")[0]
    if scheme in ("", "locmem"):
        # Room for every page a mid-sized site's readers ask for in a day (Django's
        # default of 300 entries would evict pages of a 1,000-story archive all
        # day long): about 50 MB per process at ~25 KB a page.
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    if scheme in ("redis", "rediss", "unix"):
        # Shared by every process; needs the `redis` extra (pip install -e '.[redis]').
        # Short socket timeouts (seconds; redis-py waits 5 s by default, older
        # releases forever) so that a Redis that hangs rather than refuses
        # fails fast too: the page is then rendered without the cache
        # (articles.delivery.resilient_cache). A query string on the URL overrides them,
        # e.g. redis://cache.internal:6379/0?socket_timeout=2.
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    sys.exit(f"newsroom: CACHE_URL scheme {scheme!r} is not one of locmem, redis, rediss, unix, dummy.")


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "locmem://"))}

# Read replicas (README "Two app servers, read replicas"): comma-separated
# database URLs, the aliases replica_1, replica_2, …. Anonymous readers' reads
# go to one of them, except for REPLICA_LAG seconds after any write; the rest
# reads and writes the primary (newsroom/routers.py says why). The "recent
# write" mark lives in the cache: with several processes it must be a shared
# one (CACHE_URL=redis://…; check --deploy warns otherwise, newsroom.W001).
READ_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    DATABASES[f"replica_{_number}"] = serial_queries(
        {
            **dj_database_url.parse(_url, conn_max_age=env_int("CONN_MAX_AGE", 600), conn_health_checks=True),
            # Tests read the primary's test database through it rather than make one.
            "TEST": {"MIRROR": "default"},
        }
    )
    READ_REPLICAS.append(f"replica_{_number}")
REPLICA_LAG = env_int("REPLICA_LAG", 5)
if READ_REPLICAS:
    DATABASE_ROUTERS = ["newsroom.routers.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-gb")
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
# The demo's own strings (its base template, 404 and 500 pages); the articles
# app ships its catalog inside the app.
LOCALE_PATHS = [BASE_DIR / "newsroom" / "locale"]
USE_TZ = True

# No FIXTURE_DIRS: `loaddata syria-no-fly-zones` finds the seed story in
# articles/fixtures/, as it does in any site that installs the app. (The
# repository's fixtures/syria-no-fly-zones.json is a link to that file; naming
# fixtures/ here too would load the story twice.)

STATIC_URL = "static/"
# `manage.py collectstatic` writes here and WhiteNoise serves from here.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploads. With DEBUG off Django serves them only when SERVE_MEDIA is on
# (newsroom/urls.py); otherwise the web server in front serves MEDIA_ROOT at
# MEDIA_URL, or MEDIA_URL names another host (a bucket, a CDN).
MEDIA_URL = os.environ.get("MEDIA_URL", "media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# django-imagefield keeps renditions under MEDIA_ROOT/__processed__/; two
# levels of folders keep any one folder small in a big library.
IMAGEFIELD_BIN_DEPTH = 2
# Stories without art are shared with this picture (a static file, 1200x630).
ARTICLES_DEFAULT_SHARE_IMAGE = "newsroom/share.png"
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=False)

# With DEBUG off, collectstatic stores every file under a name with its
# content's hash (newsroom.3f2a….css) and a gzipped copy (Brotli too with the
# `brotli` package), and `{% static %}` links to that name: WhiteNoise can
# then tell browsers and caches to keep it for a year (immutable), and a
# changed file gets a new URL. Pages then need `collectstatic` to have run:
# a file missing from its manifest is an error, not a link that would be
# cached forever. Under DEBUG files come straight from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Django's and WhiteNoise's storages, each link's address worked out
        # once per process (newsroom/storage.py).
        "BACKEND": (
            "newsroom.storage.DevelopmentStaticStorage" if DEBUG else "newsroom.storage.ProductionStaticStorage"
        )
    },
}

# taggit: "Syria" and "syria" are one tag.
TAGGIT_CASE_INSENSITIVE = True

ARTICLES_PUBLICATION_NAME = os.environ.get("PUBLICATION_NAME", "The Newsroom")
# The demo's own site base (templates/base.html: masthead and footer), as a
# site with its own layout would set it.
ARTICLES_BASE_TEMPLATE = "base.html"
# Google News wants a publisher logo in each story's structured data.
ARTICLES_PUBLISHER_LOGO_URL = "/static/newsroom/logo.png"
# What is deployed (e.g. the git commit), the same on every app server, so
# their page caches and ETags agree; unset, the app derives it from the
# static manifest and the template files (articles.delivery.fingerprint).
ARTICLES_DEPLOY_VERSION = os.environ.get("DEPLOY_VERSION") or None
# The site's address, e.g. https://cms.example.com: links in mail to the
# newsroom (review requests) and the domain of feed item ids; unset, the
# address the request came to.
ARTICLES_SITE_URL = os.environ.get("SITE_URL", "")

# Mail (editors are told when a story is submitted for review). The console
# backend prints it, unless EMAIL_URL (smtp://user:password@host:587, or
# smtps:// for TLS from the start) or EMAIL_HOST names a mail server.
_email_url = urlsplit(os.environ.get("EMAIL_URL", ""))
if _email_url.scheme:
    if _email_url.scheme not in {"smtp", "smtps"}:
        sys.exit(f"newsroom: EMAIL_URL must start with smtp:// or smtps://, not {_email_url.scheme}://.")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email_url.hostname or "localhost"
    EMAIL_PORT = _email_url.port or (465 if _email_url.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_email_url.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email_url.password or "")
    EMAIL_USE_SSL = _email_url.scheme == "smtps"
    # smtp:// on the submission port upgrades with STARTTLS unless told otherwise.
    EMAIL_USE_TLS = not EMAIL_USE_SSL and env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
EMAIL_TIMEOUT = 10

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)


# --- HTTPS -------------------------------------------------------------------
# Off unless the environment turns them on: whether the site is served over
# HTTPS, and by whom, is the deployment's to say. Turned on blindly, HSTS
# cannot be taken back for SECURE_HSTS_SECONDS, and an SSL redirect behind a
# proxy that is not trusted (SECURE_PROXY_SSL_HEADER) loops forever. The
# README's "Running in production" lists the values that pass
# `manage.py check --deploy` with no warning.


SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# The proxy's Host header, for absolute links (canonical, feeds, sitemaps)
# when the proxy rewrites Host; only with a proxy that sets it.
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", default=False)


# --- Logging -----------------------------------------------------------------
# Django's default sends request errors only to mail_admins when DEBUG is off
# (nothing without ADMINS) and prints to the console only when DEBUG is on:
# a production 500 left no trace. Here every error, with its traceback, goes
# to stderr, where a process manager, container runtime or journald keeps it.
# No mail handler: a mail server that hangs would hold the worker that is
# answering the failed request (add one, or an error tracker, in your site).
# "Not Found" and other 4xx lines are left to the server's access log.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    sys.exit(f"newsroom: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not {LOG_LEVEL!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}


# --- Content-Security-Policy (django-csp) ------------------------------------
# An enforced policy on every response, chosen per area of the site by
# articles.content_security.AreaPolicyMiddleware: reader pages (and previews,
# feeds, error pages) load styles and images from this site and no script at
# all; the admin's editors get the looser ADMIN policy they need. A CDN in
# STATIC_URL or MEDIA_URL is allowed where those files are used.
from articles import content_security  # noqa: E402  (needs nothing but django-csp)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": content_security.reader_policy(static_url=STATIC_URL, media_url=MEDIA_URL),
}
ARTICLES_CSP_AREAS = {
    "admin": content_security.admin_policy(static_url=STATIC_URL, media_url=MEDIA_URL),
}

if READ_REPLICAS:
    # After WhiteNoise (static files need no database), before anything that reads.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, "newsroom.routers.ReplicaReadsMiddleware"
    )

# --- Login throttling (django-axes) -------------------------------------------
# Five wrong passwords for one account from one client lock that pair out for
# 15 minutes: the next attempts are refused before any password is hashed and
# answered with newsroom.lockout's page (429). Other accounts, other clients
# and every reader page are untouched. Each failure while locked restarts the
# wait; a success clears the count; `manage.py axes_reset_username NAME` or
# deleting the "access attempt" in the admin unlocks at once.
# Axes first: it refuses a locked-out pair before ModelBackend hashes anything.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.lockout.locked_out"
# Whose attempt is it? REMOTE_ADDR unless the environment names the header a
# trusted proxy in front sets (e.g. HTTP_X_REAL_IP; or HTTP_X_FORWARDED_FOR
# with AXES_IPWARE_PROXY_COUNT, the number of addresses after the client's
# there). Trusting a header a client sends itself would let an attacker
# pick a new address for every try.
AXES_IPWARE_META_PRECEDENCE_ORDER = env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"])
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", None)
if "HTTP_X_FORWARDED_FOR" in AXES_IPWARE_META_PRECEDENCE_ORDER and AXES_IPWARE_PROXY_COUNT is None:
    # Without the count ipware takes the first address, which the client writes itself.
    sys.exit("newsroom: HTTP_X_FORWARDED_FOR in AXES_IPWARE_META_PRECEDENCE_ORDER needs AXES_IPWARE_PROXY_COUNT.")

# --- Edge cache (Varnish) -----------------------------------------------------
# Each committed change purges the pages that show what it changed from every
# Varnish listed here (deploy/varnish/newsroom.vcl; README "Edge cache").
# VARNISH_PURGE_URLS: comma-separated, one URL per Varnish instance, e.g.
# http://127.0.0.1:6081. VARNISH_PURGE_SECRET: the VCL's purge token, sent
# as X-Purge-Token. Fastly or Cloudflare: add their purgers to this list in
# your own settings.
VARNISH_PURGE_URLS = env_list("VARNISH_PURGE_URLS", [])
ARTICLES_PURGERS = []
if VARNISH_PURGE_URLS:
    ARTICLES_PURGERS.append(
        {
            "BACKEND": "articles.delivery.purging.VarnishPurger",
            "OPTIONS": {"urls": VARNISH_PURGE_URLS, "secret": os.environ.get("VARNISH_PURGE_SECRET") or None},
        }
    )
