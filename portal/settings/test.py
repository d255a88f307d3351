"""Test settings: PostgreSQL and a real broker by default, fast hashing, in-memory mail."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret-" + "x" * 40)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# A queue of its own per test run: two runs on one broker never take each other's tasks.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"tests-{os.getpid()}")

from portal.env import env_str
from portal.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-memory mail for this process; a worker subprocess gets a file backend from its
# environment, so a test can read what the worker sent.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
PORTAL_BASE_URL = "http://testserver"

# Serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
