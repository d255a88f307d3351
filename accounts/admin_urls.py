from django.urls import path

from accounts.views import staff

app_name = "accounts_admin"
urlpatterns = [
    path("", staff.staff_second_factors, name="staff_second_factors"),
    path("<int:user_id>/reinitialiser/", staff.reset_second_factor, name="reset_second_factor"),
]
