"""The organisations that publish calls, and the groups that let their people work."""

from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index

from organisations.validators import normalise_siret, validate_siret


class OrganisationKind(models.TextChoices):
    COLLECTIVITE = "collectivite", _("Collectivité")
    CHAMBRE_CONSULAIRE = "chambre_consulaire", _("Chambre consulaire")
    GRAND_COMPTE = "grand_compte", _("Grand compte")
    ETABLISSEMENT_PUBLIC = "etablissement_public", _("Établissement public")
    ASSOCIATION = "association", _("Association")


class Organisation(index.Indexed, models.Model):
    """A buyer that publishes calls on the platform (Métropole, CCI, a port, a hospital…).

    Each organisation owns a folder of calls in the page tree, a collection of
    documents and three groups (editors, reviewers, evaluators); ``organisations.provisioning``
    creates them, so that Wagtail's own permission checks keep organisations apart.
    """

    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(
        _("identifiant d'URL"),
        max_length=100,
        unique=True,
        blank=True,
        help_text=_(
            "Utilisé dans l'adresse de la page de l'organisation. Laisser vide pour le "
            "déduire du nom."
        ),
    )
    kind = models.CharField(
        _("type d'organisation"), max_length=32, choices=OrganisationKind.choices, blank=True
    )
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_("14 chiffres, sans espace. Facultatif."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(_("site web"), blank=True)
    description = models.TextField(
        _("présentation"), blank=True, help_text=_("Quelques phrases sur l'organisation.")
    )
    editors_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="edited_organisation",
    )
    reviewers_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="reviewed_organisation",
    )
    evaluators_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="evaluated_organisation",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("slug"), FieldPanel("kind"), FieldPanel("siret")],
            heading=_("Identité"),
        ),
        FieldPanel("logo"),
        FieldPanel("website"),
        FieldPanel("description"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("organisation_detail", kwargs={"slug": self.slug})

    def clean_fields(self, exclude=None) -> None:
        # "732 829 320 00074" is how people type it: compact before validating.
        self.siret = normalise_siret(self.siret)
        super().clean_fields(exclude)

    def clean(self) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:100]
