"""The placeholder formatter: plain names only, braces doubled to be literal, nothing to reach."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.placeholders import PlaceholderError, Placeholders

TEXTS = Placeholders(
    meanings={"entreprise": "raison sociale", "appel": "titre de l'appel"},
    legacy_names=frozenset({"company", "call"}),
)
VALUES = {"entreprise": "Océan Mobilité", "appel": "Logistique"}


def test_placeholders_are_replaced_and_doubled_braces_are_literal():
    text = "Bonjour {entreprise}, « {appel} » {{HT}} {{{entreprise}}} }}"
    assert (
        TEXTS.fill(text, VALUES) == "Bonjour Océan Mobilité, « Logistique » {HT} {Océan Mobilité} }"
    )
    assert TEXTS.errors(text) == []


def test_a_value_is_never_read_as_a_placeholder():
    assert TEXTS.fill("{entreprise}", {"entreprise": "{appel} {{x}}"}) == "{appel} {{x}}"


@pytest.mark.parametrize(
    "text",
    [
        "{inconnu}",
        "{entreprise.legal_name}",
        "{entreprise[0]}",
        "{entreprise!r}",
        "{entreprise:>40}",
        "{ entreprise }",
        "{}",
        "a { b",
        "a } b",
        "{Entreprise}",
    ],
)
def test_anything_else_between_braces_is_refused(text):
    assert TEXTS.errors(text)
    with pytest.raises(PlaceholderError):
        TEXTS.fill(text, VALUES)
    with pytest.raises(ValidationError) as caught:
        TEXTS.validate(text)
    message = caught.value.messages[0]
    assert (
        "Textes à insérer : {entreprise} : raison sociale ; {appel} : titre de l'appel." in message
    )


def test_the_reasons_are_in_french():
    assert TEXTS.errors("{x.y} et {") == [
        "« {x.y} » n'est pas un texte à insérer connu.",
        "Accolade seule « { » : doublez-la pour l'écrire telle quelle.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "{{ company.memberships.all.0.user.password }}",
        "{% for c in call.sectors.all.0.calls.all %}{{ c.unpublish }}{% endfor %}",
        '{% include "applications/email/decision.txt" %}',
        "{{ company }}",
        "{{entreprise}}",
        "{{ x|upper }}",
        "{# commentaire #}",
    ],
)
def test_the_django_template_language_is_refused_not_kept_as_text(text):
    """Fill would show these as literal braces; an author who wrote them meant otherwise."""
    [*_, reason] = TEXTS.errors(text)
    assert reason == (
        "Les balises {% … %} et les variables {{ … }} ne sont pas prises en charge : "
        "écrivez par exemple {entreprise}."
    )


def test_literal_braces_around_ordinary_words_are_kept():
    assert TEXTS.errors('Prix {{HT}} et {{ TTC }} {{"a": 1}}') == []
    assert TEXTS.fill("{{ TTC }}", VALUES) == "{ TTC }"
