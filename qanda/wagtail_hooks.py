"""The Q&A in the Wagtail admin: its URLs under ``/admin/questions-candidats/`` and its menu."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from qanda import admin_views
from qanda.selectors import can_answer_questions

admin_urls = (
    [
        path("", admin_views.question_list, name="list"),
        path("<int:question_id>/", admin_views.question_answer_view, name="answer"),
    ],
    "qanda_admin",
)


@hooks.register("register_admin_urls")
def register_qanda_admin_urls():
    return [path("questions-candidats/", include(admin_urls))]


class AnswererMenuItem(MenuItem):
    """Shown to the people of an organisation (and superusers), who have questions to answer."""

    def is_shown(self, request: HttpRequest) -> bool:
        return can_answer_questions(request.user)


@hooks.register("register_admin_menu_item")
def register_qanda_menu_item() -> MenuItem:
    return AnswererMenuItem(
        _("Questions des candidats"),
        reverse("qanda_admin:list"),
        name="questions-candidats",
        icon_name="help",
        order=850,
    )
