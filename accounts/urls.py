"""The account pages under ``/compte/``, with French paths.

``allauth_urlpatterns`` carries the names allauth reverses itself (``account_login``,
``mfa_index``…: the same set as allauth's own urls.py files for the enabled features);
``urlpatterns`` (namespace ``accounts``) the names the portal's apps use.
"""

from allauth.account import views as account_views
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.base import views as mfa_views
from allauth.mfa.recovery_codes import views as recovery_views
from allauth.mfa.totp import views as totp_views
from allauth.mfa.webauthn import views as webauthn_views
from django.urls import include, path, re_path

from accounts.views import personal_data, second_factor

_reset_from_key = r"^mot-de-passe/nouveau/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$"

allauth_urlpatterns = [
    path("connexion/", account_views.login, name="account_login"),
    path("deconnexion/", account_views.logout, name="account_logout"),
    path("inactif/", account_views.account_inactive, name="account_inactive"),
    path("inscription/", account_views.signup, name="account_signup"),
    path("reauthentification/", account_views.reauthenticate, name="account_reauthenticate"),
    path(
        "reauthentification/code/",
        account_views.request_reauthentication_code,
        name="account_request_reauthentication_code",
    ),
    path(
        "reauthentification/code/confirmer/",
        account_views.confirm_reauthentication_code,
        name="account_confirm_reauthentication_code",
    ),
    path("adresses/", account_views.email, name="account_email"),
    path(
        "verification/envoyee/",
        account_views.email_verification_sent,
        name="account_email_verification_sent",
    ),
    re_path(
        r"^verification/(?P<key>[-:\w]+)/$",
        account_views.confirm_email,
        name="account_confirm_email",
    ),
    path(
        "mot-de-passe/modifier/",
        account_views.password_change,
        name="account_change_password",
    ),
    path("mot-de-passe/definir/", account_views.password_set, name="account_set_password"),
    path("mot-de-passe/oubli/", account_views.password_reset, name="account_reset_password"),
    path(
        "mot-de-passe/oubli/envoye/",
        account_views.password_reset_done,
        name="account_reset_password_done",
    ),
    re_path(
        _reset_from_key,
        account_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "mot-de-passe/modifie/",
        account_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    path(
        "connexion/code/confirmer/",
        account_views.confirm_login_code,
        name="account_confirm_login_code",
    ),
    # Second factor (allauth.mfa).
    path("securite/", mfa_views.index, name="mfa_index"),
    path("securite/code/", mfa_views.authenticate, name="mfa_authenticate"),
    path("securite/reauthentification/", mfa_views.reauthenticate, name="mfa_reauthenticate"),
    path("securite/totp/activer/", second_factor.activate_totp, name="mfa_activate_totp"),
    path("securite/totp/desactiver/", totp_views.deactivate_totp, name="mfa_deactivate_totp"),
    path(
        "securite/codes-de-secours/",
        recovery_views.view_recovery_codes,
        name="mfa_view_recovery_codes",
    ),
    path(
        "securite/codes-de-secours/generer/",
        recovery_views.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "securite/codes-de-secours/telecharger/",
        recovery_views.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
    path("securite/cles/", webauthn_views.list_webauthn, name="mfa_list_webauthn"),
    path("securite/cles/ajouter/", webauthn_views.add_webauthn, name="mfa_add_webauthn"),
    path(
        "securite/cles/reauthentification/",
        webauthn_views.reauthenticate_webauthn,
        name="mfa_reauthenticate_webauthn",
    ),
    path(
        "securite/cles/<int:pk>/",
        include(
            [
                path("supprimer/", webauthn_views.remove_webauthn, name="mfa_remove_webauthn"),
                path("modifier/", webauthn_views.edit_webauthn, name="mfa_edit_webauthn"),
            ]
        ),
    ),
]
if mfa_settings.PASSKEY_LOGIN_ENABLED:
    allauth_urlpatterns.append(
        path("securite/cles/connexion/", webauthn_views.login_webauthn, name="mfa_login_webauthn")
    )

app_name = "accounts"
urlpatterns = [
    path("inscription/", account_views.signup, name="signup"),
    path("connexion/", account_views.login, name="login"),
    path("deconnexion/", account_views.logout, name="logout"),
    path("mot-de-passe/oubli/", account_views.password_reset, name="password_reset"),
    path("securite/", mfa_views.index, name="security"),
    path("mes-donnees/", personal_data.personal_data, name="personal_data"),
    path("supprimer/", personal_data.delete_account, name="delete"),
]
