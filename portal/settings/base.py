"""Settings shared by every environment; values that vary come from the environment.

Defaults are the embedded ones: SQLite for the database and kombu's filesystem
transport for Celery, so the portal runs with no server at all. Production points
``DATABASE_URL`` at PostgreSQL and ``CELERY_BROKER_URL`` at Redis or RabbitMQ.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_float, env_float_list, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal",
    "organisations",
    "calls",
    "search",
    "syndication",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "companies",
    "applications",
    "qanda",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.request_limits.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.csp.ContentSecurityPolicyMiddleware",
    "portal.media_headers.UserMediaHeadersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffSecondFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
# Every request runs in one transaction: a page published from the admin and the
# CallEvent it records commit together, or not at all.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------
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
# Accounts (django-allauth) and the staff second factor: portal/settings/accounts.py.

# --- Applications -------------------------------------------------------------------
APPLICATION_FILE_MAX_BYTES = env_int("APPLICATION_FILE_MAX_BYTES", 10 * 1024 * 1024)
APPLICATION_TOTAL_MAX_BYTES = env_int("APPLICATION_TOTAL_MAX_BYTES", 30 * 1024 * 1024)
APPLICATION_RETENTION_MONTHS = env_int("APPLICATION_RETENTION_MONTHS", 24)
APPLY_LIMIT_PER_HOUR = env_int("APPLY_LIMIT_PER_HOUR", 60)
QUESTION_LIMIT_PER_HOUR = env_int("QUESTION_LIMIT_PER_HOUR", 10)

# --- Cache (login rate limits) -------------------------------------------------------
# The database cache is shared by every process with no extra server; set
# CACHE_REDIS_URL in production.
if _redis_cache := env_str("CACHE_REDIS_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_cache,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Request bodies, read before the CSRF check (see portal/request_limits.py for the cap
# on the whole body). The non-file part: the largest public form is a few hundred KB
# of text; the CMS's page editor posts the most, a long StreamField page.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
# A long page in the CMS sends a few fields per block; public forms a few dozen.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 5000)
# Files of one application sent at once (its total size is capped separately).
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 30)
# Not a cap: uploads above this are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Application files: never under MEDIA_ROOT, only streamed by a view after a check.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx", "xlsx", "ods", "csv", "txt"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# No SVG: an SVG is a document that can carry scripts (stored XSS when opened directly).
WAGTAILIMAGES_EXTENSIONS = ["png", "jpg", "jpeg", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024

# --- Wagtail -------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Plateforme territoriale d'innovation"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", WAGTAILADMIN_BASE_URL)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no third-party requests from the CMS
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = True
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# --- Search (issue: search app) --------------------------------------------------
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL", "")
SEARCH_INDEX_PREFIX = env_str("SEARCH_INDEX_PREFIX", "portal")

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {
        "task": "calls.tasks.publish_scheduled_pages",
        "schedule": timedelta(seconds=env_int("SCHEDULER_INTERVAL_SECONDS", 30)),
    },
    "reconcile-call-states": {
        "task": "calls.tasks.reconcile_call_states",
        "schedule": timedelta(seconds=env_int("SCHEDULER_INTERVAL_SECONDS", 30)),
    },
    "reconcile-call-states-full": {
        "task": "calls.tasks.reconcile_call_states",
        "schedule": timedelta(hours=1),
        "kwargs": {"full": True},
    },
    "reconcile-search-index": {
        "task": "search.tasks.reconcile_search_index",
        "schedule": timedelta(minutes=5),
    },
    "redispatch-call-events": {
        "task": "calls.tasks.redispatch_call_events",
        "schedule": timedelta(seconds=60),
    },
    "prune-delivery-history": {
        "task": "syndication.tasks.prune_delivery_history",
        "schedule": timedelta(days=1),
    },
    "purge-expired-applications": {
        "task": "applications.tasks.purge_expired_applications",
        "schedule": timedelta(days=1),
    },
    "poll-syndication-deliveries": {
        "task": "syndication.tasks.poll_deliveries",
        "schedule": timedelta(seconds=env_float("SYNDICATION_POLL_SECONDS", 5)),
    },
}
# Consumers of CallEvents (search indexer, syndication) register here as dotted
# paths to ``callable(event) -> None``; each must be idempotent.
CALL_EVENT_CONSUMERS: list[str] = [
    "search.indexer.index_call_event",
    "syndication.delivery.plan_event_deliveries",
]

# --- Syndication (partners: see syndication/partners.py and the ICD) ------------------
# A partner is configured when its variables are set; secrets never live elsewhere.
DEMO_PARTNERS = False  # dev settings point the portal at local simulators
SYNDICATION_PARTNERS: dict[str, dict[str, str]] = {}
if env_str("MBA_BASE_URL", ""):
    SYNDICATION_PARTNERS["mba"] = {
        "base_url": env_str("MBA_BASE_URL"),
        "api_key": env_str("MBA_API_KEY"),
        "signing_secret": env_str("MBA_SIGNING_SECRET"),
    }
if env_str("PACTEPME_BASE_URL", ""):
    SYNDICATION_PARTNERS["pactepme"] = {
        "base_url": env_str("PACTEPME_BASE_URL"),
        "client_id": env_str("PACTEPME_CLIENT_ID"),
        "client_secret": env_str("PACTEPME_CLIENT_SECRET"),
    }
# Seconds before each retry (Standard Webhooks schedule), with full jitter; after the
# last step, retries go on every last-step interval until SYNDICATION_GIVE_UP_AFTER.
SYNDICATION_RETRY_SCHEDULE = env_float_list(
    "SYNDICATION_RETRY_SCHEDULE", [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
)
SYNDICATION_GIVE_UP_AFTER = env_float("SYNDICATION_GIVE_UP_AFTER", 3 * 86400)
SYNDICATION_CONNECT_TIMEOUT = env_float("SYNDICATION_CONNECT_TIMEOUT", 5)
SYNDICATION_TOTAL_TIMEOUT = env_float("SYNDICATION_TOTAL_TIMEOUT", 30)
# How long a claimed delivery stays with its worker before another may take it over
# (a killed worker's deliveries); longer than the slowest delivery can take.
SYNDICATION_LEASE_SECONDS = env_float("SYNDICATION_LEASE_SECONDS", 300)
# A queued delivery whose task has not started after this long is queued again.
SYNDICATION_REDISPATCH_AFTER = env_float("SYNDICATION_REDISPATCH_AFTER", 60)
SYNDICATION_POLL_SECONDS = env_float("SYNDICATION_POLL_SECONDS", 5)
# Circuit breaker: after this many transient failures in a row a partner's lanes pause,
# for a cool-down that doubles on each new failure up to the maximum.
SYNDICATION_BREAKER_THRESHOLD = env_int("SYNDICATION_BREAKER_THRESHOLD", 5)
SYNDICATION_BREAKER_COOLDOWN = env_float("SYNDICATION_BREAKER_COOLDOWN", 30)
SYNDICATION_BREAKER_MAX_COOLDOWN = env_float("SYNDICATION_BREAKER_MAX_COOLDOWN", 600)
# Attempts of settled deliveries, and superseded deliveries, are deleted after this.
SYNDICATION_HISTORY_DAYS = env_int("SYNDICATION_HISTORY_DAYS", 90)
# Pacte PME allows 10 requests/s per client; stay just under it.
PACTEPME_MAX_REQUESTS_PER_SECOND = env_float("PACTEPME_MAX_REQUESTS_PER_SECOND", 9.5)

# --- Calls -----------------------------------------------------------------------
CALL_ID_PREFIX = env_str("CALL_ID_PREFIX", "AMP")

# --- Security ----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "innovation@amp-innovation.example")
ADMINS = [("Administrateurs", a) for a in env_list("PORTAL_ADMIN_EMAILS", [])]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# Content-Security-Policy (Django's CSP support; see portal/csp.py for the admin).
_SELF = "'self'"
SECURE_CSP = {
    "default-src": [_SELF],
    "script-src": [_SELF, CSP.NONCE],
    "style-src": [_SELF],
    "img-src": [_SELF, "data:"],
    "font-src": [_SELF],
    "connect-src": [_SELF],
    "form-action": [_SELF],
    "frame-ancestors": ["'none'"],
    "base-uri": [_SELF],
    "object-src": ["'none'"],
}
PORTAL_ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [_SELF, "'unsafe-inline'"],
    "style-src": [_SELF, "'unsafe-inline'"],
    "img-src": [_SELF, "data:", "blob:"],
}

if CELERY_BROKER_URL.startswith("filesystem://"):
    # The filesystem transport does not create its folders.
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)

# --- Companies: invitations (companies/invitations.py) ----------------------------
# An invitation link works this many days; expired ones are purged daily (GDPR).
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 14)
# Invitations a company, and each of its owners, may send per 24 hours.
INVITATION_LIMIT_PER_DAY = env_int("INVITATION_LIMIT_PER_DAY", 20)
CELERY_BEAT_SCHEDULE["purge-expired-invitations"] = {
    "task": "companies.tasks.purge_expired_invitations",
    "schedule": timedelta(days=1),
}

# --- Search rate limits (per client address and minute; 0 switches a limit off) ------
SEARCH_API_LIMIT_PER_MINUTE = env_int("SEARCH_API_LIMIT_PER_MINUTE", 120)
SEARCH_AUTOCOMPLETE_LIMIT_PER_MINUTE = env_int("SEARCH_AUTOCOMPLETE_LIMIT_PER_MINUTE", 120)
SEARCH_PAGE_LIMIT_PER_MINUTE = env_int("SEARCH_PAGE_LIMIT_PER_MINUTE", 300)

# --- Hardening: health details, request body limits ------------------------------------
# /healthz shows details (errors, versions, index names) only to staff and to a monitor
# sending "Authorization: Bearer <HEALTHZ_TOKEN>"; empty means no token is accepted.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "")

# --- Accounts: django-allauth, MFA, login limits, trusted proxies ---------------------
from portal.settings.accounts import *  # noqa: E402, F403

WAGTAILADMIN_LOGIN_URL = "/compte/connexion/"
CELERY_BEAT_SCHEDULE["purge-unverified-accounts"] = {
    "task": "accounts.tasks.purge_unverified_accounts",
    "schedule": timedelta(hours=1),
}
