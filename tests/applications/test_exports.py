"""Exports of a call's applications, read back with csv, openpyxl and zipfile."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest
from django.urls import reverse

from applications.exports import safe_filename
from applications.models import ApplicationStatus, QuestionKind
from tests.applications.reviewing import (
    attach,
    score,
    set_form,
    submitted_application,
    use_private_root,
)
from tests.factories import CompanyFactory, create_call, evaluator_of, log_in_as


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    use_private_root(settings, tmp_path / "private")


@pytest.fixture
def setup(metropole):
    call = create_call(metropole, title="Ports intelligents")
    questions, criteria = set_form(
        call,
        questions=[
            {"label": "Nombre de clients", "kind": QuestionKind.NUMBER},
            {"label": "Déjà testé ?", "kind": QuestionKind.YES_NO},
            {"label": "Schéma technique", "kind": QuestionKind.FILE, "required": False},
        ],
        criteria=[{"label": "Innovation", "weight": 2}, {"label": "Impact", "weight": 1}],
    )
    first = submitted_application(
        call,
        CompanyFactory(legal_name="Océan; Numérique", size="tpe", website="https://o.example"),
        submitted_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        solution_name='=HYPERLINK("http://evil.example")',
        answers={questions[0].field_name: 12, questions[1].field_name: False},
    )
    second = submitted_application(
        call,
        CompanyFactory(legal_name="Beta"),
        submitted_at=datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
        status=ApplicationStatus.ADMISSIBLE,
    )
    submitted_application(call, solution_name="Brouillon caché", status="draft")
    evaluator = evaluator_of(metropole)
    score(first, evaluator, criteria, [4, 1])  # 3.0
    score(first, evaluator_of(metropole, "second"), criteria, [5, 5])  # 5.0
    attach(first, "Plaquette.pdf")
    attach(first, "Plaquette.pdf", b"%PDF-1.4 autre")
    attach(first, "../../secret/Schéma: v2.png", b"\x89PNG", question=questions[2])
    attach(second, "Offre.pdf")
    return {"call": call, "first": first, "second": second, "evaluator": evaluator}


def download(client, setup, name: str):
    log_in_as(client, setup["evaluator"])
    response = client.get(reverse(f"applications_admin:{name}", args=[setup["call"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response, b"".join(response.streaming_content)


HEADER_START = ["Référence", "Déposée le", "Décision le", "Statut", "Raison sociale", "SIRET"]
HEADER_END = [
    "Nombre de clients",
    "Déjà testé ?",
    "Schéma technique",
    "Note moyenne : Innovation",
    "Note moyenne : Impact",
    "Note moyenne",
    "Écart (max − min)",
    "Écart-type",
    "Nombre d'évaluations",
]


def test_csv_for_french_excel(client, setup):
    response, body = download(client, setup, "export_csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header, first, second = rows
    assert header[:6] == HEADER_START and header[-9:] == HEADER_END
    assert len(rows) == 3  # the draft is not exported
    assert first[0] == setup["first"].reference
    assert first[1] == "02/03/2026 10:30"  # Paris time
    assert first[3] == "Reçue"
    assert first[4] == "Océan; Numérique"
    assert first[6] == "TPE (moins de 10 salariés)"
    assert first[header.index("Nom de la solution")].startswith("'=HYPERLINK")
    assert first[header.index("Budget estimé (€ HT)")] == "45000,00"
    assert first[-9:] == [
        "12",
        "Non",
        "../../secret/Schéma: v2.png",
        "4,5",
        "3,0",
        "4,0",
        "2,0",
        "1,0",
        "2",
    ]
    assert second[3] == "Recevable"
    assert second[-6:] == ["", "", "", "", "", "0"]


def test_xlsx(client, setup):
    _response, body = download(client, setup, "export_xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, first, second = rows
    assert header[:6] == HEADER_START and header[-9:] == HEADER_END
    assert first[1] == datetime(2026, 3, 2, 10, 30)
    assert first[header.index("Nom de la solution")].startswith("'=HYPERLINK")
    assert first[header.index("Budget estimé (€ HT)")] == 45000
    assert first[-6:] == [4.5, 3, 4, 2, 1, 2]
    assert second[0] == setup["second"].reference
    assert second[-1] == 0


def test_zip_of_attachments(client, setup):
    response, body = download(client, setup, "export_attachments")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    first, second = setup["first"].reference, setup["second"].reference
    assert sorted(archive.namelist()) == sorted(
        [
            f"{first}/Plaquette.pdf",
            f"{first}/Plaquette (2).pdf",
            f"{first}/Schéma_ v2.png",
            f"{second}/Offre.pdf",
        ]
    )
    assert archive.read(f"{first}/Plaquette (2).pdf") == b"%PDF-1.4 autre"


def test_a_missing_file_is_listed_not_fatal(client, setup):
    attachment = setup["second"].attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    _response, body = download(client, setup, "export_attachments")
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert (
        f"{setup['second'].reference}/Offre.pdf" in archive.read("fichiers-manquants.txt").decode()
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\offre.docx", "offre.docx"),
        ("..", "piece-jointe"),
        (".htaccess", "htaccess"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ('quoi?<>|"*.pdf', "quoi______.pdf"),
        ("é" * 300 + ".pdf", "é" * 116 + ".pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


HOSTILE_LABELS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\tcmd",
    "\rcmd",
]


@pytest.fixture
def hostile_headers(metropole):
    """Question labels are written by editors: a label is as untrusted as an answer."""
    call = create_call(metropole, title="Libellés piégés")
    _questions, _criteria = set_form(
        call,
        questions=[
            {"label": label, "kind": QuestionKind.TEXT, "required": False}
            for label in HOSTILE_LABELS
        ],
    )
    submitted_application(call)
    return {"call": call, "evaluator": evaluator_of(metropole)}


def test_csv_header_cells_are_neutralised(client, hostile_headers):
    _response, body = download(client, hostile_headers, "export_csv")
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert header[-len(HOSTILE_LABELS) - 4 : -4] == ["'" + label for label in HOSTILE_LABELS]


def test_xlsx_header_cells_are_neutralised(client, hostile_headers):
    _response, body = download(client, hostile_headers, "export_xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cells = next(sheet.iter_rows())[-len(HOSTILE_LABELS) - 4 : -4]
    # The XML of XLSX stores a carriage return as a line feed: compare the rest.
    assert [c.value[:2] for c in cells] == ["'" + label[0] for label in HOSTILE_LABELS[:-1]] + [
        "'\n"
    ]
    assert all(cell.data_type == "s" for cell in cells)  # text, not formulas
