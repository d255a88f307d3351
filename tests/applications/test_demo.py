"""The demo gives open calls an application form and a grid taken from their criteria."""

import pytest

from applications.demo import add_application_form, criteria_from_body
from calls.models import CallEvent
from tests.factories import create_call

pytestmark = pytest.mark.django_db


def test_an_open_call_gets_questions_and_the_grid_of_its_criteria_section(metropole):
    call = create_call(
        metropole,
        body=[
            {
                "type": "evaluation_criteria",
                "value": {
                    "intro": "",
                    "criteria": [
                        {"label": "Qualité de la mesure", "weight": 60, "description": ""},
                        {"label": "Coût", "weight": 40, "description": ""},
                    ],
                },
            }
        ],
    )
    events = CallEvent.objects.count()

    assert criteria_from_body(call) == [("Qualité de la mesure", 60), ("Coût", 40)]
    assert add_application_form(call) is True

    call.refresh_from_db()
    assert list(call.evaluation_criteria.values_list("label", "weight")) == [
        ("Qualité de la mesure", 60),
        ("Coût", 40),
    ]
    assert call.form_questions.count() == 4
    # Published through a revision, so the next edit in the admin keeps them.
    latest = call.get_latest_revision_as_object()
    assert len(latest.form_questions.all()) == 4
    assert CallEvent.objects.count() == events, "the form is not relayed: no new event"
    assert add_application_form(call) is False, "a call that has a form keeps it"


def test_a_call_without_criteria_gets_the_default_grid(metropole):
    call = create_call(metropole)
    add_application_form(call)
    assert call.evaluation_criteria.count() == 3


def test_the_demo_company_has_one_submitted_application_and_one_draft(
    metropole, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core import mail

    from applications.demo import add_demo_applications
    from applications.models import Application
    from tests.factories import applicant

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    for _ in range(2):
        add_application_form(create_call(metropole))
    user = applicant(email="camille@solaris.example")
    company = user.membership.company

    with django_capture_on_commit_callbacks(execute=True):
        assert add_demo_applications(company, user) == 2
    statuses = sorted(Application.objects.filter(company=company).values_list("status", flat=True))
    assert statuses == ["draft", "received"]
    assert [m.to for m in mail.outbox] == [["camille@solaris.example"]], "one receipt"
    assert add_demo_applications(company, user) == 0, "loading the demo again adds nothing"
