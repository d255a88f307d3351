"""Local development and ``make run``: embedded defaults, debug on, a local-only secret."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
# A throw-away key for a machine-local run; production must set DJANGO_SECRET_KEY.
os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-not-secret-" + "x" * 40)

from portal.settings.base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"  # noqa: F405

# Serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
