from django.urls import path

from accounts.views import authentication, passwords, personal_data, registration, security

app_name = "accounts"
urlpatterns = [
    path("inscription/", registration.signup, name="signup"),
    path("inscription/envoye/", registration.signup_done, name="signup_done"),
    # Before the token pattern, which would take "renvoyer" for a token.
    path("verification/renvoyer/", registration.resend, name="resend_verification"),
    path("verification/<str:token>/", registration.verify, name="verify"),
    path("connexion/", authentication.LoginView.as_view(), name="login"),
    path("connexion/code/", authentication.login_code, name="login_code"),
    path("deconnexion/", authentication.LogoutView.as_view(), name="logout"),
    path("securite/", security.security, name="security"),
    path("mes-donnees/", personal_data.personal_data, name="personal_data"),
    path("supprimer/", personal_data.delete_account, name="delete"),
    path("mot-de-passe/oubli/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/modifie/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
