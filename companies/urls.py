from django.urls import path

from companies import views

app_name = "companies"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("inviter/", views.invite, name="invite"),
]
