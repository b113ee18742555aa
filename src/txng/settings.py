"""Django settings for OpenTXNG, driven by TXNG_* environment variables (see README)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _read_secret(name: str) -> str:
    """Read NAME, or the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, "")


DATA_DIR = Path(_env("TXNG_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = _read_secret("TXNG_SECRET_KEY")
    if configured:
        return configured
    # Embedded default: a key generated once per data directory, so sessions survive restarts
    # without the operator having to invent one.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
# Master key of stamp-batch secrets (txng.codes.serials); SECRET_KEY when unset.
STAMP_KEY = _read_secret("TXNG_STAMP_KEY")
DEBUG = _env_bool("TXNG_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in _env("TXNG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in _env("TXNG_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
DIGITAL_LINK_BASE = _env("TXNG_DIGITAL_LINK_BASE", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = _env("TXNG_SITE_NAME", "Hệ thống truy xuất nguồn gốc thành phố Cần Thơ")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "txng.core",
    "txng.accounts",
    "txng.registry",
    "txng.review",
    "txng.epcis",
    "txng.codes",
    "txng.resolver",
    "txng.lineage",
    "txng.oversight",
    "txng.ledger",
    "txng.publishing",
    "txng.iot",
    "txng.public",
    "txng.portal",
    "txng.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "txng.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "txng.urls"
WSGI_APPLICATION = "txng.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"

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
                "txng.core.context_processors.site",
            ],
        },
    },
]

_database_url = _env("TXNG_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "txng.sqlite3"),
            # Reopening the file and re-running the PRAGMAs on every request is measurable on the resolver.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN
                # so two writers queue on busy_timeout instead of failing with "database is locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=10000;"
                    "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Webhook subscriptions (EPCIS 2.0 REST binding): plain http only to loopback, for development.
TXNG_ALLOW_HTTP_WEBHOOKS = _env_bool("TXNG_ALLOW_HTTP_WEBHOOKS")
TXNG_WEBHOOK_MAX_ATTEMPTS = int(_env("TXNG_WEBHOOK_MAX_ATTEMPTS", "8"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["txng.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded papers only their organization and reviewers may read (never under MEDIA_ROOT, which is public).
PRIVATE_MEDIA_ROOT = DATA_DIR / "private"

# Inputs are bounded everywhere: forms and API bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(_env("TXNG_MAX_BODY_BYTES", str(20 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("TXNG_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("TXNG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Transparency ledger (src/txng/ledger/README.md): the checkpoints' origin line, the Ed25519 signing key (a
# signed-note private key file; generated under TXNG_DATA_DIR when unset) and seconds between checkpoints.
LEDGER_ORIGIN = _env("TXNG_LEDGER_ORIGIN") or DIGITAL_LINK_BASE.split("://", 1)[-1] + "/ledger"
LEDGER_KEY_FILE = Path(_env("TXNG_LEDGER_KEY_FILE") or DATA_DIR / "ledger_key")
LEDGER_CHECKPOINT_INTERVAL = int(_env("TXNG_LEDGER_CHECKPOINT_INTERVAL", "300"))

# Public portal map (txng.public.mapping): an XYZ tile template the operator serves, e.g.
# https://tiles.example.vn/{z}/{x}/{y}.png; empty gives the no-map fallback (an SVG plot and a list).
TXNG_MAP_TILE_URL = _env("TXNG_MAP_TILE_URL")
TXNG_MAP_TILE_ATTRIBUTION = _env("TXNG_MAP_TILE_ATTRIBUTION")
TXNG_MAP_BOUNDS = [part for part in _env("TXNG_MAP_BOUNDS").split(",") if part.strip()]  # south,west,north,east
