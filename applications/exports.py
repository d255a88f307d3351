"""Exports of one call's submitted applications: CSV, XLSX and a ZIP of the attachments.

One row per application with its reference, dates, status, company, standard
answers, the call's own questions, each criterion's mean score, the overall mean,
spread and number of evaluations. The CSV is for French Excel (UTF-8 with BOM, ``;``,
decimal comma). Answers come from applicants and question labels from editors: any
text, header cells included, that a spreadsheet would take for a formula (``=``, ``+``,
``-``, ``@``…) is prefixed with an apostrophe.

Files are written to temporary files on disk, not built in memory: a call's
attachments may weigh gigabytes (30 MB per application).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import IO
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from applications.evaluation import scores_for
from applications.models import Application, Attachment, EvaluationCriterion
from applications.reading import application_answers, call_questions
from calls.models import CallPage

PARIS = ZoneInfo("Europe/Paris")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COPY_CHUNK = 1024 * 1024


@dataclass
class ExportTable:
    header: list[str]
    rows: list[list[object]]


def exported_applications(call: CallPage) -> QuerySet[Application]:
    return (
        Application.objects.submitted()
        .filter(call=call)
        .select_related("company")
        .prefetch_related("company__sectors", "attachments")
        .order_by("submitted_at", "pk")
    )


def export_table(call: CallPage) -> ExportTable:
    """The rows both spreadsheet formats hold, as Python values (dates in Paris time)."""
    applications = list(exported_applications(call))
    questions = call_questions(call.pk)
    criteria = list(EvaluationCriterion.objects.filter(call=call).order_by("sort_order", "pk"))
    scores = scores_for(applications)
    rows = [
        _row(application, questions, criteria, scores[application.pk])
        for application in applications
    ]
    return ExportTable(_header(questions, criteria), rows)


def _header(questions, criteria) -> list[str]:
    return [
        _("Référence"),
        _("Déposée le"),
        _("Décision le"),
        _("Statut"),
        _("Raison sociale"),
        _("SIRET"),
        _("Taille"),
        _("Filières"),
        _("Commune"),
        _("Département"),
        _("Site web"),
        _("Présentation"),
        _("Nom de la solution"),
        _("Description"),
        _("Maturité (TRL)"),
        _("Références clients"),
        _("Équipe"),
        _("Expérimentation proposée"),
        _("Budget estimé (€ HT)"),
        *(question.label for question in questions),
        *(_("Note moyenne : %(criterion)s") % {"criterion": c.label} for c in criteria),
        _("Note moyenne"),
        _("Écart (max − min)"),
        _("Écart-type"),
        _("Nombre d'évaluations"),
    ]


def _row(application: Application, questions, criteria, result) -> list:
    """One application's cells, in the order of ``_header``."""
    company = application.company
    answers = application_answers(application, questions, list(application.attachments.all()))
    return [
        application.reference,
        _paris(application.submitted_at),
        _paris(application.decided_at),
        application.get_status_display(),
        company.legal_name,
        company.siret,
        company.get_size_display(),
        ", ".join(sector.label for sector in company.sectors.all()),
        company.commune,
        company.departement,
        company.website,
        company.pitch,
        application.solution_name,
        application.description,
        application.maturity,
        application.references,
        application.team,
        application.pilot_proposal,
        application.budget_estimate,
        *(answer.text for answer in answers),
        *(_rounded(result.criterion_means.get(c.pk)) for c in criteria),
        _rounded(result.mean),
        _rounded(result.range),
        _rounded(result.stdev),
        result.count,
    ]


def export_filename(call: CallPage, extension: str) -> str:
    stem = call.call_id or call.slug
    return f"candidatures-{stem}.{extension}"


def write_csv(table: ExportTable, output: IO[bytes]) -> None:
    """CSV for French Excel: UTF-8 with a BOM, ``;`` between fields, decimal comma."""
    text = io.TextIOWrapper(output, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_value(label) for label in table.header])
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    text.detach()


def write_xlsx(table: ExportTable, output: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Candidatures"))
    sheet.append([_xlsx_value(label) for label in table.header])
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
    workbook.save(output)


def csv_file(call: CallPage) -> IO[bytes]:
    return _spooled(lambda output: write_csv(export_table(call), output))


def xlsx_file(call: CallPage) -> IO[bytes]:
    return _spooled(lambda output: write_xlsx(export_table(call), output))


def attachments_zip(call: CallPage) -> IO[bytes]:
    """A ZIP with one folder per application reference holding its files.

    Each file is copied in chunks from the private storage into a temporary file, so
    memory stays bounded whatever the attachments weigh.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 — the response closes it once sent
    missing: list[str] = []
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for application in exported_applications(call):
            folder = safe_filename(application.reference or str(application.public_id))
            used: set[str] = set()
            for attachment in application.attachments.all():
                name = _unique(safe_filename(attachment.original_name), used)
                if not _copy_into(archive, attachment, f"{folder}/{name}"):
                    missing.append(f"{folder}/{name}")
        if missing:
            archive.writestr(
                _("fichiers-manquants.txt"),
                _("Ces fichiers sont introuvables dans le stockage :\n")
                + "\n".join(missing)
                + "\n",
            )
    output.seek(0)
    return output


def safe_filename(name: str, fallback: str = "piece-jointe") -> str:
    """A file name that is safe in any archive and on any system.

    No directory part, no control or reserved characters, no leading dot, at most
    120 characters with the extension kept.
    """
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().lstrip(".").strip()
    if not name:
        return fallback
    path = PurePosixPath(name)
    suffix = path.suffix[:10] if len(path.suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    return (stem[: 120 - len(suffix)].rstrip() or fallback) + suffix


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    path = PurePosixPath(name)
    while candidate.lower() in used:
        candidate = f"{path.stem} ({number}){path.suffix}"
        number += 1
    used.add(candidate.lower())
    return candidate


def _copy_into(archive: zipfile.ZipFile, attachment: Attachment, arcname: str) -> bool:
    try:
        source = attachment.file.open("rb")
    except FileNotFoundError:
        return False
    with source, archive.open(arcname, "w") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)
    return True


def _spooled(write) -> IO[bytes]:
    output = tempfile.TemporaryFile()  # noqa: SIM115 — the response closes it once sent
    write(output)
    output.seek(0)
    return output


def _paris(moment: datetime | None) -> datetime | None:
    """Paris wall-clock time without zone: spreadsheets have no time zones."""
    return moment.astimezone(PARIS).replace(tzinfo=None) if moment else None


def _rounded(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _neutralised(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return _neutralised(str(value))


def _xlsx_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        # openpyxl would store a text starting with "=" as a formula.
        return _neutralised(value)
    return value
