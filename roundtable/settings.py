"""Settings for Roundtable, read from the environment.

Defaults run on a bare machine and are safe: no DATABASE_URL means SQLite, no REDIS_URL means
kombu's filesystem transport (no broker process), DEBUG is off unless asked, and the secret key
is generated once per checkout into var/ rather than committed.
"""

import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from roundtable.beat import schedule as beat_schedule
from roundtable.lib.env import env_bool, env_int, env_list, env_str
from roundtable.lib.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core ---------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # A per-checkout key, never committed: good for development and tests, and stable across
    # restarts so sessions survive. Production sets SECRET_KEY.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "roundtable.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's own form and widget templates, for the project's renderer (FORM_RENDERER).
    "django.forms",
    "simple_history",
    "django_celery_beat",
    "django_htmx",
    "django_countries",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "roundtable.accounts",
    "roundtable.workdays",
    "departments",
    "roundtable.enterprises",
    "roundtable.meetings",
    "issues",
    "roundtable.notifications",
    "roundtable.notices",
    "roundtable.dashboard",
    "roundtable.portal",
    "roundtable.ops",
    "roundtable.jobs",
    "rest_framework",
    "drf_spectacular",
    "roundtable.api",
    "roundtable.webhooks",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id, the 500 page included.
    "roundtable.lib.middleware.RequestIdMiddleware",
    # The security headers go on every answer, the probes', the error pages' and the HTTPS
    # redirect's too: Content-Security-Policy, Permissions-Policy, then nosniff and
    # Referrer-Policy (SecurityMiddleware). The probes are exempt from the HTTPS redirect
    # (SECURE_REDIRECT_EXEMPT).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /healthz and /readyz, answered before sessions, authentication and the host check.
    "roundtable.ops.middleware.HealthCheckMiddleware",
    "roundtable.lib.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "roundtable.accounts.middleware.SecondFactorRequiredMiddleware",
    "roundtable.accounts.middleware.UserLanguageMiddleware",
    # Enterprise contacts reach /portal/ only: 403 on every staff page (after the language,
    # so that the 403 page is in theirs).
    "roundtable.accounts.middleware.EnterpriseSideMiddleware",
    # After the language is chosen, so that its 400 page is in the user's language.
    "roundtable.lib.middleware.RefuseNulMiddleware",
    "roundtable.accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "roundtable.lib.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the final response of a login attempt.
    "axes.middleware.AxesMiddleware",
]

# Every form field is drawn by templates/forms/field.html: label with the required marker, help
# text and errors that the input's aria-describedby names (roundtable/lib/forms.py).
FORM_RENDERER = "roundtable.lib.forms.FormRenderer"

ROOT_URLCONF = "roundtable.urls"
WSGI_APPLICATION = "roundtable.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "roundtable.accounts.context_processors.roles",
                "roundtable.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # psycopg 3's pool (Django 5.1+) keeps DATABASE_POOL_MAX connections per process and
    # hands one to each request: persistent connections (CONN_MAX_AGE) are then off, as Django
    # requires. Off by default: a sync gunicorn worker serves one request at a time, so
    # CONN_MAX_AGE already reuses its connection (see the README's figures).
    DATABASE_POOL = env_bool("DATABASE_POOL", False)
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if DATABASE_POOL else env_int("CONN_MAX_AGE", 60),
            # With the pool, this makes it check a connection before handing it out.
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        # An unreachable server fails a request (and /readyz) in seconds, not minutes.
        options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
        # No JIT compilation: the portal's queries take milliseconds, and compiling one costs
        # more than it saves. A plan that reads many rows from the search's grams index (issues
        # migration 0015, whose function is priced high on purpose) was compiled for a second.
        options.setdefault("options", "-c jit=off")
        if DATABASE_POOL:
            options["pool"] = {
                "min_size": 1,
                "max_size": env_int("DATABASE_POOL_MAX", 4),
                "timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
            }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            # WAL lets the web server and the worker read while one writes; IMMEDIATE takes the
            # write lock at BEGIN so that two writers queue instead of failing mid-transaction.
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve the dashboard on PostgreSQL; SQLite builds them without the
# extra columns, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if not DATABASE_URL else []

# --- Authentication -----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "roundtable.accounts.backends.AdministratorRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in throttling (roundtable/accounts/throttle.py explains the three limits). django-axes
# locks a username tried from one address after AXES_FAILURE_LIMIT failures, so that one
# person's typos behind an office's single NAT address do not pause the whole building; the
# portal adds a coarse limit per address and one per username. The lock-out page says the
# same thing whatever the username was.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
SIGN_IN_FAILURES_PER_ADDRESS = env_int("SIGN_IN_FAILURES_PER_ADDRESS", 50)
SIGN_IN_FAILURES_PER_USERNAME = env_int("SIGN_IN_FAILURES_PER_USERNAME", 20)
# Reverse proxies of ours in front of the portal (nginx: 1). The client's address is then read
# from X-Forwarded-For, counting PROXY_COUNT entries from the right (roundtable/lib/client_ip.py).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "roundtable.lib.client_ip.client_ip"

# Password reset and invitations (roundtable/accounts/tokens.py): a link works once, until
# the password is set or for this long. Requests per hour from an address and per e-mail.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
INVITATION_TIMEOUT = env_int("INVITATION_TIMEOUT", 7 * 24 * 60 * 60)
PASSWORD_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 20)
PASSWORD_RESET_PER_EMAIL = env_int("PASSWORD_RESET_PER_EMAIL", 3)
CONCERN_FORM_PER_ADDRESS = env_int("CONCERN_FORM_PER_ADDRESS", 10)
CONCERN_FORM_PER_EMAIL = env_int("CONCERN_FORM_PER_EMAIL", 3)  # both per hour (README)

# Second factor (TOTP, django-otp). Any user may turn it on; with this set, administrators
# and the chair's office must (they are sent to the enrolment page until they have).
REQUIRE_2FA_FOR_ADMINS = env_bool("REQUIRE_2FA_FOR_ADMINS", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Roundtable")

# --- Security -----------------------------------------------------------------------------

SECURE_HTTPS = env_bool("HTTPS", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A probe talks plain HTTP to 127.0.0.1 behind the TLS proxy (roundtable/ops/middleware.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Every page's scripts and styles are files from /static/: no inline script, no style
# attribute, no on…= handler (tests/security/test_headers.py scans the templates), so that
# text slipped into a page cannot run even if an escape were missed. htmx is told not to add
# its own <style> and not to evaluate code (the htmx-config meta tag in base.html). The QR
# code of the second factor is an inline <svg> element, which needs nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Powerful browser features the portal never uses, refused to it and to anything it embeds.
# Only names that Chromium knows: it warns on the console of every page about any other.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}
SESSION_COOKIE_HTTPONLY = True
# Database sessions that record the user, so that a user's sessions can be ended server-side.
SESSION_ENGINE = "roundtable.accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 10)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "roundtable.accounts.views.csrf_failure"
if SECURE_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
DATA_UPLOAD_MAX_NUMBER_FILES = 20
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Language and time --------------------------------------------------------------------

LANGUAGE_CODE = "en"
# Staff pages are complete in English and Chinese; the enterprise side (/portal/) and every
# message to enterprise contacts in all four (accounts.models.STAFF_LANGUAGES).
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("ja", _("Japanese")),
    ("ko", _("Korean")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
LANGUAGE_COOKIE_NAME = "roundtable_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Names of regions as a Chinese government portal writes them.
COUNTRIES_OVERRIDE = {
    "TW": _("Taiwan, China"),
    "HK": _("Hong Kong SAR, China"),
    "MO": _("Macao SAR, China"),
}

# --- Static and uploaded files ------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# collectstatic writes each file under a name with its content's hash (app.3f1c….css), a
# gzip and a brotli copy of it (.gz, .br: Brotli is installed), and the manifest
# staticfiles.json; WhiteNoise (or nginx, deploy/nginx/roundtable.conf) then lets browsers cache
# the hashed names for ever ("immutable"). The storage is WhiteNoise's
# CompressedManifestStaticFilesStorage, except that until something has been collected
# (development, a benchmark) pages link the plain names, which WhiteNoise serves straight from
# the source folders. With DEBUG on, pages always link the plain names. The tests use Django's
# plain storage (tests/conftest.py), so a var/staticfiles/ collected earlier never matters there.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "roundtable.lib.staticfiles.HashedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists() or DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: downloads go through an access-checked view
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)

# --- Cache --------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL", REDIS_URL.rsplit("/", 1)[0] + "/2"),
            "KEY_PREFIX": "roundtable",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------------

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue = VAR_DIR / "celery-queue"
    for _sub in ("", "processed", "control"):
        (_queue / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder in and out: the web process and the worker share these settings.
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
        "control_folder": str(_queue / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing must never hang a request when the broker is down: fail fast, and let the next
# periodic run derive from the database whatever the lost message would have done.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A queue name of its own lets several sites (or test runs) share one Redis.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- E-mail -------------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    # No mail server configured: every message is written to var/mail/, one .eml file per
    # message, so that the embedded default really delivers somewhere a person can read.
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "roundtable.lib.mail.EmailBackend")
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Roundtable <roundtable@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

_WEBHOOK_RETRIES = ["60", "300", "1800", "7200", "43200"]  # seconds after each failed attempt
# Outbound webhooks: README "Outbound webhooks", roundtable/webhooks/addresses.py and sending.py.
WEBHOOKS = {
    "ALLOW_LOOPBACK": env_bool("WEBHOOKS_ALLOW_LOOPBACK", False),  # http:// to 127.0.0.1: tests
    "ALLOWED_NETWORKS": env_list("WEBHOOKS_ALLOWED_NETWORKS", []),  # trusted private networks
    "TIMEOUT_SECONDS": env_int("WEBHOOKS_TIMEOUT_SECONDS", 5),
    "MAX_ATTEMPTS": env_int("WEBHOOKS_MAX_ATTEMPTS", 6),
    "RETRY_SCHEDULE": [int(n) for n in env_list("WEBHOOKS_RETRY_SCHEDULE", _WEBHOOK_RETRIES)],
    "CLAIM_LEASE_SECONDS": env_int("WEBHOOKS_CLAIM_LEASE_SECONDS", 60),
}

# --- Roundtable rules ---------------------------------------------------------------------

ROUNDTABLE = {
    "ACCEPT_WITHIN_WORKING_DAYS": env_int("ACCEPT_WITHIN_WORKING_DAYS", 2),
    "DUE_SOON_WORKING_DAYS": env_int("DUE_SOON_WORKING_DAYS", 3),
    "ESCALATE_AFTER_WORKING_DAYS": env_int("ESCALATE_AFTER_WORKING_DAYS", 5),
    "STALE_AFTER_WORKING_DAYS": env_int("STALE_AFTER_WORKING_DAYS", 10),
    # Reminders (roundtable/notifications/reminders.py): the daily run's hour in TIME_ZONE,
    # working days before a deadline that each get a reminder, and the meeting reminders' lead
    # times.
    "REMINDER_HOUR": env_int("REMINDER_HOUR", 9),
    "DEADLINE_REMINDER_DAYS": tuple(int(n) for n in env_list("DEADLINE_REMINDER_DAYS", ["3", "1"])),
    "INTAKE_CLOSING_REMINDER_WORKING_DAYS": env_int("INTAKE_CLOSING_REMINDER_WORKING_DAYS", 2),
    "MINUTES_DUE_WORKING_DAYS": env_int("MINUTES_DUE_WORKING_DAYS", 5),
    "QUARTER_END_WARNING_WORKING_DAYS": env_int("QUARTER_END_WARNING_WORKING_DAYS", 10),
    # Delivery (roundtable/notifications/delivery.py): a claim older than the lease belongs to a
    # dead worker; a failed send is tried again after RETRY_BASE_SECONDS × 4ⁿ, at most MAX_TRIES
    # times.
    "REMINDER_CLAIM_LEASE_SECONDS": env_int("REMINDER_CLAIM_LEASE_SECONDS", 600),
    "REMINDER_MAX_TRIES": env_int("REMINDER_MAX_TRIES", 5),
    "REMINDER_RETRY_BASE_SECONDS": env_int("REMINDER_RETRY_BASE_SECONDS", 60),
    # One e-mail per recipient and run; each kind lists this many reminders, then a count.
    "REMINDER_ITEMS_LISTED_PER_KIND": env_int("REMINDER_ITEMS_LISTED_PER_KIND", 50),
    # In-app notifications older than this when first seen are not e-mailed any more.
    "NOTIFICATION_EMAIL_MAX_AGE_HOURS": env_int("NOTIFICATION_EMAIL_MAX_AGE_HOURS", 72),
}

# --- Retention ----------------------------------------------------------------------------

# Days kept before the daily purge (roundtable/notifications/retention.py) deletes them; 0 keeps
# them forever.
# A reminder-log row that a reminder rule still needs to stay exactly-once is always kept.
RETENTION_DAYS = {
    "reminder_log": env_int("RETENTION_REMINDER_LOG_DAYS", 400),
    "read_notifications": env_int("RETENTION_READ_NOTIFICATIONS_DAYS", 180),
    "unread_notifications": env_int("RETENTION_UNREAD_NOTIFICATIONS_DAYS", 400),
}
# Files in MEDIA_ROOT/attachments/ with no Attachment row, older than this, are deleted by the
# daily sweep (a transaction that stored a file and then failed, a crash in between).
ORPHAN_FILE_MIN_AGE_HOURS = env_int("ORPHAN_FILE_MIN_AGE_HOURS", 24)

# --- REST API (roundtable/api/) -------------------------------------------------------------

# JSON in and out, no browsable API (its pages carry inline scripts the CSP refuses). A
# personal token (Authorization: Bearer …) or the browser's session, with CSRF. Each token
# (or, for the session, each user) has its own rate, counted in the cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "roundtable.api.authentication.TokenAuthentication",
        "roundtable.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "roundtable.api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["roundtable.api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_RATE", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "roundtable.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Roundtable API",
    "DESCRIPTION": "The roundtable's ledger for other systems: issues, their assignments, "
    "progress, conclusions and extensions, enterprises, departments, meetings and the KPIs "
    "per period. Every access rule of the portal's pages applies to the token's owner.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": True,
    # The schema is for those who hold a token or a session, as the rest of the API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "ENUM_NAME_OVERRIDES": {
        "IssueStatusEnum": "issues.models.Issue.Status",
        "AssignmentStatusEnum": "issues.models.Assignment.Status",
    },
}

# The dashboard's figures: a figure whose issues changed is still served while it was computed
# less than this many seconds ago, so that under steady writes each part is recomputed at most
# this often (roundtable/dashboard/cache.py); 0 recomputes at every change.
DASHBOARD_FRESH_SECONDS = env_int("DASHBOARD_FRESH_SECONDS", 20)

# --- Background jobs (roundtable/jobs/) -----------------------------------------------------

# A ledger export with more rows than this is prepared by the worker as a job instead of in
# the request; at most JOBS_PER_USER jobs per person and JOBS_TOTAL in all run at a time, and
# their files are kept JOB_FILES_KEEP_HOURS (MEDIA_ROOT/jobs/, downloaded through an
# access-checked view) before the nightly purge deletes them.
EXPORT_IMMEDIATE_MAX_ROWS = env_int("EXPORT_IMMEDIATE_MAX_ROWS", 2000)
JOBS_PER_USER = env_int("JOBS_PER_USER", 2)
JOBS_TOTAL = env_int("JOBS_TOTAL", 4)
JOB_FILES_KEEP_HOURS = env_int("JOB_FILES_KEEP_HOURS", 24)

# The ledger import (issues/imports/): an uploaded .xlsx or .csv of at most IMPORT_MAX_BYTES,
# a workbook unpacking to at most IMPORT_MAX_UNZIPPED_BYTES, at most IMPORT_MAX_ROWS rows; the
# upload waits in MEDIA_ROOT/imports/ until it is imported (or the nightly purge of job files).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)

# nginx in front (deploy/nginx/roundtable.conf): the download views (job files, attachments)
# check who may read a file and answer with X-Accel-Redirect to nginx's internal location
# DOWNLOADS_NGINX_LOCATION, which maps to MEDIA_ROOT; nginx then sends the file, byte ranges
# included, however slowly the client reads, while the gunicorn worker is already free. Off:
# the view streams the file itself (runserver, the embedded default, no nginx).
DOWNLOADS_VIA_NGINX = env_bool("DOWNLOADS_VIA_NGINX", False)
DOWNLOADS_NGINX_LOCATION = "/_protected/"

# --- Logging ------------------------------------------------------------------------------

# Every line carries the request id (or the task's); LOG_FORMAT=json writes one JSON object per
# line (roundtable/lib/logs.py). The Celery worker and beat use the same configuration.
LOG_FORMAT = env_str("LOG_FORMAT", "plain").strip().lower()
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))

# --- Periodic jobs (roundtable/beat.py) ---
CELERY_BEAT_SCHEDULE = beat_schedule(reminder_hour=ROUNDTABLE["REMINDER_HOUR"])
