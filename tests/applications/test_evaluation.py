"""Evaluators in the Wagtail admin: who sees what, the lists, the detail, the scores."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.evaluation import application_scores, weighted_average
from applications.models import ApplicationStatus, Evaluation, QuestionKind
from tests.applications.reviewing import (
    attach,
    score,
    set_form,
    submitted_application,
    use_private_root,
)
from tests.factories import (
    CompanyFactory,
    UserFactory,
    create_call,
    editor_of,
    evaluator_of,
    log_in_as,
)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    use_private_root(settings, tmp_path / "private")


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Jumeaux numériques du port")


@pytest.fixture
def form(call):
    questions, criteria = set_form(
        call,
        questions=[
            {"label": "Combien de clients avez-vous ?", "kind": QuestionKind.NUMBER},
            {"label": "Avez-vous déjà travaillé avec une collectivité ?", "kind": "yes_no"},
        ],
        criteria=[
            {"label": "Caractère innovant", "weight": 2},
            {"label": "Impact sur le territoire", "weight": 1},
        ],
    )
    return {"questions": questions, "criteria": criteria}


@pytest.fixture
def application(call, form):
    q1, q2 = form["questions"]
    return submitted_application(
        call,
        CompanyFactory(legal_name="Océan Numérique", website="https://ocean.example"),
        answers={q1.field_name: 12, q2.field_name: True},
    )


@pytest.fixture
def evaluator(metropole):
    return evaluator_of(metropole)


def attachment_url(application, attachment) -> str:
    return reverse(
        "applications_admin:attachment", args=[application.public_id, attachment.public_id]
    )


def detail_url(application) -> str:
    return reverse("applications_admin:detail", args=[application.public_id])


def grid(criteria, values, comment="") -> dict:
    data = {"comment": comment}
    for criterion, value in zip(criteria, values, strict=True):
        data[f"score_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = f"Avis sur {criterion.label}"
    return data


# --- Who sees what -------------------------------------------------------------------------


def test_menu_for_evaluators_and_superusers_only(client, metropole, evaluator):
    home = reverse("wagtailadmin_home")
    log_in_as(client, evaluator)
    assert reverse("applications_admin:calls") in client.get(home).content.decode()
    log_in_as(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    assert reverse("applications_admin:calls") in client.get(home).content.decode()
    log_in_as(client, editor_of(metropole))
    content = client.get(home).content.decode()
    assert reverse("applications_admin:calls") not in content
    assert "Messages de décision" not in content


def protected_urls(application, attachment) -> list[tuple[str, str]]:
    call_id, public_id = application.call_id, application.public_id
    return [
        ("get", reverse("applications_admin:call", args=[call_id])),
        ("get", reverse("applications_admin:export_csv", args=[call_id])),
        ("get", reverse("applications_admin:export_xlsx", args=[call_id])),
        ("get", reverse("applications_admin:export_attachments", args=[call_id])),
        ("get", reverse("applications_admin:detail", args=[public_id])),
        ("get", reverse("applications_admin:attachment", args=[public_id, attachment.public_id])),
        ("post", reverse("applications_admin:evaluate", args=[public_id])),
        ("post", reverse("applications_admin:decide", args=[public_id])),
    ]


@pytest.mark.parametrize("role", ["evaluator_of_another", "editor", "reviewer_of_another"])
def test_others_get_404_everywhere(client, application, form, metropole, cci, role):
    from tests.factories import reviewer_of

    user = {
        "evaluator_of_another": lambda: evaluator_of(cci),
        "editor": lambda: editor_of(metropole),
        "reviewer_of_another": lambda: reviewer_of(cci),
    }[role]()
    attachment = attach(application)
    log_in_as(client, user)
    for method, url in protected_urls(application, attachment):
        data = {"decision": "admissible", "reason": "x", "notify": "on"}
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code == 404, url
    listing = client.get(reverse("applications_admin:calls"))
    assert application.call.title not in listing.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    assert not Evaluation.objects.exists()


def test_superuser_and_the_organisations_evaluators_see_everything(
    client, application, form, metropole, evaluator
):
    attachment = attach(application)
    for user in (evaluator, UserFactory(username="root", is_staff=True, is_superuser=True)):
        log_in_as(client, user)
        for method, url in protected_urls(application, attachment):
            if method == "get":
                assert client.get(url).status_code == 200, url


def test_applicants_never_reach_the_admin_pages(client, application):
    from tests.factories import applicant

    log_in_as(client, applicant(company=application.company))
    response = client.get(detail_url(application))
    assert response.status_code in (302, 403)
    assert "Océan Numérique" not in response.content.decode()


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
def test_drafts_and_withdrawn_applications_are_invisible(client, call, form, evaluator, status):
    hidden = submitted_application(call, status=status, solution_name="Invisible")
    visible = submitted_application(call, solution_name="Visible")
    log_in_as(client, evaluator)
    content = client.get(reverse("applications_admin:call", args=[call.pk])).content.decode()
    assert "Visible" in content and "Invisible" not in content
    assert client.get(detail_url(hidden)).status_code == 404
    assert client.get(detail_url(visible)).status_code == 200


def test_calls_list_counts_applications_per_status(client, call, form, evaluator, cci):
    submitted_application(call)
    submitted_application(call, status=ApplicationStatus.ADMISSIBLE)
    submitted_application(call, status=ApplicationStatus.ADMISSIBLE)
    submitted_application(call, status=ApplicationStatus.DRAFT)
    other = create_call(cci, title="Appel de la chambre")
    submitted_application(other)
    log_in_as(client, evaluator)
    content = client.get(reverse("applications_admin:calls")).content.decode()
    assert "Appel de la chambre" not in content
    row = content[content.index("Jumeaux numériques du port") :].split("</tr>")[0]
    cells = [c.split("</td>")[0].strip() for c in row.split("<td>")[1:]]
    # organisation, deadline, total, then Reçue, Recevable, Non recevable…
    assert cells[2:6] == ["3", "1", "2", "0"]


# --- The detail ------------------------------------------------------------------------------


def test_detail_shows_company_answers_attachments_and_history(client, application, form, evaluator):
    attachment = attach(application, "Plaquette commerciale.pdf")
    log_in_as(client, evaluator)
    content = client.get(detail_url(application)).content.decode()
    assert "Océan Numérique" in content
    assert application.company.siret in content
    assert "PME (10 à 249 salariés)" in content
    assert "Marseille (13)" in content
    assert "TRL 7" in content
    flat = " ".join(content.split())
    assert "<dt>Combien de clients avez-vous ?</dt> <dd> 12 </dd>" in flat
    assert "Avez-vous déjà travaillé avec une collectivité ?" in content
    assert "Oui" in content
    url = reverse(
        "applications_admin:attachment", args=[application.public_id, attachment.public_id]
    )
    assert f'href="{url}"' in content
    assert "Brouillon → Reçue" in content


def test_attachment_download_is_an_attachment_never_sniffed(client, application, evaluator):
    attachment = attach(application, "../../etc/Offre finale.pdf")
    log_in_as(client, evaluator)
    url = reverse(
        "applications_admin:attachment", args=[application.public_id, attachment.public_id]
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "Offre" in response["Content-Disposition"] and "etc" not in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_an_attachment_is_only_reached_through_its_own_application(
    client, call, application, evaluator
):
    other = submitted_application(call)
    attachment = attach(other)
    log_in_as(client, evaluator)
    url = reverse(
        "applications_admin:attachment", args=[application.public_id, attachment.public_id]
    )
    assert client.get(url).status_code == 404


# --- Scores -----------------------------------------------------------------------------------


def test_weighted_average():
    assert weighted_average([(4, 2), (1, 1)]) == 3
    assert weighted_average([]) is None


def test_two_evaluators_give_mean_and_spread(client, application, form, metropole, evaluator):
    criteria = form["criteria"]
    second = evaluator_of(metropole, "evaluator-two")
    log_in_as(client, evaluator)
    response = client.post(
        reverse("applications_admin:evaluate", args=[application.public_id]),
        grid(criteria, ["4", "1"], "Prometteur"),
    )
    assert response.status_code == 302
    score(application, second, criteria, [5, 5])

    scores = application_scores(application)
    assert [e.weighted_average for e in scores.evaluations] == [3.0, 5.0]
    assert scores.mean == 4.0
    assert scores.range == 2.0
    assert scores.stdev == pytest.approx(1.0)
    assert scores.criterion_means == {criteria[0].pk: 4.5, criteria[1].pk: 3.0}

    content = client.get(detail_url(application)).content.decode()
    assert 'data-testid="mean">4,00 / 5' in content
    assert 'data-testid="range">2,00' in content
    assert 'data-testid="stdev">1,00' in content
    assert "evaluator-two — moyenne pondérée 5,00" in content
    assert "Mettre à jour mon évaluation" in content


def test_an_evaluator_updates_their_grid_rather_than_adding_one(
    client, application, form, evaluator
):
    criteria = form["criteria"]
    url = reverse("applications_admin:evaluate", args=[application.public_id])
    log_in_as(client, evaluator)
    client.post(url, grid(criteria, ["1", "1"]))
    client.post(url, grid(criteria, ["5", "2"], "Révisé"))
    evaluation = Evaluation.objects.get()
    assert evaluation.comment == "Révisé"
    assert sorted(evaluation.scores.values_list("score", flat=True)) == [2, 5]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("6", "La note doit être un nombre entier de 0 à 5."),
        ("-1", "La note doit être un nombre entier de 0 à 5."),
        ("2.5", "La note doit être un nombre entier de 0 à 5."),
        ("", "Donnez une note de 0 à 5 à ce critère."),
    ],
)
def test_invalid_scores_are_refused_in_french(client, application, form, evaluator, value, message):
    criteria = form["criteria"]
    log_in_as(client, evaluator)
    response = client.post(
        reverse("applications_admin:evaluate", args=[application.public_id]),
        grid(criteria, [value, "3"], "Mon avis détaillé"),
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    error_id = f"id_score_{criteria[0].pk}-error"
    assert f'id="{error_id}"' in content
    assert f'aria-describedby="{error_id}"' in content
    assert "Mon avis détaillé" in content  # what was typed is kept
    assert 'value="3" required id="id_score_' in content and "checked" in content
    assert not Evaluation.objects.exists()


def test_a_grid_missing_a_criterion_is_refused(client, application, form, evaluator):
    criteria = form["criteria"]
    log_in_as(client, evaluator)
    data = grid(criteria, ["3", "3"])
    del data[f"score_{criteria[1].pk}"]
    response = client.post(
        reverse("applications_admin:evaluate", args=[application.public_id]), data
    )
    assert response.status_code == 400
    assert "Donnez une note de 0 à 5 à ce critère." in response.content.decode()


# --- List filters and search ----------------------------------------------------------------


@pytest.fixture
def several(call, form, metropole, evaluator):
    from calls.models import Sector

    criteria = form["criteria"]
    tpe = CompanyFactory(legal_name="Alpha Robotique", size="tpe")
    tpe.sectors.set(Sector.objects.filter(code="sante"))
    alpha = submitted_application(call, tpe, solution_name="Robot infirmier")
    beta = submitted_application(
        call,
        CompanyFactory(legal_name="Beta Énergie", size="eti"),
        solution_name="Batterie marine",
        status=ApplicationStatus.ADMISSIBLE,
    )
    gamma = submitted_application(
        call, CompanyFactory(legal_name="Gamma Conseil"), solution_name="Tableau de bord"
    )
    score(alpha, evaluator, criteria, [2, 2])  # 2.0
    score(beta, evaluator, criteria, [5, 2])  # 4.0
    return {"alpha": alpha, "beta": beta, "gamma": gamma}


def listed(client, call, **params) -> list[str]:
    response = client.get(reverse("applications_admin:call", args=[call.pk]), params)
    assert response.status_code == 200
    content = response.content.decode()
    return [
        part.split('">')[1].split("</a>")[0]
        for part in content.split('<th scope="row"><a href="/admin/candidatures/')[1:]
    ]


def test_filters_search_and_sort(client, call, several, evaluator):
    refs = {name: a.reference for name, a in several.items()}
    log_in_as(client, evaluator)
    assert listed(client, call) == [refs["gamma"], refs["beta"], refs["alpha"]]
    assert listed(client, call, status="admissible") == [refs["beta"]]
    assert listed(client, call, size="tpe") == [refs["alpha"]]
    assert listed(client, call, sector="sante") == [refs["alpha"]]
    assert listed(client, call, q="batterie") == [refs["beta"]]
    assert listed(client, call, q="gamma") == [refs["gamma"]]
    assert listed(client, call, q=refs["alpha"]) == [refs["alpha"]]
    assert listed(client, call, score_min="3") == [refs["beta"]]
    assert listed(client, call, score_min="1,5", score_max="2.5") == [refs["alpha"]]
    assert listed(client, call, sort="-score") == [refs["beta"], refs["alpha"], refs["gamma"]]
    assert listed(client, call, sort="score") == [refs["alpha"], refs["beta"], refs["gamma"]]
    assert listed(client, call, sort="submitted") == [refs["alpha"], refs["beta"], refs["gamma"]]


def test_bad_filters_are_reported_in_french_and_ignored(client, call, several, evaluator):
    log_in_as(client, evaluator)
    url = reverse("applications_admin:call", args=[call.pk])
    response = client.get(url, {"score_min": "beaucoup", "status": "pirate", "p": "zz"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Saisissez un nombre." in content
    assert "Sélectionnez un choix valide" in content
    assert "3 candidatures" in content
    response = client.get(url, {"score_min": "4", "score_max": "2"})
    assert "La note maximale doit être supérieure ou égale à la minimale." in (
        response.content.decode()
    )
    assert client.get(url, {"score_min": "9"}).status_code == 200
