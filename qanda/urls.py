from django.urls import path

from qanda import views

app_name = "qanda"
urlpatterns = [
    path("appels/<slug:slug>/questions/", views.question_ask_view, name="ask"),
]
