"""Accord settings, driven by the environment.

One module for every deployment; the environment says what differs:

- ``DATABASE_URL``      -- PostgreSQL in production (``postgres://...``); when unset, an SQLite
                           file under ``var/`` (WAL, IMMEDIATE transactions, busy timeout).
- ``ACCORD_DEBUG``      -- ``1`` turns Django's debug mode on (off by default).
- ``ACCORD_SECRET_KEY`` -- required when debug is off outside tests and the demo.
- ``ACCORD_COMPANY_CURRENCY`` -- the currency of company-wide reports (USD by default).
- ``ACCORD_ALLOWED_HOSTS``, ``ACCORD_VAR_DIR``, ``ACCORD_JOB_RETRY_SECONDS``,
  ``ACCORD_WEBHOOKS_ALLOW_LOOPBACK``, ``ACCORD_WEBHOOKS_TIMEOUT_SECONDS``.
- HTTPS in production (see "Production security" below): ``ACCORD_SECURE_COOKIES``,
  ``ACCORD_SSL_REDIRECT``, ``ACCORD_HSTS_SECONDS``, ``ACCORD_HSTS_INCLUDE_SUBDOMAINS``,
  ``ACCORD_HSTS_PRELOAD``, ``ACCORD_TRUSTED_PROXY_COUNT``, ``ACCORD_CSRF_TRUSTED_ORIGINS``.
- Log-in lockout and passwords: ``ACCORD_LOGIN_FAILURE_LIMIT`` (10),
  ``ACCORD_LOGIN_LOCKOUT_MINUTES`` (15), ``ACCORD_PASSWORD_MIN_LENGTH`` (10).
- Operations (see "Operations" below and deploy/README.md): ``ACCORD_LOG_FORMAT``,
  ``ACCORD_LOG_REQUESTS``, ``ACCORD_METRICS_TOKEN``, ``ACCORD_READY_MAX_JOB_LAG_SECONDS``,
  ``ACCORD_READY_MAX_SYNC_AGE_SECONDS``, ``ACCORD_DB_TRANSACTION_POOLER``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from accord.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ACCORD_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _env_flag("ACCORD_DEBUG")
# The demo and tests run without a configured key; a real deployment sets one (`accord serve`
# refuses to start with this one unless debug is on).
DEVELOPMENT_SECRET_KEY = "accord-insecure-development-key-change-me"
SECRET_KEY = os.environ.get("ACCORD_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = os.environ.get("ACCORD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("ACCORD_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

# --- Production security (HTTPS, cookies, headers) -----------------------------------------
#
# Off by default so that the demo and a plain-HTTP trial work; a deployment behind HTTPS sets
# them (README, "Security and privacy"). `manage.py check --deploy` gives 0 warnings with:
#   ACCORD_SECRET_KEY=<50+ random characters> ACCORD_ALLOWED_HOSTS=crm.example.com
#   ACCORD_SECURE_COOKIES=1 ACCORD_SSL_REDIRECT=1 ACCORD_HSTS_SECONDS=31536000
#   ACCORD_HSTS_INCLUDE_SUBDOMAINS=1 ACCORD_HSTS_PRELOAD=1
# (tests/test_deploy_check.py runs exactly that.)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_flag("ACCORD_SECURE_COOKIES")
SECURE_SSL_REDIRECT = _env_flag("ACCORD_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("ACCORD_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("ACCORD_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_flag("ACCORD_HSTS_PRELOAD")
# Behind a TLS-terminating reverse proxy (ACCORD_TRUSTED_PROXY_COUNT > 0, the number of
# proxies in front of Accord) the request's scheme comes from X-Forwarded-Proto, which the
# proxy must set (and overwrite when a client sends it). Never trusted without a proxy: any
# client could claim https.
TRUSTED_PROXY_COUNT = int(os.environ.get("ACCORD_TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): every page's scripts are files served by Accord
# itself (no inline <script>, no on...= handlers, no javascript: URLs, no eval: htmx runs with
# allowEval off, and charts are JSON data blocks drawn by web/accord.js), so script-src is
# 'self' only. Styles: stylesheet files from 'self'; style="..." attributes in markup are
# refused ('none': the templates use classes); only <style> ELEMENTS may be inline, because
# plotly.js inserts its rules in one at runtime (as does Swagger UI). A style element cannot
# run code; htmx's own is switched off (base.html's htmx-config). img-src allows data: for
# the icons Swagger UI and Plotly inline. The browser tests fail on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF, UNSAFE_INLINE],
        "style-src-attr": [NONE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "ninja",  # serves Swagger UI's files itself, so the API docs need no CDN
    "django_q",
    "axes",  # login throttling and lockout (after auth: its admin lists AccessAttempts)
    "accord.core",
    "accord.accounts",
    "accord.api",
    "accord.contacts",
    "accord.tracking",
    "accord.pipeline",
    "accord.analytics",
    "accord.integrations",
    "accord.scoring",
    "accord.handoff",
    "accord.planning",
    "accord.quality",
    "accord.workspace",
    "accord.web",
    "accord.demo",
    "accord.privacy",
    "accord.intel",
    "accord.digest",
]

MIDDLEWARE = [
    # First: request id, timing, request log and metrics; answers /health/* and /metrics
    # before the host check and the HTTPS redirect (load balancers ask by address, over HTTP).
    "accord.ops.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out login into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.web.context_processors.navigation",
                "accord.web.context_processors.notification_bell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------

SQLITE_PATH = VAR_DIR / "accord.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
# Web processes keep their connection between requests: opening one per request cost the
# capture endpoint a TCP/auth round trip on PostgreSQL and the PRAGMAs on SQLite. Django
# checks a kept connection before reusing it (CONN_HEALTH_CHECKS), so a restarted database
# costs one failed check, not a failed request. ACCORD_DB_CONN_MAX_AGE=0 restores per-request
# connections (e.g. behind a pooler like PgBouncer in transaction mode).
_db = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=int(os.environ.get("ACCORD_DB_CONN_MAX_AGE", "60")),
    conn_health_checks=True,
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: concurrency comes from IMMEDIATE transactions (one writer
    # at a time, others wait up to the timeout) and WAL (readers never block the writer).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests need a file database, not :memory:, so that worker and server processes
    # started by the tests see the same data.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{Path(_db['NAME']).stem}.sqlite3")}
# Behind a pooler in transaction mode (PgBouncer ``pool_mode = transaction``) one session may
# run on a different server connection for each transaction, so nothing may outlive one:
# Django's server-side cursors (``QuerySet.iterator()``) are named cursors that do, and must
# be off (Django's documented setting). See README, "Several web and worker nodes".
if _env_flag("ACCORD_DB_TRANSACTION_POOLER") and _db["ENGINE"] != "django.db.backends.sqlite3":
    _db["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES = {"default": _db}
# PostgreSQL: the capture endpoint's few hot statements are prepared once per connection
# (accord.core.prepared.statement_cursor). Set ACCORD_PG_PREPARE=0 behind a pooler that
# cannot keep prepared statements (PgBouncer in transaction mode before 1.21, or without
# max_prepared_statements; deploy/pgbouncer sets it).
PG_PREPARE_HOT_STATEMENTS = os.environ.get("ACCORD_PG_PREPARE", "1") != "0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    # Refuses a password too close to the username, name or e-mail address.
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("ACCORD_PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id for new and changed passwords; the others still verify (and on the next log-in
# upgrade) passwords hashed before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Login throttling and lockout (django-axes) -------------------------------------------
#
# Every failed log-in (/login/ and /admin/login/) is recorded. Either counter reaching the
# limit locks: failures for one USERNAME from any address (a brute force on one account from
# many IPs), or failures from one IP ADDRESS for any usernames (password spraying). A locked
# client sees the log-in page with the reason (HTTP 429) until the cool-off ends or an
# administrator unlocks it (admin: Axes > Access attempts, or `accord security unlock`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ACCORD_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ACCORD_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not clear failures: it would let a sprayer holding one valid account wipe
# its address's count. Failures expire after the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accord.web.lockout.login_locked_out"
# The same client address as the capture limits: X-Forwarded-For only from trusted proxies.
AXES_CLIENT_IP_CALLABLE = "accord.web.lockout.login_client_ip"
AXES_VERBOSE = False

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "accord" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
USE_THOUSAND_SEPARATOR = True
# The currency company-wide reports convert deal amounts into (by dated exchange rates).
COMPANY_CURRENCY = os.environ.get("ACCORD_COMPANY_CURRENCY", "USD").strip().upper() or "USD"

# --- Static files (served by the app itself: no CDN) ------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [("vendor/plotly", Path(plotly.__file__).parent / "package_data")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Background jobs (django-q2 on the ORM broker: the queue lives in our database) ------
#
# A dequeued job is locked for JOB_RETRY_SECONDS; if it is not acknowledged by then (its worker
# died), any worker takes it again. So `retry` is both the crash-recovery delay and the
# failure-retry interval, and it must exceed the job time limit: a worker prefetches a few jobs
# (queue_limit = processes), so a job may wait about one time limit before it starts; with the
# limit at half the retry period a live job is never handed out twice. Should it happen anyway,
# the job's receipt (accord.core.jobs.idempotent) makes the second run a no-op.

JOB_RETRY_SECONDS = int(os.environ.get("ACCORD_JOB_RETRY_SECONDS", "300"))
JOB_TIMEOUT_SECONDS = int(
    os.environ.get("ACCORD_JOB_TIMEOUT_SECONDS", str(max(JOB_RETRY_SECONDS // 2, 1)))
)
if not 0 < JOB_TIMEOUT_SECONDS < JOB_RETRY_SECONDS:
    raise ImproperlyConfigured(
        "ACCORD_JOB_TIMEOUT_SECONDS must be at least 1 and less than ACCORD_JOB_RETRY_SECONDS "
        f"(got {JOB_TIMEOUT_SECONDS} and {JOB_RETRY_SECONDS})."
    )
_job_processes = int(os.environ.get("ACCORD_WORKER_PROCESSES", "2"))
# An outbox drain (capture follow-ups, notification e-mails) refreshes a heartbeat this often
# while it runs; three missed beats and `accord worker` takes it for dead (kill -9) and runs
# what it held again at once, instead of after a lease of minutes (accord/core/claims.py).
ACCORD_CLAIM_HEARTBEAT_SECONDS = float(os.environ.get("ACCORD_CLAIM_HEARTBEAT_SECONDS", "2"))
if not 0 < ACCORD_CLAIM_HEARTBEAT_SECONDS <= 60:
    raise ImproperlyConfigured("ACCORD_CLAIM_HEARTBEAT_SECONDS must be more than 0 and at most 60.")
Q_CLUSTER = {
    "name": "accord",
    "orm": "default",
    "workers": _job_processes,
    "queue_limit": _job_processes,
    "retry": JOB_RETRY_SECONDS,
    "timeout": JOB_TIMEOUT_SECONDS,
    # A failed job stays queued and runs again after `retry` seconds, up to 5 attempts; then
    # it is kept as a failed task (admin: Jobs > Failed tasks) and logged at ERROR.
    "ack_failures": False,
    "max_attempts": 5,
    # After downtime a periodic job runs once, not once per missed interval.
    "catch_up": False,
    "poll": 0.2,
    "bulk": 1,
    # django-q2's ORM broker, taking rows with SKIP LOCKED on PostgreSQL and claiming them per
    # worker node, so a killed node's jobs run again in seconds (accord.core.queue_broker).
    "broker_class": "accord.core.queue_broker.ClaimingOrm",
    # Successful results kept for inspection; failures are always kept.
    "save_limit": 1000,
    "label": "Jobs",
}

# --- The analytics copy on several nodes (accord.analytics.snapshots) ---------------------
#
# The sync publishes the DuckDB copy as snapshots; reports open the latest. By default they
# live in a directory next to the working file (var/analytics-snapshots); on several web
# nodes name a shared path or an object store (s3://bucket/prefix: needs `s3fs`; its
# credentials and endpoint come from the usual AWS_* variables or fsspec's configuration).
ANALYTICS_SNAPSHOT_URL = os.environ.get("ACCORD_ANALYTICS_SNAPSHOT_URL", "")
# Readers of an object store download each snapshot once into this directory (default
# var/analytics-replicas); set it for a shared filesystem too, to read from a local disk.
ANALYTICS_SNAPSHOT_REPLICA_DIR = os.environ.get("ACCORD_ANALYTICS_SNAPSHOT_REPLICA_DIR", "")
# Publish at most this often (0: after every sync that changed something); erasures publish
# at once. Old snapshots: the newest KEEP stay, and any superseded less than GRACE ago.
ANALYTICS_SNAPSHOT_EVERY_SECONDS = float(
    os.environ.get("ACCORD_ANALYTICS_SNAPSHOT_EVERY_SECONDS", "0")
)
ANALYTICS_SNAPSHOT_KEEP = int(os.environ.get("ACCORD_ANALYTICS_SNAPSHOT_KEEP", "3"))
ANALYTICS_SNAPSHOT_GRACE_SECONDS = float(
    os.environ.get("ACCORD_ANALYTICS_SNAPSHOT_GRACE_SECONDS", "600")
)
# One node writes the copy at a time: a lease row it renews (accord.analytics.sync.lease).
ANALYTICS_LEASE_SECONDS = float(os.environ.get("ACCORD_ANALYTICS_LEASE_SECONDS", "120"))

# --- Cache and the public capture endpoints --------------------------------------------
# Limits are "requests/seconds" per IP per site ("0": none). Their counters live in a small
# SQLite file of their own shared by the web processes of this host (``local``: exact and
# ~20 µs a request), or in Redis when ACCORD_CACHE_URL=redis://... names one (``cache``: for
# several hosts; needs the `redis` package). Without Redis the cache is a file cache.
_cache_url = os.environ.get("ACCORD_CACHE_URL", "")
_redis = _cache_url.startswith(("redis://", "rediss://", "unix://"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _redis
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}
CAPTURE_RATE_LIMIT_STORE = "cache" if _redis else "local"
CAPTURE_RATE_LIMIT_PATH = VAR_DIR / "capture-ratelimit.sqlite3"
CAPTURE_RATE_LIMIT = os.environ.get("ACCORD_CAPTURE_RATE_LIMIT", "60/60")
CAPTURE_EVENT_RATE_LIMIT = os.environ.get("ACCORD_CAPTURE_EVENT_RATE_LIMIT", "600/60")
# REST API requests per key (or signed-in user): "<count>/<seconds>s" (config/api.py).
ACCORD_API_RATE = os.environ.get("ACCORD_API_RATE", "150/10s")
# Never trust X-Forwarded-For unless told how many proxies stand in front of Accord.
CAPTURE_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Outbound webhooks ----------------------------------------------------------------------
#
# Webhook URLs that reach loopback, private, link-local or metadata addresses are refused;
# ACCORD_WEBHOOKS_ALLOW_LOOPBACK=1 lets a local receiver on 127.0.0.1/::1 through (testing).
WEBHOOKS_ALLOW_LOOPBACK = _env_flag("ACCORD_WEBHOOKS_ALLOW_LOOPBACK")
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("ACCORD_WEBHOOKS_TIMEOUT_SECONDS", "10"))

EMAIL_BACKEND = os.environ.get(
    "ACCORD_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# --- Operations: logs, probes, metrics (accord.ops, deploy/README.md) ---------------------
#
# ACCORD_LOG_FORMAT=json: one JSON object a line (time, level, logger, message, request_id);
# "text" (the default) is the message alone. ACCORD_LOG_REQUESTS=1 adds a line per request
# (route name, method, status, duration_ms) on the "accord.request" logger.
LOGGING = logging_config(
    fmt=os.environ.get("ACCORD_LOG_FORMAT", "text").strip().lower() or "text",
    level=os.environ.get("ACCORD_LOG_LEVEL", "WARNING"),
    requests=_env_flag("ACCORD_LOG_REQUESTS"),
)
# /metrics answers only "Authorization: Bearer <token>"; unset, it answers 404 (off).
ACCORD_METRICS_TOKEN = os.environ.get("ACCORD_METRICS_TOKEN", "")
# /health/ready fails (503) above these; 0 reports the figure without failing on it.
ACCORD_READY_MAX_JOB_LAG_SECONDS = float(os.environ.get("ACCORD_READY_MAX_JOB_LAG_SECONDS", "300"))
ACCORD_READY_MAX_SYNC_AGE_SECONDS = float(
    os.environ.get("ACCORD_READY_MAX_SYNC_AGE_SECONDS", "900")
)

# Uploaded CSV files wait here between the import wizard's steps, which several web nodes
# may serve in turn: with more than one web host, a directory they all share (as for
# ACCORD_INTEL_ATTACHMENT_DIR).
IMPORT_UPLOAD_DIR = Path(os.environ.get("ACCORD_IMPORT_DIR", VAR_DIR / "imports"))

# --- Privacy: consent, data-subject requests, retention (accord.privacy) ---------------------
#
# Where links in consent e-mails (double opt-in, unsubscribe) point: this installation's URL.
PRIVACY_PUBLIC_URL = os.environ.get("ACCORD_PUBLIC_URL", "http://127.0.0.1:8000")
# Salt of the suppression list's hashes. Unset: derived from SECRET_KEY (rotating the key then
# forgets the list), so set it in production and never change it.
PRIVACY_SUPPRESSION_SALT = os.environ.get("ACCORD_PRIVACY_SUPPRESSION_SALT", "")
# 152-FZ: webhook payloads and list exports mask the personal fields of people who have not
# consented to transfer to third parties.
PRIVACY_REQUIRE_TRANSFER_CONSENT = _env_flag("ACCORD_PRIVACY_REQUIRE_TRANSFER_CONSENT")


def _env_days(name: str, default: str) -> int | None:
    value = os.environ.get(name, default).strip()
    return int(value) if value else None


# Retention periods in days (empty: keep for ever); the admin's retention policies override.
PRIVACY_RETENTION_DAYS = {
    "anonymous_touches": _env_days("ACCORD_RETAIN_ANONYMOUS_TOUCHES_DAYS", "395"),
    "unconverted_leads": _env_days("ACCORD_RETAIN_UNCONVERTED_LEADS_DAYS", "1095"),
    "webhook_deliveries": _env_days("ACCORD_RETAIN_WEBHOOK_DELIVERIES_DAYS", "90"),
    "import_files": _env_days("ACCORD_RETAIN_IMPORT_FILES_DAYS", "7"),
    "notifications": _env_days("ACCORD_RETAIN_NOTIFICATIONS_DAYS", "365"),
}

# --- Market intelligence (accord.intel) -------------------------------------------------------
#
# Attachments live outside every static or media URL: only the intel attachment view serves
# them, after the policy's checks. Their type is read from the content (magic bytes).
INTEL_ATTACHMENT_DIR = Path(os.environ.get("ACCORD_INTEL_ATTACHMENT_DIR", VAR_DIR / "intel-files"))
INTEL_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("ACCORD_INTEL_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
# A person asked to acknowledge a post is reminded once per interval until they do.
INTEL_ACK_REMIND_HOURS = int(os.environ.get("ACCORD_INTEL_ACK_REMIND_HOURS", "24"))

# The engine the reports read (accord.analytics.clickhouse): "duckdb" (the embedded copy)
# or "clickhouse" — the server ACCORD_CLICKHOUSE_URL names, else chDB (embedded).
ANALYTICS_ENGINE = os.environ.get("ACCORD_ANALYTICS_ENGINE", "duckdb")
ANALYTICS_CLICKHOUSE_URL = os.environ.get("ACCORD_CLICKHOUSE_URL", "")
