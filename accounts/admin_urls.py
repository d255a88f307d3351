from django.urls import path

from accounts.views import staff

app_name = "accounts_admin"
urlpatterns = [
    path("<int:user_id>/reinitialiser/", staff.reset_second_factor, name="reset_second_factor"),
]
