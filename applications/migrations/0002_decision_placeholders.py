"""Decision messages become texts with ``{placeholders}`` instead of Django templates.

Organisations' subjects and bodies used to be Django templates rendered over live
objects, through which their authors could read any company, call or password hash
and call methods (``unpublish``). They are now filled from a fixed set of plain
strings (``applications.placeholders``). This migration converts each saved text:

- the variables these messages used become placeholders: ``{{ company }}`` →
  ``{entreprise}``, ``{{ call.title }}`` → ``{appel}``, ``{{ application.reference }}``
  → ``{reference}``, ``{{ reason }}`` → ``{motif}``, ``{{ url }}`` → ``{lien}``, and
  ``call.issuer.name`` → ``{organisation}``, ``call.call_id`` →
  ``{identifiant_appel}``, ``status_label`` → ``{decision}`` (see ``LEGACY``); spaces
  inside ``{{ }}`` do not matter and filters (``|upper``) are dropped;
- anything else of the template language cannot be mapped to a plain string and is
  removed: other variables (``{{ company.memberships.all.0.user.password }}``), every
  tag (``{% if %}``, ``{% for %}``, ``{% include %}``…; the text between them is
  kept, except inside ``{% comment %}``) and every ``{# comment #}``;
- literal braces of the text are doubled (``{{``, ``}}``), so that they stay literal;
- should a text still be refused by the new validation (only literal text that looks
  like an old variable, such as ``{a.b}`` or ``{company}``, can cause it), its literal
  braces are dropped instead; a subject longer than its 200 characters is cut.

So no saved text fails validation afterwards. Backwards, the texts are left as they
are (the old code would show the placeholders as written).
"""

from django.db import migrations, models
from django.template.base import Lexer, TokenType

from portal.placeholders import Placeholders

SUBJECT_MAX_LENGTH = 200

#: The old variables (before any filter) and the placeholder each one becomes.
LEGACY = {
    "company": "entreprise",
    "company.legal_name": "entreprise",
    "application.company": "entreprise",
    "application.company.legal_name": "entreprise",
    "call": "appel",
    "call.title": "appel",
    "application.call": "appel",
    "application.call.title": "appel",
    "call.call_id": "identifiant_appel",
    "application.call.call_id": "identifiant_appel",
    "reference": "reference",
    "application.reference": "reference",
    "reason": "motif",
    "url": "lien",
    "issuer": "organisation",
    "call.issuer": "organisation",
    "call.issuer.name": "organisation",
    "status_label": "decision",
    "application.get_status_display": "decision",
}

#: The placeholder names as they were when this migration was written.
PLACEHOLDERS = Placeholders(
    meanings=dict.fromkeys(sorted(set(LEGACY.values())), ""),
    legacy_names=frozenset({"application", "call", "company", "reason", "url", "status"}),
)


def convert(source: str, max_length: int | None = None) -> str:
    """``source``, a Django template, as a text with placeholders that passes validation."""
    text = _convert(source, keep_braces=True)
    if PLACEHOLDERS.errors(text):
        text = _convert(source, keep_braces=False)
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
        while PLACEHOLDERS.errors(text):  # a placeholder or a doubled brace cut in two
            text = text[:-1]
    return text


def _convert(source: str, keep_braces: bool) -> str:
    out: list[str] = []
    in_comment = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            tag = (token.contents.split() or [""])[0]
            in_comment = (in_comment or tag == "comment") and tag != "endcomment"
        elif in_comment or token.token_type == TokenType.COMMENT:
            continue
        elif token.token_type == TokenType.VAR:
            name = LEGACY.get(token.contents.split("|")[0].strip())
            if name:
                out.append("{" + name + "}")
        elif keep_braces:
            out.append(token.contents.replace("{", "{{").replace("}", "}}"))
        else:
            out.append(token.contents.replace("{", "").replace("}", ""))
    return "".join(out)


def convert_templates(apps, schema_editor) -> None:
    DecisionTemplate = apps.get_model("applications", "DecisionTemplate")
    for template in DecisionTemplate.objects.all():
        subject = convert(template.subject, SUBJECT_MAX_LENGTH)
        body = convert(template.body)
        if (subject, body) != (template.subject, template.body):
            DecisionTemplate.objects.filter(pk=template.pk).update(subject=subject, body=body)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(convert_templates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='decisiontemplate',
            name='body',
            field=models.TextField(help_text="Textes à insérer : {entreprise} : raison sociale du candidat ; {appel} : titre de l'appel ; {identifiant_appel} : identifiant de l'appel ; {reference} : référence de la candidature ; {decision} : décision (par exemple « Retenue ») ; {motif} : motif indiqué avec la décision ; {lien} : adresse où le candidat retrouve sa candidature ; {organisation} : nom de l'organisation qui publie l'appel. Pour écrire une accolade, doublez-la : {{ ou }}.", verbose_name='message'),
        ),
        migrations.AlterField(
            model_name='decisiontemplate',
            name='subject',
            field=models.CharField(help_text="Textes à insérer : {entreprise} : raison sociale du candidat ; {appel} : titre de l'appel ; {identifiant_appel} : identifiant de l'appel ; {reference} : référence de la candidature ; {decision} : décision (par exemple « Retenue ») ; {motif} : motif indiqué avec la décision ; {lien} : adresse où le candidat retrouve sa candidature ; {organisation} : nom de l'organisation qui publie l'appel. Pour écrire une accolade, doublez-la : {{ ou }}.", max_length=200, verbose_name='objet'),
        ),
    ]
