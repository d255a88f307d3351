"""The companies that answer calls, and the people who act for them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.validators import normalise_siret, validate_siret


class CompanySize(models.TextChoices):
    TPE = "tpe", _("TPE (moins de 10 salariés)")
    PME = "pme", _("PME (10 à 249 salariés)")
    ETI = "eti", _("ETI (250 à 4 999 salariés)")
    GRAND_GROUPE = "grand_groupe", _("Grand groupe")
    ASSOCIATION = "association", _("Association")
    LABORATOIRE = "laboratoire", _("Laboratoire de recherche")


class Company(models.Model):
    """A solution provider. Applications belong to the company, not to one person,

    so that a colleague can take over a draft and everyone in the company sees the
    same dashboard.
    """

    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        unique=True,
        validators=[validate_siret],
        help_text=_("14 chiffres ; les espaces sont acceptés."),
        error_messages={"unique": _("Une entreprise avec ce SIRET est déjà inscrite.")},
    )
    size = models.CharField(_("taille"), max_length=20, choices=CompanySize.choices)
    sectors = models.ManyToManyField(
        "calls.Sector", verbose_name=_("secteurs"), blank=True, related_name="companies"
    )
    commune = models.CharField(_("commune"), max_length=120)
    departement = models.CharField(
        _("département"),
        max_length=3,
        validators=[
            RegexValidator(
                r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$",
                _("Indiquez un numéro de département (13, 2A, 974…)."),
            )
        ],
        help_text=_("Numéro du département : 13, 83, 2A…"),
    )
    website = models.URLField(_("site web"), blank=True)
    pitch = models.TextField(
        _("présentation courte"),
        max_length=600,
        blank=True,
        help_text=_("Votre activité en quelques phrases (600 caractères au plus)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    def clean_fields(self, exclude=None) -> None:
        # "732 829 320 00074" is how people type it: compact before validating.
        self.siret = normalise_siret(self.siret)
        super().clean_fields(exclude)


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Responsable")
    MEMBER = "member", _("Membre")


class Membership(models.Model):
    """A user acts for exactly one company; a company has one or more users."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("rôle"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'une entreprise")
        verbose_name_plural = _("membres d'une entreprise")

    def __str__(self) -> str:
        return f"{self.user} — {self.company}"


def invitation_token() -> str:
    """A random, unguessable link token (the link alone lets nobody in: see invitations)."""
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An owner invites a colleague by e-mail; the colleague joins by clicking "Rejoindre".

    Only pending invitations are kept: an accepted, refused or expired one is deleted,
    so that the invitee's address does not outlive its purpose (GDPR).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse e-mail"))
    token = models.CharField(max_length=64, unique=True, default=invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"), db_index=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["company", "email"], name="one_invitation_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
