from django.urls import path

from applications import views

app_name = "applications"
urlpatterns = [
    path("espace/", views.dashboard, name="dashboard"),
    path("appels/<slug:slug>/candidater/", views.apply, name="apply"),
    path("appels/<slug:slug>/suivre/", views.follow, name="follow"),
    path("espace/candidatures/<uuid:public_id>/", views.detail, name="detail"),
    path("espace/candidatures/<uuid:public_id>/retirer/", views.withdraw, name="withdraw"),
    path("espace/candidatures/<uuid:public_id>/reprendre/", views.reopen, name="reopen"),
    path(
        "espace/candidatures/<uuid:public_id>/pieces/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
