"""What an organisation's decision message may say: the placeholders and their meanings.

Kept apart from ``decisions.py`` so that the model (validation, help text), the admin
form and the sending code share one list.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.placeholders import Placeholders

DECISION_PLACEHOLDERS = Placeholders(
    meanings={
        "entreprise": _("raison sociale du candidat"),
        "appel": _("titre de l'appel"),
        "identifiant_appel": _("identifiant de l'appel"),
        "reference": _("référence de la candidature"),
        "decision": _("décision (par exemple « Retenue »)"),
        "motif": _("motif indiqué avec la décision"),
        "lien": _("adresse où le candidat retrouve sa candidature"),
        "organisation": _("nom de l'organisation qui publie l'appel"),
    },
    # The variables of the Django templates these messages used to be.
    legacy_names=frozenset({"application", "call", "company", "reason", "url", "status"}),
)
