from django.urls import path

from companies import views

app_name = "companies"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("inviter/", views.invite, name="invite"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<str:token>/rejoindre/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/refuser/", views.invitation_decline, name="invitation_decline"),
    path(
        "invitations-envoyees/<int:invitation_id>/annuler/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("membres/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("membres/<int:membership_id>/retirer/", views.member_remove, name="member_remove"),
    path("quitter/", views.leave, name="leave"),
    path("supprimer/", views.company_delete, name="delete"),
]
