"""Production: everything from the environment; refuses to start on unsafe defaults."""

from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_str
from portal.settings.base import *  # noqa: F403

if not env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL.")
if env_str("CELERY_BROKER_URL", "filesystem://").startswith("filesystem://"):
    raise ImproperlyConfigured("Production needs CELERY_BROKER_URL (Redis or RabbitMQ).")

if not env_str("MFA_ENCRYPTION_KEY", ""):
    raise ImproperlyConfigured("Production needs MFA_ENCRYPTION_KEY (a Fernet key).")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
