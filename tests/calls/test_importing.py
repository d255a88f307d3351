"""``import_calls``: validation per line, idempotence on source_url, revisions, --atomic."""

import json

import pytest
from django.core.management import CommandError, call_command

from calls.models import CallEvent, CallPage
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def line(**overrides) -> dict:
    data = {
        "title": "Capteurs connectés pour la qualité de l'air dans les écoles",
        "call_type": "appel_a_solutions",
        "issuer": "Métropole Aix-Marseille-Provence",
        "summary": "Mesurer la qualité de l'air dans 40 écoles.",
        "body": [
            {"section": "context", "text": "Premier paragraphe.\n\n- un point\n- un autre"},
            {"section": "evaluation_criteria", "text": "- Pertinence (60 %)\n- Coût (40 %)"},
            {"section": "timeline", "text": "Calendrier indicatif.\n- 15/01/2027 : Jury"},
        ],
        "sectors": ["energie_environnement", "Santé"],
        "keywords": ["air", "écoles"],
        "opens_at": "2026-11-01T09:00:00+01:00",
        "closes_at": "2027-01-31T12:00:00",
        "location": "Marseille (13)",
        "budget": "40 000 € HT",
        "contact_email": "air@ampmetropole.example",
        "source_url": "https://sources.example/appels/1",
    }
    data.update(overrides)
    return data


def write(tmp_path, *rows) -> str:
    path = tmp_path / "calls.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows),
        encoding="utf-8",
    )
    return str(path)


def run(path, *args):
    return call_command("import_calls", path, *args)


def test_a_good_file_creates_published_calls_and_their_organisation(tmp_path):
    run(
        write(
            tmp_path,
            line(),
            line(source_url="https://sources.example/appels/2", title="Un autre appel"),
        ),
        "--publish",
    )
    calls = CallPage.objects.order_by("pk")
    assert calls.count() == 2
    call = calls.first()
    assert call.live and call.call_id
    assert call.issuer.name == "Métropole Aix-Marseille-Provence"
    assert hasattr(Organisation.objects.get(), "call_folder"), "the organisation is provisioned"
    assert sorted(s.code for s in call.sectors.all()) == ["energie_environnement", "sante"]
    assert sorted(t.name for t in call.keywords.all()) == ["air", "écoles"]
    assert call.closes_at.isoformat() == "2027-01-31T11:00:00+00:00", "naive = Paris time"
    criteria = call.body[1].value["criteria"]
    assert [(c["label"], c["weight"]) for c in criteria] == [("Pertinence", 60), ("Coût", 40)]
    assert call.body[2].value["milestones"][0]["label"] == "Jury"
    assert "<li>un point</li>" in str(call.body[0].value)
    assert CallEvent.objects.filter(kind="call.published").count() == 2


def test_without_publish_calls_are_drafts(tmp_path):
    run(write(tmp_path, line()))
    call = CallPage.objects.get()
    assert not call.live and call.call_id is None


def test_reimporting_an_unchanged_file_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, line())
    run(path, "--publish")
    call = CallPage.objects.get()
    revisions = call.revisions.count()
    run(path, "--publish")
    assert "0 créé(s), 0 mis à jour, 1 inchangé(s)" in capsys.readouterr().out
    assert call.revisions.count() == revisions
    assert CallEvent.objects.count() == 1


def test_a_changed_line_updates_the_same_call_as_a_new_revision(tmp_path):
    run(write(tmp_path, line()), "--publish")
    call = CallPage.objects.get()
    run(write(tmp_path, line(summary="Résumé revu.")), "--publish")
    call.refresh_from_db()
    assert CallPage.objects.count() == 1
    assert call.summary == "Résumé revu."
    assert call.revisions.count() == 2
    assert list(CallEvent.objects.values_list("version", "kind")) == [
        (1, "call.published"),
        (2, "call.updated"),
    ]


def test_a_changed_line_without_publish_leaves_a_draft(tmp_path):
    run(write(tmp_path, line()), "--publish")
    run(write(tmp_path, line(summary="Résumé en brouillon.")))
    call = CallPage.objects.get()
    assert call.summary != "Résumé en brouillon."
    assert call.has_unpublished_changes
    assert call.get_latest_revision_as_object().summary == "Résumé en brouillon."


BAD_LINES = [
    ("{pas du json", "JSON invalide"),
    (line(call_type="appel_d_offres"), "type d'appel inconnu"),
    (line(sectors=["aérospatial"]), "filière inconnue"),
    (line(opens_at="demain"), "« opens_at » n'est pas une date valide"),
    (line(closes_at="2026-01-01T00:00:00"), "postérieure"),
    (line(contact_email="pas-une-adresse"), "contact_email"),
    (line(source_url="ftp://x"), "source_url"),
    (line(summary="x" * 501), "dépasse 500 caractères"),
    ({"title": "seul"}, "champs obligatoires manquants"),
    (line(body=[{"section": "inconnue", "text": "x"}]), "section"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_LINES)
def test_bad_lines_are_reported_with_number_and_reason_and_good_ones_imported(
    tmp_path, capsys, bad, message
):
    path = write(tmp_path, line(), bad)
    with pytest.raises(CommandError):
        run(path, "--publish")
    err = capsys.readouterr().err
    assert "ligne 2 : " in err and message in err
    assert CallPage.objects.count() == 1


def test_atomic_imports_nothing_when_a_line_is_bad(tmp_path, capsys):
    path = write(tmp_path, line(), line(call_type="x", source_url="https://s.example/2"))
    with pytest.raises(CommandError, match="aucune ligne importée"):
        run(path, "--publish", "--atomic")
    assert CallPage.objects.count() == 0
    assert not CallEvent.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Lecture impossible"):
        run(str(tmp_path / "absent.jsonl"))


def test_the_demo_content_imports_through_the_same_path():
    from portal import demo

    organisations = demo.load_organisations()
    report = demo.load_demo_calls()
    assert report.ok, report.errors
    assert len(organisations) >= 4
    assert 50 <= CallPage.objects.live().count() <= 70
    sectors = set(CallPage.objects.values_list("sectors__code", flat=True))
    assert len(sectors) == 6
    statuses = {c.current_status for c in CallPage.objects.live()}
    assert statuses == {"open", "upcoming", "closed"}
    assert demo.load_demo_calls().created == [], "loading the demo twice adds nothing"
