"""Local development and ``make run``: embedded defaults, debug on, a local-only secret."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
# A throw-away key for a machine-local run; production must set DJANGO_SECRET_KEY.
os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-not-secret-" + "x" * 40)

from portal.settings.base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"  # noqa: F405

# Passkeys work on http://localhost:8000 with no setting (browsers refuse them on an IP
# address such as 127.0.0.1): python-fido2 accepts http://localhost as a secure origin,
# so MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN, which turns the origin check off, stays False
# here as in production (tests/accounts/test_passkeys_browser.py proves it on localhost).

# Serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Demo partners: with no partner configured, ``make run`` relays every call to the MBA
# and Pacte PME simulators that ``runportal`` starts on 127.0.0.1 (DEMO_PARTNERS=0 to
# turn this off; set MBA_BASE_URL / PACTEPME_BASE_URL to use real partners).
DEMO_PARTNERS = not SYNDICATION_PARTNERS and env_bool("DEMO_PARTNERS", True)  # noqa: F405
if DEMO_PARTNERS:
    from syndication.simulators.demo import demo_partner_settings

    SYNDICATION_PARTNERS = demo_partner_settings(VAR_DIR / "demo-partners.json")  # noqa: F405
