"""Every public form, fuzzed: no 5xx; a refusal re-renders the form, in French, values kept.

Each form's fields are read from its page (``html_forms``), not written here, so the
fuzzer follows the forms as they change (the account forms' field names, say). The
table below only says where the forms are and who may fill them in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from applications.models import Application
from qanda.models import Question
from tests.applications.applying import EXE_BYTES, PDF_BYTES, add_questions, private_media  # noqa: F401
from tests.factories import _la_poste_siret, applicant
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.french import english_defaults_in, is_french
from tests.fuzz.html_forms import Field, Form, parse_page
from tests.fuzz.strategies import CURATED, text_values

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@dataclass(frozen=True)
class PublicForm:
    path: str  # ``{call}``: an open call's slug
    logged_in: bool = False
    keeps_values: bool = True  # the search page trims the query it shows again
    reset: Callable[[object], None] | None = None  # undo a success that hides the form


def _drop_applications(user) -> None:
    """A fuzzed application that got submitted would leave no form to fuzz."""
    Application.objects.filter(company__memberships__user=user).delete()


def _drop_questions(user) -> None:
    """Past ten questions an hour the applicant is refused (429) before the form is read."""
    Question.objects.filter(asked_by=user).delete()


FORMS = {
    "signup": PublicForm("/compte/inscription/"),
    "login": PublicForm("/compte/connexion/"),
    "password_reset": PublicForm("/compte/mot-de-passe/oubli/"),
    "company_profile": PublicForm("/espace/entreprise/", logged_in=True),
    "apply": PublicForm("/appels/{call}/candidater/", logged_in=True, reset=_drop_applications),
    "question": PublicForm("/appels/{call}/questions/", logged_in=True, reset=_drop_questions),
    "search": PublicForm("/recherche/", keeps_values=False),
}
# Plausible values by input type, drawn now and then so that one field's error is
# met with the others valid, and the code past validation runs too.
PLAUSIBLE = {
    "email": "lea.martin@example.test",
    "number": "7",
    "date": "2026-05-01",
    "tel": "04 91 00 00 00",
    "url": "https://example.test/",
    "password": "une phrase de passe solide",
    "textarea": "Une réponse complète, en quelques lignes.",
}
# …and by name, for the few fields whose valid values no input type tells.
PLAUSIBLE_BY_NAME = {"siret": _la_poste_siret(9_999), "departement": "13", "commune": "Marseille"}
SKIPPED_KINDS = {"hidden", "file"}  # by the curated sweep: CSRF, state, and files
MISSING = object()


def files() -> st.SearchStrategy:
    names = st.sampled_from(
        ["plaquette.pdf", "../../etc/passwd.pdf", "a\x00b.pdf", "é" * 300 + ".pdf", ".pdf", ""]
    )
    contents = st.sampled_from([PDF_BYTES, EXE_BYTES, b"", b"%PDF-"])
    return st.builds(lambda n, c: SimpleUploadedFile(n or "x", c), names, contents)


def field_values(field: Field) -> st.SearchStrategy:
    """A field's value: missing, plausible, one of its choices, malformed, or repeated."""
    if field.kind == "file":
        return st.one_of(st.just(MISSING), files())
    odd = text_values()
    if field.options:
        good = st.sampled_from(field.options)
    else:
        plausible = PLAUSIBLE_BY_NAME.get(field.name) or PLAUSIBLE.get(field.kind)
        good = st.just(plausible or field.value or "Mistral")
    return st.one_of(
        st.just(MISSING), good, good, odd, st.lists(st.one_of(good, odd), min_size=2, max_size=3)
    )


def form_of(html: str, path: str) -> Form:
    """The form that posts to this page (GET forms sharing the page's URL are merged)."""
    forms = [f for f in parse_page(html).forms if urlsplit(f.action).path in ("", path)]
    assert forms, f"no form posts to {path}"
    if forms[0].method == "get":
        merged = Form(path, "get", primary=set(forms[0].fields))
        for one in forms:  # the first form's field wins (the query box, not a hidden copy)
            for field_name, field in one.fields.items():
                merged.fields.setdefault(field_name, field)
        return merged
    return max(forms, key=lambda f: len(f.fields))


def normalise(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def assert_refusal_is_sound(response, sent: dict, form: Form, keeps_values: bool) -> None:
    """A refusal (a 4xx, or a page with errors) shows the form again, in French, values kept.

    A 200 without any error is taken for a success page (a confirmation, a saved
    profile): nothing generic tells it from a silent refusal.
    """
    __tracebackhide__ = True
    page = parse_page(response.content.decode())
    if response.status_code < 400 and not (page.errors or page.invalid_fields):
        return
    needed = (form.primary or set(form.fields)) - {"csrfmiddlewaretoken"}
    again = [f for f in page.forms if needed <= set(f.fields)]
    assert again, f"{response.status_code}: the form is not shown again"
    text = " ".join(page.errors)
    for value in sent.values():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str) and one:
                text = text.replace(one, " ")
    assert not english_defaults_in(text), text
    if page.errors:
        assert is_french(text), text
    if not keeps_values:
        return
    shown = again[0].fields
    for name, value in sent.items():
        field = form.fields[name]
        if field.kind in ("text", "email", "textarea", "search", "tel", "url") and isinstance(
            value, str
        ):
            assert normalise(shown[name].value) == normalise(value), f"{name} not kept"


@pytest.fixture
def forms_world(published_calls):
    """An open call with a question of each kind, and an applicant with a company."""
    call = published_calls[0]
    add_questions(
        call,
        {"label": "Nom du projet", "kind": "text"},
        {"label": "Votre approche", "kind": "long_text", "required": False},
        {"label": "Taille de l'équipe", "kind": "number"},
        {"label": "Déjà testé ?", "kind": "yes_no"},
        {"label": "Filière", "kind": "choice", "choices": "Santé\nÉnergie\nNumérique"},
        {"label": "Note technique", "kind": "file", "required": False},
    )
    return call, applicant(email="lea@mistral.test")


def open_form(name: str, forms_world) -> tuple[PublicForm, Client, object, str, Form]:
    """The page of form ``name``, as its visitor sees it, and the form read from it."""
    spec = FORMS[name]
    call, user = forms_world
    client = Client(enforce_csrf_checks=True)
    if spec.logged_in:
        client.force_login(user)
    path = spec.path.format(call=call.slug)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return spec, client, user, path, form_of(page.content.decode(), path)


def submit(spec: PublicForm, client: Client, user, path: str, form: Form, sent: dict) -> None:
    """Send ``sent`` as the form would; no 5xx, and a refusal is sound."""
    __tracebackhide__ = True
    cache.clear()  # the rate limits would answer 429 after a few submissions
    if spec.reset:
        spec.reset(user)
    if form.method == "get":
        response = client.get(path, sent)
    else:
        hidden = {n: f.value for n, f in form.fields.items() if f.kind == "hidden"}
        response = client.post(path, {**hidden, **sent})
    assert response.status_code < 500, sent
    if response.status_code in (200, 400, 403, 422):
        assert_refusal_is_sound(response, sent, form, spec.keeps_values)


@pytest.mark.parametrize("name", FORMS)
def test_every_curated_value_in_every_field(name, forms_world):
    """Each curated bad value once, in every field at once (files apart)."""
    spec, client, user, path, form = open_form(name, forms_world)
    fields = [n for n, f in form.fields.items() if f.kind not in SKIPPED_KINDS]
    for value in CURATED:
        submit(spec, client, user, path, form, dict.fromkeys(fields, value))


@pytest.mark.parametrize("name", FORMS)
def test_malformed_submissions_never_fail_the_server(name, forms_world):
    spec, client, user, path, form = open_form(name, forms_world)
    fuzzed = {n: f for n, f in form.fields.items() if f.kind != "hidden"}

    @fuzz_settings(max_examples=30)
    @given(drawn=st.fixed_dictionaries({n: field_values(f) for n, f in fuzzed.items()}))
    def check(drawn: dict) -> None:
        submit(spec, client, user, path, form, {n: v for n, v in drawn.items() if v is not MISSING})

    check()
