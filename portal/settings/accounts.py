"""Accounts settings (django-allauth, MFA, login limits, trusted proxies); base imports them.

Applicants sign up and log in with their address; staff log in with their username
or address on the same page (the CMS's login redirects there), so every login goes
through the same limits. See accounts/adapter.py and accounts/mfa.py.
"""

from portal.env import env_int, env_str

SIGNUP_LIMIT_PER_HOUR = env_int("SIGNUP_LIMIT_PER_HOUR", 10)
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_FORMS = {
    "signup": "accounts.entry_forms.SignupForm",
    "login": "accounts.entry_forms.LoginForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False  # a verification link never logs anyone in
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env_int("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", 3)
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_CONSENT_VERSION = "2026-11"
# Accounts whose address was never verified are deleted after this many days.
ACCOUNT_UNVERIFIED_EXPIRY_DAYS = env_int("ACCOUNT_UNVERIFIED_EXPIRY_DAYS", 7)
ACCOUNT_RATE_LIMITS = {
    # Login failures are counted atomically by accounts.login_limits (per account and
    # per client, never cleared by a success), not by allauth's history lists.
    "login_failed": None,
    "signup": f"{SIGNUP_LIMIT_PER_HOUR}/h/ip",
    "reset_password": f"{SIGNUP_LIMIT_PER_HOUR}/h/ip,5/h/key",
}
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env_int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", 5)
LOGIN_FAILURE_LIMIT_PER_CLIENT = env_int("LOGIN_FAILURE_LIMIT_PER_CLIENT", 30)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Reverse proxies in front of the portal that append to X-Forwarded-For (0: none, the
# client is REMOTE_ADDR). portal.throttling.client_address and allauth read it.
PORTAL_TRUSTED_PROXY_COUNT = env_int("PORTAL_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = PORTAL_TRUSTED_PROXY_COUNT

MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "AMP Innovation"
MFA_TOTP_TOLERANCE = 1  # the previous and next 30-second codes still count (clock drift)
MFA_FORMS = {
    "authenticate": "accounts.mfa.AuthenticateForm",
    "reauthenticate": "accounts.mfa.ReauthenticateForm",
    "add_webauthn": "accounts.mfa.AddWebAuthnForm",  # French label for the key's name
}
# Fernet key (base64, 32 bytes) that encrypts TOTP secrets; required in production,
# derived from SECRET_KEY elsewhere.
MFA_ENCRYPTION_KEY = env_str("MFA_ENCRYPTION_KEY", "")
# Passkeys need a secure origin. python-fido2 already accepts http://localhost (a
# secure context for browsers), so no setting loosens this for tests; True would turn
# off the origin check altogether.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
