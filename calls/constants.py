"""Vocabularies shared with the partner platforms (ICD §1): codes are the contract."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallType(models.TextChoices):
    APPEL_A_SOLUTIONS = "appel_a_solutions", _("Appel à solutions")
    AMI = "ami", _("Appel à manifestation d'intérêt")
    CHALLENGE = "challenge", _("Challenge d'innovation")


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clôturé")
    WITHDRAWN = "withdrawn", _("Retiré")


# The six filières d'excellence, in the order the Métropole lists them.
SECTORS: list[tuple[str, str]] = [
    ("sante", "Santé"),
    ("numerique_creatif", "Industries numériques et créatives"),
    ("maritime_logistique", "Maritime et logistique"),
    ("energie_environnement", "Énergie et environnement"),
    ("mecanique_aeronautique", "Mécanique et aéronautique"),
    ("tourisme_art_de_vivre", "Tourisme et art de vivre"),
]
