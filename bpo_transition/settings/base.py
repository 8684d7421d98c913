"""Settings shared by every mode; what differs per deployment comes from the environment."""

import hashlib
import hmac
import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # allauth.mfa's security-key list loads {% load humanize %}.
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    # Sign-in through django-allauth: its failure limits, second factor and sessions.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "audit",
    "engagements",
    "milestones",
    "registers",
    "governance",
    "baselines",
    "reporting",
    "roster",
    "forecast",
    "notifications",
    "transition",
    "plans",
    "exports",
    "health",
    "api",
    "search",
]

MIDDLEWARE = [
    # Request latency by view for /metrics (django-prometheus): first and last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Names the request (X-Request-ID) for its log lines and events; logs it once answered.
    "kernel.correlation.CorrelationIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.sessions.SessionSeenMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.ActiveTenantMiddleware",
    "kernel.web.DomainErrorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Content-Security-Policy on every response (django-csp): scripts and stylesheets from this site
# only. Nothing inline runs or styles: behaviour lives in static/js/app.js, htmx's indicator
# styles are off (base.html), and the few inline stylesheets left (pygal's charts, the API docs)
# carry the request's nonce. Bootstrap draws its icons from data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "bpo_transition.urls"
WSGI_APPLICATION = "bpo_transition.wsgi.application"
ASGI_APPLICATION = "bpo_transition.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.active_tenant",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and beat write while the web process reads.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# django-allauth (accounts/adapter.py adapts it): sign-in by username, no self sign-up (people
# join a tenant by invitation), no e-mail verification step.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:login"
# Two-factor through django-allauth's MFA: an authenticator app (TOTP) and recovery codes. A
# code is accepted once (a replay inside its 30 s window is refused), so is a recovery code.
# Security keys (WebAuthn) too, as a second factor only (no passkey sign-in). Browsers allow
# WebAuthn on https or localhost; plain http elsewhere only while DEBUG.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="BPO Transition")
MFA_RECOVERY_CODE_COUNT = 10
# Signed-in sessions (allauth.usersessions): a row per session, written at sign-in and, as the
# session is used, at most this often (accounts.sessions.SessionSeenMiddleware).
USERSESSIONS_TRACK_ACTIVITY = False
# Single sign-on per tenant (accounts.sso): allauth's openid_connect provider, one app per
# tenant built from its SingleSignOn row. Client secrets stored in the database are encrypted
# with a key derived from this (set it before rotating SECRET_KEY, as API_TOKEN_HMAC_KEY).
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_TIMEOUT_SECONDS", default=10)
SSO_SECRET_KEY = env(
    "SSO_SECRET_KEY",
    default=hmac.new(SECRET_KEY.encode(), b"bpo_transition.sso", hashlib.sha256).hexdigest(),
)
SESSION_SEEN_RESOLUTION = env.int("SESSION_SEEN_RESOLUTION", default=300)

# Failed sign-ins per username and per client address before a cool-off; an address gets four
# times the room (an office shares one address). Counted by django-allauth in the cache, the
# address read through TRUSTED_PROXIES (accounts.adapter).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{LOGIN_FAILURE_LIMIT * 4}/{LOGIN_LOCKOUT_SECONDS}s/ip,"
        f"{LOGIN_FAILURE_LIMIT}/{LOGIN_LOCKOUT_SECONDS}s/key"
    ),
    # Only failures count, as before the library: no limit on successful sign-ins.
    "login": None,
}
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client: behind one,
# every request comes from the proxy's address. Empty: the header is ignored.
TRUSTED_PROXIES = [
    str(ipaddress.ip_network(entry.strip(), strict=False))
    for entry in env.list("TRUSTED_PROXIES", default=[])
    if entry.strip()
]

# Where load_demo keeps the demo passwords it generated, for the run script to show again
# (a relative path is relative to the folder of manage.py).
DEMO_CREDENTIALS_FILE = BASE_DIR / env("DEMO_CREDENTIALS_FILE", default="var/demo-logins.txt")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files whitenoise serves (the image builds it at /app/staticfiles).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Evidence files (uploaded proof of a milestone) -----------------------------------------
# Stored through Django's default storage and served only by milestones.views, which checks
# that the viewer may see the milestone: MEDIA_URL is deliberately never routed, so no file
# is reachable by a public URL. Local disk under var/media by default; an S3-compatible
# bucket (django-storages) when EVIDENCE_S3_BUCKET names one.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
EVIDENCE_ALLOWED_TYPES = env.list(
    "EVIDENCE_ALLOWED_TYPES", default=["pdf", "png", "jpeg", "docx", "xlsx", "csv", "txt"]
)
EVIDENCE_S3_BUCKET = env("EVIDENCE_S3_BUCKET", default="")
if EVIDENCE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            # Any S3-compatible service (MinIO, Ceph, R2...): its URL, or AWS when empty.
            "endpoint_url": env("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("EVIDENCE_S3_REGION", default="") or None,
            # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance role.
            # A folder of the bucket to keep them under; names already start "evidence/".
            "location": env("EVIDENCE_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# --- end of evidence files --------------------------------------------------------------------

# Redis when REDIS_URL is set; otherwise the embedded broker (kernel/broker.py: a
# folder, written and claimed by atomic renames) so that the worker and beat need no server.
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = Path(env("BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "folder://")
if CELERY_BROKER_URL.startswith("folder://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A message a worker took and never acknowledged (it died) is handed out again after this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=1)
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Beat records its own heartbeat as it ticks (health/beat.py) and sends the worker's through
# the broker; either older than HEARTBEAT_STALE_SECONDS puts a banner before PMO and admins.
HEARTBEAT_SECONDS = env.float("HEARTBEAT_SECONDS", default=60.0)
HEARTBEAT_STALE_SECONDS = env.float("HEARTBEAT_STALE_SECONDS", default=180.0)
CELERY_BEAT_SCHEDULER = "health.beat:HeartbeatScheduler"
# With Redis, one beat sends the schedule at a time (a lock it renews as it ticks); another
# beat stands by and takes over within this many seconds of it stopping. 0: no lock.
BEAT_LOCK_SECONDS = env.float("BEAT_LOCK_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "health.tasks.record_heartbeat", "schedule": HEARTBEAT_SECONDS},
    # Every occasion, every tenant; who is at 08:00 local right now is decided inside the scan.
    "reminder-scan": {
        "task": "notifications.tasks.scan_reminders",
        "schedule": env.float("REMINDER_SCAN_SECONDS", default=15 * 60.0),
    },
    # Pending reminders whose lease ended (a killed worker's, a lost task's) go out again.
    "reminder-sweep": {
        "task": "notifications.tasks.sweep_reminders",
        "schedule": env.float("REMINDER_SWEEP_SECONDS", default=30.0),
    },
    "purge-idempotency-keys": {
        "task": "api.tasks.purge_expired_idempotency_keys",
        "schedule": 3600.0,
    },
    # Walks each active webhook subscription through the change feed into deliveries.
    "collect-webhook-deliveries": {
        "task": "api.tasks.collect_webhook_deliveries",
        "schedule": env.float("WEBHOOK_COLLECT_SECONDS", default=10.0),
    },
}

# --- Webhooks (api) ---
# Deliveries to private, loopback or link-local addresses are refused (SSRF) unless this is
# set: tests and local development only (settings/test.py and settings/local.py).
WEBHOOKS_ALLOW_PRIVATE_URLS = False
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Retries wait up to 10 s, 20 s, 40 s ... (with jitter), at most an hour.
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=10)
# A subscription is disabled after this many failed attempts in a row (its admins are told).
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=24)
WEBHOOK_WALK_BATCHES_PER_BEAT = 20

# --- Reminders (notifications) ---
# Links in e-mails and calendar feeds are absolute: the address people reach the site at.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
REMINDER_LOCAL_HOUR = 8
# A worker holds a claimed batch this long (and extends it while it works through the batch);
# if it dies, the sweep after the lease ends hands the rest out again. A killed worker's
# reminders therefore go out within lease + sweep period (90 s) of the kill, plus the send.
REMINDER_DELIVERY_LEASE_SECONDS = env.int("REMINDER_DELIVERY_LEASE_SECONDS", default=60)
REMINDER_SWEEP_SECONDS = env.float("REMINDER_SWEEP_SECONDS", default=30.0)
# A failed send is tried again after 1, 2, 4 ... minutes, at most 6 hours apart.
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)
REMINDER_RETRY_MAX_SECONDS = 6 * 3600
REMINDER_TASK_MAX_RETRIES = 8
REMINDER_CLAIM_BATCH = 1000  # ledger rows per claiming statement
REMINDER_TASK_BATCH = 100  # reminders of one person per delivery task
# Beat's scan looks again only at what changed (zones on a new day, tenants with new audit
# events); every zone's day is still scanned in full at least this often (a safety net for
# changes made outside the services).
REMINDER_FULL_SCAN_SECONDS = env.int("REMINDER_FULL_SCAN_SECONDS", default=3600)

if REDIS_URL:
    # Tolerant of a Redis outage: the throttles count per process until it is back.
    CACHES = {"default": {"BACKEND": "kernel.cache.TolerantRedisCache", "LOCATION": REDIS_URL}}
else:
    # One web process in the embedded setup; production sets REDIS_URL so that login
    # throttling is shared by every worker process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BPO Transition <noreply@localhost>")
# Days an invitation link to join a tenant stays valid (it works once).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# A send that hangs holds its reminder's row lock: give up and retry instead.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Exports and calendar feeds (exports) ---
# Links in calendar feeds are absolute, like those in e-mails (SITE_URL, above).
# Rows fetched per round trip while an export streams.
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=2000)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.rest.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One handler answers every API error as RFC 9457 problem details.
    "EXCEPTION_HANDLER": "api.rest.exceptions.problem_details",
    # Requests per API token (or per signed-in user); answered 429 with Retry-After beyond.
    "DEFAULT_THROTTLE_RATES": {"api": env("API_THROTTLE_RATE", default="1200/min")},
}
# API tokens are stored as HMAC-SHA256 digests under this key. Derived from SECRET_KEY unless
# set: set it before rotating SECRET_KEY, or every token stops working.
API_TOKEN_HMAC_KEY = env(
    "API_TOKEN_HMAC_KEY",
    default=hmac.new(SECRET_KEY.encode(), b"bpo_transition.api.tokens", hashlib.sha256).hexdigest(),
)
SPECTACULAR_SETTINGS = {
    "TITLE": "BPO Transition API",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "DESCRIPTION": (BASE_DIR / "api" / "API.md").read_text(encoding="utf-8"),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EngagementStatusEnum": "engagements.models.Engagement.Status",
        "PhaseKindEnum": "engagements.models.Phase.Kind",
        "PhaseStatusEnum": "engagements.models.Phase.Status",
        "SeatSideEnum": "engagements.models.EngagementMember.Side",
        "SeatRoleEnum": "engagements.models.EngagementMember.Role",
        "MilestoneSideEnum": "milestones.models.Milestone.Side",
        "MilestoneStatusEnum": "milestones.models.Milestone.Status",
        "GateStatusEnum": "governance.models.Gate.Status",
        "AttestationSideEnum": "governance.models.GateAttestation.Side",
        "ReviewStatusEnum": "reporting.models.Review.Status",
        "RaidItemStatusEnum": "registers.models.RaidItem.Status",
    },
}

# --- Operations: logs, metrics, errors -------------------------------------------------------
# LOG_FORMAT=json (production's default): one JSON object a line, with the request's or task's
# correlation_id (kernel/correlation.py), for a log shipper. "text" reads better in a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "kernel.correlation.CorrelationIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["correlation"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; unset, it is a 404 (health/
# metrics.py says why a token and not an address list).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Errors to Sentry (or a compatible service) only when SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )  # The SDK's default sends no personal data (users' names, e-mails, addresses).

# --- KPI uploads, drift detection and review reports (issue 10) --------------------------------
# An uploaded measurement file (CSV or XLSX) is refused above this size or row count; the
# preview carries the rows to its confirm step in one signed form field.
KPI_UPLOAD_MAX_BYTES = env.int("KPI_UPLOAD_MAX_BYTES", default=2 * 1024 * 1024)
KPI_UPLOAD_MAX_ROWS = env.int("KPI_UPLOAD_MAX_ROWS", default=10_000)
# The largest file any form takes: a request with a bigger body has its files counted and
# thrown away as they arrive (kernel/uploads.py), then refused with their real size.
UPLOAD_MAX_BYTES = max(EVIDENCE_MAX_BYTES, KPI_UPLOAD_MAX_BYTES)
FILE_UPLOAD_HANDLERS = [
    "kernel.uploads.CountOversizedUploads",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The confirm step must follow its preview within this many seconds.
KPI_UPLOAD_PREVIEW_SECONDS = env.int("KPI_UPLOAD_PREVIEW_SECONDS", default=3600)
# Stored review reports (PDF) live in the default storage under MEDIA_ROOT; they are served
# only by the report view, which checks who asks, never from a public URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# WeasyPrint logs every step of a PDF and every CSS property it skips (pygal's vendor
# prefixes among them): only its errors are worth a line.
LOGGING.setdefault("loggers", {}).update(
    {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}}
)
# Daily, after midnight on Sunday has passed in most time zones (a week counts once it ended).
CELERY_BEAT_SCHEDULE["drift-detection"] = {
    "task": "reporting.tasks.detect_drift_everywhere",
    "schedule": crontab(hour=3, minute=15),
}
# Hourly: the go-live forecasts of running engagements, so that one past its target opens a
# slip episode (its leads and PMO are alerted once by the reminder scan) and one back on
# target ends it.
CELERY_BEAT_SCHEDULE["forecast-refresh"] = {
    "task": "forecast.tasks.refresh_forecasts_everywhere",
    "schedule": 3600.0,
}
