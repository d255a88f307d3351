"""Production: everything from the environment; refuses to start on unsafe defaults."""

from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_str
from portal.settings.base import *  # noqa: F403

# Keys that dev.py and test.py set for machine-local runs: never valid in production.
PLACEHOLDER_SECRET_PREFIXES = ("dev-only-not-secret-", "test-only-not-secret-", "django-insecure")
MIN_SECRET_KEY_LENGTH = 50


def _is_https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


if not env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL.")
if env_str("CELERY_BROKER_URL", "filesystem://").startswith("filesystem://"):
    raise ImproperlyConfigured("Production needs CELERY_BROKER_URL (Redis or RabbitMQ).")
if DEBUG:  # noqa: F405
    raise ImproperlyConfigured(
        "Production refuses DJANGO_DEBUG=1: debug pages show settings and code to anyone."
    )
if len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH or SECRET_KEY.startswith(  # noqa: F405
    PLACEHOLDER_SECRET_PREFIXES
):
    raise ImproperlyConfigured(
        f"Production needs DJANGO_SECRET_KEY: a random secret of at least "
        f"{MIN_SECRET_KEY_LENGTH} characters, not a development or test placeholder."
    )
if not _is_https_url(PORTAL_BASE_URL):  # noqa: F405
    raise ImproperlyConfigured(
        f"Production needs PORTAL_BASE_URL as an https:// address, not {PORTAL_BASE_URL!r}."  # noqa: F405
    )
for _kind, _partner in SYNDICATION_PARTNERS.items():  # noqa: F405
    if not _is_https_url(_partner["base_url"]):
        raise ImproperlyConfigured(
            f"Production needs an https:// base URL for the partner {_kind} "
            f"({_kind.upper()}_BASE_URL), not {_partner['base_url']!r}."
        )

try:
    Fernet(env_str("MFA_ENCRYPTION_KEY", "").encode())
except ValueError as error:
    raise ImproperlyConfigured(
        "Production needs MFA_ENCRYPTION_KEY, a Fernet key (32 url-safe base64-encoded "
        'bytes), e.g. from: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"'
    ) from error

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
