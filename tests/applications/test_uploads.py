"""Attachments: what is accepted (sniffed from the content), limits, download rights, clean-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Application, Attachment
from applications.storage import private_storage
from applications.uploads import check_upload
from tests.applications.applying import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    apply_url,
    complete_fields,
    docx_bytes,
    odt_bytes,
    pdf,
    post_apply,
    private_media,  # noqa: F401  (fixture)
    upload,
    xlsx_bytes,
    zip_bytes,
)
from tests.factories import applicant, create_call, evaluator_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Qualité de l'air sur les quais")


@pytest.fixture
def user(client):
    user = applicant(email="lea@mistral.test")
    client.force_login(user)
    return user


# --- What is accepted --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("dossier.pdf", PDF_BYTES, "application/pdf"),
        ("Dossier.PDF", PDF_BYTES, "application/pdf"),
        ("schema.png", PNG_BYTES, "image/png"),
        ("photo.jpg", JPEG_BYTES, "image/jpeg"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg"),
        (
            "memoire.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "budget.xlsx",
            xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("memoire.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_accepted_types_are_recognised_from_their_content(name, content, content_type):
    checked = check_upload(upload(name, content))
    assert (checked.content_type, checked.size) == (content_type, len(content))
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", EXE_BYTES, "n'est pas d'un type accepté"),
        ("script.html", b"<html></html>", "n'est pas d'un type accepté"),
        ("sans-extension", PDF_BYTES, "n'est pas d'un type accepté"),
        ("facture.pdf", EXE_BYTES, "n'est pas celui d'un fichier PDF"),
        ("image.png", PDF_BYTES, "n'est pas celui d'un fichier PNG"),
        ("archive.docx", zip_bytes({"a.txt": b"rien"}), "n'est pas celui d'un fichier DOCX"),
        ("tableur.docx", xlsx_bytes(), "n'est pas celui d'un fichier DOCX"),
        ("texte.xlsx", odt_bytes(), "n'est pas celui d'un fichier XLSX"),
        ("faux.odt", zip_bytes({"mimetype": b"application/zip"}), "fichier ODT"),
        ("texte.pdf", b"Bonjour, ceci est du texte.", "n'est pas celui d'un fichier PDF"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_refusals_name_the_file_and_the_reason(name, content, message):
    with pytest.raises(ValidationError) as refused:
        check_upload(upload(name, content))
    text = refused.value.messages[0]
    assert message in text
    assert name in text


def test_the_size_limit_comes_from_the_settings(settings):
    settings.APPLICATION_FILE_MAX_BYTES = 1000
    check_upload(pdf(size=1000))
    with pytest.raises(ValidationError, match="dépasse la taille maximale de 1000"):
        check_upload(pdf(size=1001))


# --- In the form ---------------------------------------------------------------------------


def test_a_bad_file_is_refused_next_to_its_field_and_the_rest_is_kept(client, user, call):
    data = complete_fields(
        solution_name="À garder",
        attachments=[upload("virus.pdf", EXE_BYTES), pdf("plaquette.pdf")],
    )
    response = post_apply(client, call, data, submit=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert "virus.pdf" in content and "vérifiez qu&#x27;il n&#x27;a pas été renommé" in content
    assert 'id="id_attachments_error"' in content
    assert 'value="À garder"' in content
    application = Application.objects.get()
    assert application.status == "draft", "not submitted while a file is refused"
    assert list(application.attachments.values_list("original_name", flat=True)) == [
        "plaquette.pdf"
    ]
    assert "plaquette.pdf" in content, "the stored file is listed"
    assert 'Retirer<span class="visually-hidden"> plaquette.pdf' in content


def test_a_stored_file_is_kept_on_later_saves_and_stored_privately(client, user, call, settings):
    post_apply(client, call, {"attachments": [pdf("plaquette.pdf")]})
    attachment = Attachment.objects.get()
    path = Path(private_storage.path(attachment.file.name))
    assert path.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not path.is_relative_to(settings.MEDIA_ROOT)
    assert path.read_bytes() == PDF_BYTES
    assert "plaquette" not in attachment.file.name, "random name on disk"
    assert attachment.sha256 and attachment.size == len(PDF_BYTES)
    assert attachment.uploaded_by == user

    response = post_apply(client, call, complete_fields(), submit=True)
    assert response.status_code == 302
    assert Attachment.objects.get().pk == attachment.pk


def test_oversize_and_empty_files_are_refused(client, user, call, settings):
    settings.APPLICATION_FILE_MAX_BYTES = 2000
    data = {"attachments": [pdf("gros.pdf", size=2001), upload("vide.pdf", b"")]}
    content = post_apply(client, call, data).content.decode()
    assert "Le fichier « gros.pdf » dépasse la taille maximale" in content
    assert "Le fichier « vide.pdf » est vide." in content
    assert not Attachment.objects.exists()


def test_the_total_per_application_is_capped(client, user, call, settings):
    settings.APPLICATION_FILE_MAX_BYTES = 2000
    settings.APPLICATION_TOTAL_MAX_BYTES = 3000
    post_apply(client, call, {"attachments": [pdf("un.pdf", size=1500)]})
    response = post_apply(
        client, call, {"attachments": [pdf("deux.pdf", size=1000), pdf("trois.pdf", size=1000)]}
    )
    content = response.content.decode()
    assert "Le fichier « trois.pdf » ferait dépasser" in content
    names = set(Attachment.objects.values_list("original_name", flat=True))
    assert names == {"un.pdf", "deux.pdf"}


def test_removing_a_file_keeps_what_was_typed(
    client, user, call, django_capture_on_commit_callbacks
):
    post_apply(client, call, {"attachments": [pdf("plaquette.pdf")]})
    attachment = Attachment.objects.get()
    path = Path(private_storage.path(attachment.file.name))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            apply_url(call),
            {
                "intent": "draft",
                "solution_name": "Tapé avant",
                "remove_attachment": str(attachment.public_id),
            },
        )
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not path.exists()
    assert Application.objects.get().solution_name == "Tapé avant"


def test_a_new_file_replaces_the_answer_to_a_file_question(client, user, call):
    from tests.applications.applying import add_questions

    (kbis,) = add_questions(call, {"label": "Extrait Kbis", "kind": "file"})
    post_apply(client, call, {kbis.field_name: pdf("kbis-2025.pdf")})
    post_apply(client, call, {kbis.field_name: pdf("kbis-2026.pdf")})
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["kbis-2026.pdf"]


# --- Download ----------------------------------------------------------------------------------


def download_url(attachment: Attachment) -> str:
    return reverse(
        "applications:attachment", args=[attachment.application.public_id, attachment.public_id]
    )


@pytest.fixture
def submitted_attachment(client, user, call) -> Attachment:
    post_apply(client, call, complete_fields(attachments=[pdf("plaquette.pdf")]), submit=True)
    client.logout()
    return Attachment.objects.select_related("application").get()


def test_a_colleague_downloads_it_as_an_attachment(client, user, submitted_attachment):
    client.force_login(applicant(user.membership.company, role="member"))
    response = client.get(download_url(submitted_attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="plaquette.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_issuers_evaluator_may_download_it(client, metropole, submitted_attachment):
    client.force_login(evaluator_of(metropole))
    assert client.get(download_url(submitted_attachment)).status_code == 200


def test_nobody_else_learns_that_it_exists(client, cci, submitted_attachment):
    url = download_url(submitted_attachment)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]
    for outsider in (applicant(), evaluator_of(cci)):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(submitted_attachment.application.created_by)
    other_application = reverse(
        "applications:attachment",
        args=["00000000-0000-0000-0000-000000000000", submitted_attachment.public_id],
    )
    assert client.get(other_application).status_code == 404


def test_a_draft_file_is_not_shown_to_evaluators(client, user, call, metropole):
    post_apply(client, call, {"attachments": [pdf("brouillon.pdf")]})
    attachment = Attachment.objects.get()
    client.force_login(evaluator_of(metropole))
    assert client.get(download_url(attachment)).status_code == 404


# --- Clean-up -----------------------------------------------------------------------------------


def test_deleting_the_application_deletes_its_files_after_commit(
    client, user, call, django_capture_on_commit_callbacks
):
    post_apply(client, call, {"attachments": [pdf("un.pdf"), pdf("deux.pdf")]})
    paths = [Path(private_storage.path(a.file.name)) for a in Attachment.objects.all()]
    assert all(path.exists() for path in paths)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Application.objects.all().delete()
    assert all(path.exists() for path in paths), "nothing removed before the commit"
    for callback in callbacks:
        callback()
    assert not any(path.exists() for path in paths)
