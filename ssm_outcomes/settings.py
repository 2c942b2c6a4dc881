"""Settings for SSM Outcomes, read from environment variables.

Production is the default: DEBUG is off, a SECRET_KEY must be given, cookies are secure and HTTPS is
enforced. `make run` turns DEBUG on for the embedded development default (SQLite, in-process tasks).
"""

import re
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
# pytest imports settings before any fixture can set the environment, so tests get the same
# development-only fallbacks as DEBUG; nothing else reads this flag.
TESTING = "pytest" in sys.modules

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105
# Left empty in production when unset: Django then refuses to sign anything (sessions, tokens) on
# first use, while build steps such as migrate and collectstatic still run without a secret.
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG or TESTING else "")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: content that administrators edit has a column per language
    # (docs/languages.md, "Content that administrators edit").
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "patients",
    "accounts",
    "assessments",
    "indicators",
    "clinic",
    "portal",
    "interop",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files keep their cache lifetimes), above the rest: every dynamic
    # response, error pages included, is marked no-store.
    "ssm_outcomes.no_store.NoStoreMiddleware",
    # Before anything reads the session, a form or a query: NUL characters, oversized bodies.
    "ssm_outcomes.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Below the sessions: saves a signed-in session at most once a minute (the idle timeout).
    "ssm_outcomes.session_refresh.SessionRefreshMiddleware",
    # Before sign-in, the language switch's cookie or else the browser's Accept-Language decides.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's own choice of language outranks the browser's (User.language).
    "ssm_outcomes.languages.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Holds a signed-in user at the two-step check until they give their code (see two_step.py).
    "accounts.middleware.TwoStepMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ssm_outcomes.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ssm_outcomes.urls"
WSGI_APPLICATION = "ssm_outcomes.wsgi.application"

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
            ],
            # {% load content_language %}: content that administrators edit, in the page's
            # language or visibly in English (docs/languages.md).
            "libraries": {"content_language": "ssm_outcomes.content_language"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "patients.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while an account is locked out
    "django.contrib.auth.backends.ModelBackend",
]
# After 5 failed sign-ins an account is locked for 15 minutes, even with the right password.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one, separately
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address, from X-Forwarded-For behind the TLS proxy (see BEHIND_TLS_PROXY below).
AXES_CLIENT_IP_CALLABLE = "ssm_outcomes.client_address.client_ip"
# Two-step sign-in (TOTP, django-otp): optional for staff, required for administrators.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "SSM Outcomes")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no one, not even an administrator, reads another's key
# API tokens stop working this many days after they are made (accounts.ApiToken).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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

# --- Languages: British English (the default), Dutch, and Flemish where its words differ. ---
# How to add one: README.md, "Languages", and docs/languages.md.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("nl", "Nederlands"),
    ("nl-be", "Nederlands (België)"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content that administrators edit (framework wording, a service's help text): one column per
# language beside the original, which keeps the English (docs/languages.md). A missing Flemish
# text falls back to Dutch, then English; a missing Dutch text to English.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": (LANGUAGE_CODE,), "nl-be": ("nl", LANGUAGE_CODE)}
# The sign-in page's language switch remembers the choice in this cookie (django.views.i18n).
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Serve static files straight from the app folders while developing and testing.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- Security: safe by default, relaxed only for local development. ---
_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_SECURE and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # probed over plain HTTP from inside the network
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
# Behind the proxy: how many proxies append to X-Forwarded-For, so how far from the right the
# client's address is (ssm_outcomes/client_address.py). Unused without the proxy.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
if TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 1 or more, not {TRUSTED_PROXY_COUNT}")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
LANGUAGE_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# The age above is an idle timeout: a signed-in session is saved again, and its expiry moved on,
# once this many seconds have passed since it was last saved (ssm_outcomes/session_refresh.py),
# not on every request, which would make every page view a write.
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=_SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- REST API ---
REST_FRAMEWORK = {
    # Token first, so an anonymous call gets 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "patients.permissions.RecordWithinRole",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, refusing NUL characters, deep nesting and repeated keys (input_guard.py).
    "DEFAULT_PARSER_CLASSES": ["ssm_outcomes.input_guard.GuardedJSONParser"],
    # Throttles see the client as sign-in lockouts do (client_address.py): without the proxy,
    # REMOTE_ADDR and never X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT if BEHIND_TLS_PROXY else 0,
    "DEFAULT_PAGINATION_CLASS": "ssm_outcomes.rest.Pagination",
    "DEFAULT_SCHEMA_CLASS": "ssm_outcomes.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ssm_outcomes.rest.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SSM Outcomes API",
    "DESCRIPTION": (
        "Records and patient-weighted summaries of support for self-management. Every call is "
        "made as a signed-in user and sees only what that user's role allows; records outside "
        "it answer 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ssm_outcomes.openapi.restore_fhir_operation_names",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RaterEnum": "assessments.models.Rater",
        "EncounterModeEnum": "patients.models.Encounter.Mode",
        "InstrumentRaterEnum": "assessments.models.InstrumentRater",
        "LicenceKindEnum": "assessments.instrument_api.LICENCE_KINDS",
        "KindEnum": "patients.models.ContextEvent.Kind",
    },
}

# --- Content-Security-Policy: no inline scripts, nothing from other origins. ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Strict; the admin site and Swagger UI alone add inline styles (ssm_outcomes/csp.py).
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Email: the console by default; SMTP when EMAIL_HOST is set. ---
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SSM Outcomes <no-reply@localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Pages that take a file, and the largest request body each accepts (every other request:
# DATA_UPLOAD_MAX_MEMORY_SIZE). Room above the import's own 20 MB rule, so the page can say it.
UPLOAD_LIMITS = {"/clinic/import/": 64 * 1024 * 1024}

# --- Caches: the default stays in-process; "progress" (a long job's rows done, read by the page
# that shows it) is shared through Redis when the site has one, so a worker's progress reaches
# the web processes.
_REDIS = env_str("CELERY_BROKER_URL")
# Put before every key of the shared caches, so two sites (or test runs) on one Redis database
# keep their flags apart.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX")


def _shared_cache(location: str) -> dict[str, str]:
    """A cache the site's processes share: Redis when the broker is Redis; otherwise each
    process's own memory, which is all there is where tasks run in-process (no broker)."""
    if _REDIS.startswith("redis"):
        shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS}
        if CACHE_KEY_PREFIX:
            shared["KEY_PREFIX"] = CACHE_KEY_PREFIX
        return shared
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": location}


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered blocks of dashboard figures, each under a key worked out from its content
    # (indicators.dashboard.figures_key): never out of date, so each process keeps its own.
    # A block is 10-60 KB (the trend charts the largest): at most ~30 MB a process.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    "progress": _shared_cache("progress"),
    # Flags the web and worker processes share: that a team and caseload refresh is already
    # waiting (indicators.freshness.group_refresh_queue).
    "coordination": _shared_cache("coordination"),
}

# --- Celery: Redis when CELERY_BROKER_URL is set, otherwise tasks run in-process. ---
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
# Tests give each real worker a queue of its own on the shared Redis.
CELERY_TASK_DEFAULT_QUEUE = env_str("SSM_CELERY_DEFAULT_QUEUE", "celery")
# Patients' refreshes stay on the default queue; team and caseload refreshes ("groups") and the
# nightly rebuild's pieces ("summaries") have queues of their own, so a long job never holds up a
# patient's refresh. docs/scaling.md gives the layout of workers over them.
GROUPS_QUEUE = env_str("SSM_CELERY_GROUPS_QUEUE", "groups")
REBUILD_QUEUE = env_str("SSM_CELERY_REBUILD_QUEUE", "summaries")
CELERY_TASK_ROUTES = {
    "indicators.tasks.refresh_group_summaries": {"queue": GROUPS_QUEUE},
    "indicators.tasks.rebuild_*": {"queue": REBUILD_QUEUE},
    "indicators.tasks.compare_teams": {"queue": REBUILD_QUEUE},
}
# Team and caseload summaries follow a patient's refresh after this many seconds, so the saves of
# that pause share one group refresh (indicators/freshness.py): longer means fewer refreshes (each
# recomputes every stale group of a quarter) and dashboards that follow a save later.
GROUP_REFRESH_SECONDS = env_int("GROUP_REFRESH_SECONDS", 5)
if not 0 <= GROUP_REFRESH_SECONDS <= 600:
    raise ImproperlyConfigured(
        f"GROUP_REFRESH_SECONDS must be between 0 and 600, not {GROUP_REFRESH_SECONDS}"
    )
# Every queue a worker of this project serves (`make worker`, docker-compose, the tests' workers).
WORKER_QUEUES = [CELERY_TASK_DEFAULT_QUEUE, GROUPS_QUEUE, REBUILD_QUEUE]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back on the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_RESULT_EXPIRES = 3600
# How long the result store keeps a chord's count of pieces done (the nightly rebuild's). A piece
# whose worker was killed is handed out again only after the visibility timeout (below): were the
# count gone by then, the rebuild's next step would never run, and nothing would say so. A day
# outlasts any redelivery of a night's pieces.
CELERY_RESULT_CHORD_EXPIRES = env_int("CELERY_RESULT_CHORD_EXPIRES", 24 * 3600)
# Summary jobs are fire-and-forget: their effect is in the database, and a result store that is
# down must never hold up the save that queued them. Tasks whose result matters opt back in.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Saving clinical data must not hang when Redis is down: fail fast, let the stale sweep catch up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 2,
    # An unacknowledged task (its worker was killed) is handed out again after this long; it must
    # outlast the longest task, the nightly rebuild.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600),
    # How often a worker looks for such tasks: every interval x throttle seconds (kombu's
    # defaults, 10 and 10); tests of killed workers make it quicker.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
# How long a piece of the nightly rebuild waits for a lock (a table a migration or maintenance
# command holds) before it fails: while it waits it holds its patients' summary states, and their
# saves wait with it. A failed piece is logged and its teams' and caseloads' figures recomputed by
# the group refresh (indicators.tasks.rebuild_piece_failed). PostgreSQL's units: ms, s, min.
SUMMARY_PIECE_LOCK_TIMEOUT = env_str("SUMMARY_PIECE_LOCK_TIMEOUT", "30s")
if not re.fullmatch(r"[1-9][0-9]*(ms|s|min)", SUMMARY_PIECE_LOCK_TIMEOUT):
    raise ImproperlyConfigured(
        "SUMMARY_PIECE_LOCK_TIMEOUT must be a whole number above 0 followed by ms, s or min "
        f"(like 30s), not {SUMMARY_PIECE_LOCK_TIMEOUT!r}"
    )
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= CELERY_RESULT_CHORD_EXPIRES:
    raise ImproperlyConfigured(
        "CELERY_RESULT_CHORD_EXPIRES must be longer than CELERY_VISIBILITY_TIMEOUT: a rebuild "
        "piece handed out again after a killed worker would find its chord forgotten"
    )
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "summaries-sweep-stale": {
        "task": "indicators.tasks.sweep_stale_summaries",
        "schedule": 60.0,
    },
    "summaries-nightly-rebuild": {
        "task": "indicators.tasks.rebuild_all_summaries",
        "schedule": crontab(hour=2, minute=30),
    },
    # After the rebuild: the fair comparison of teams for the last two complete quarters.
    "teams-nightly-comparison": {
        "task": "indicators.tasks.compare_teams",
        "schedule": crontab(hour=4, minute=0),
    },
    "appointments-send-reminders": {
        "task": "patients.tasks.send_due_reminders",
        "schedule": crontab(minute=15),
    },
}
# Appointment reminders (with a link to write an agenda) go out this many days ahead.
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Tokens of one-time links in a logged path ("Not Found: /me/welcome/...") are redacted.
    "filters": {"redact_secrets": {"()": "ssm_outcomes.log_redaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "ssm-demo")
