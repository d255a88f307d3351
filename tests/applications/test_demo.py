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
