"""Page models of the calls section.

The tree is ``CallIndexPage`` (``/appels/``) → one ``CallFolderPage`` per
organisation → ``CallPage``. The folders exist for Wagtail's permissions and
workflows (an organisation's groups are granted rights on its folder only); the
public URL of a call skips the folder: ``/appels/<slug>/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager, PagePermissionTester
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail.url_routing import RouteResult

from calls.blocks import CALL_BODY_BLOCKS
from calls.constants import CallStatus, CallType
from calls.panels import CallLifecyclePanel
from syndication.panels import SyndicationPanel


class Sector(models.Model):
    """One of the six filières d'excellence (rows created by a data migration)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("filière")
        verbose_name_plural = _("filières")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label


class CallIndexPage(Page):
    """``/appels/``: the public list of calls, with filters; routes ``/appels/<slug>/``."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["calls.CallFolderPage"]
    parent_page_types = ["portal.HomePage"]
    max_count = 1

    page_size = 12

    class Meta:
        verbose_name = _("liste des appels")

    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        if len(path_components) == 1:
            call = CallPage.objects.descendant_of(self).filter(slug=path_components[0]).first()
            if call is not None:
                return call.specific.route(request, [])
        if path_components:
            raise Http404
        return super().route(request, path_components)

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict[str, Any]:
        from calls.forms import CallFilterForm
        from search.backends import get_backend

        context = super().get_context(request, *args, **kwargs)
        form = CallFilterForm(request.GET or None)
        backend = get_backend()
        wanted = _page_number(request.GET.get("page"))
        results = backend.search(form.search_request(wanted, self.page_size))
        paginator = Paginator(range(results.count), self.page_size)
        page = paginator.get_page(wanted)
        if page.number != wanted:  # past the last page: show the last one
            results = backend.search(form.search_request(page.number, self.page_size))
        page.object_list = CallPage.objects.in_search_order([h.call_id for h in results.hits])
        context.update(filter_form=form, calls_page=page, result_count=results.count)
        return context


def _page_number(raw: str | None) -> int:
    """The page asked for, within 1 and ``MAX_PAGE`` (a larger offset overflows the database)."""
    from search.params import MAX_PAGE

    try:
        return min(max(1, int(raw or 1)), MAX_PAGE)
    except ValueError:
        return 1


class CallFolderPermissionTester(PagePermissionTester):
    """An organisation's folder is structure: only administrators may change it.

    Its groups hold their rights *on* the folder so that they can work inside it;
    without this, a reviewer could delete or move the folder and with it the
    organisation's permissions and workflow.
    """

    def _admin_only(self, allowed: bool) -> bool:
        return self.user.is_superuser and allowed

    def can_edit(self) -> bool:
        return self._admin_only(super().can_edit())

    def can_delete(self, ignore_bulk: bool = False) -> bool:
        return self._admin_only(super().can_delete(ignore_bulk))

    def can_unpublish(self) -> bool:
        return self._admin_only(super().can_unpublish())

    def can_move(self) -> bool:
        return self._admin_only(super().can_move())

    def can_copy(self) -> bool:
        return self._admin_only(super().can_copy())

    def can_lock(self) -> bool:
        return self._admin_only(super().can_lock())


class CallFolderPage(Page):
    """An organisation's calls; not public, it only carries permissions and workflow."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="call_folder",
    )

    content_panels = [*Page.content_panels, FieldPanel("organisation")]
    parent_page_types = ["calls.CallIndexPage"]
    subpage_types = ["calls.CallPage"]

    class Meta:
        verbose_name = _("dossier d'organisation")
        verbose_name_plural = _("dossiers d'organisation")

    def permissions_for_user(self, user) -> CallFolderPermissionTester:
        return CallFolderPermissionTester(user, self)

    def serve(self, request: HttpRequest, *args, **kwargs):
        return redirect(self.organisation.get_absolute_url())


class CallPageQuerySet(PageQuerySet):
    """Status filters computed from dates, so a list is right to the second."""

    def open(self, now: datetime | None = None) -> CallPageQuerySet:
        now = now or timezone.now()
        return self.filter(
            opens_at__lte=now,
            closes_at__gt=now,
            closed_early_at__isnull=True,
            withdrawn_at__isnull=True,
        )

    def upcoming(self, now: datetime | None = None) -> CallPageQuerySet:
        now = now or timezone.now()
        return self.filter(
            opens_at__gt=now, withdrawn_at__isnull=True, closed_early_at__isnull=True
        )

    def closed(self, now: datetime | None = None) -> CallPageQuerySet:
        now = now or timezone.now()
        return self.filter(
            Q(closes_at__lte=now) | Q(closed_early_at__isnull=False),
            withdrawn_at__isnull=True,
        )

    def withdrawn(self) -> CallPageQuerySet:
        return self.filter(withdrawn_at__isnull=False)

    def with_status(self, status: str, now: datetime | None = None) -> CallPageQuerySet:
        if status == CallStatus.WITHDRAWN:
            return self.withdrawn()
        return getattr(self, status)(now)

    def in_search_order(self, call_ids: list[str]) -> list[CallPage]:
        """The live calls of a page of search hits, in the engine's order."""
        calls = {c.call_id: c for c in self.live().public_listing().filter(call_id__in=call_ids)}
        return [calls[call_id] for call_id in call_ids if call_id in calls]

    def public_listing(self) -> CallPageQuerySet:
        """What a visitor browses: not withdrawn, with what a card needs in one query."""
        return (
            self.filter(withdrawn_at__isnull=True)
            .select_related("issuer")
            .prefetch_related("sectors")
            .order_by("closes_at")
        )


CallPageManager = PageManager.from_queryset(CallPageQuerySet)


class CallPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "calls.CallPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class CallPageForm(WagtailAdminPageForm):
    """The issuer of a call is the organisation whose folder holds it, never a choice."""

    def clean(self):
        cleaned = super().clean()
        parent = getattr(self, "parent_page", None)
        if parent is not None and isinstance(parent.specific, CallFolderPage):
            self.instance.issuer = parent.specific.organisation
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error(
                "closes_at", _("La date limite doit être postérieure à la date d'ouverture.")
            )
        return cleaned


# Lifecycle fields written by ``calls.lifecycle``, never by a revision: a draft
# saved before the call was numbered must not wipe its number when published.
LIFECYCLE_FIELDS = (
    "call_id",
    "version",
    "status",
    "closed_early_at",
    "closure_reason",
    "withdrawn_at",
    "withdrawal_reason",
)


class CallPage(Page):
    """A call for solutions, an AMI or a challenge."""

    call_type = models.CharField(
        _("type d'appel"),
        max_length=32,
        choices=CallType.choices,
        default=CallType.APPEL_A_SOLUTIONS,
    )
    issuer = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation émettrice"),
        on_delete=models.PROTECT,
        related_name="calls",
        null=True,
        blank=True,
        help_text=_("Déduite du dossier de l'organisation qui publie l'appel."),
    )
    co_issuer = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("co-émetteur"),
        on_delete=models.SET_NULL,
        related_name="co_issued_calls",
        null=True,
        blank=True,
        help_text=_("Facultatif : une organisation partenaire qui porte l'appel avec vous."),
    )
    summary = models.TextField(
        _("résumé"),
        max_length=500,
        help_text=_(
            "Texte simple de 500 caractères au plus, repris dans les listes et "
            "par les plateformes partenaires."
        ),
    )
    body = StreamField(
        CALL_BODY_BLOCKS,
        verbose_name=_("contenu"),
        blank=True,
        help_text=_(
            "Les sections de l'appel : contexte, problématique, solutions attendues, "
            "éligibilité, critères, ce que gagnent les lauréats, calendrier."
        ),
    )
    opens_at = models.DateTimeField(
        _("ouverture des candidatures"),
        help_text=_("Date et heure de Paris à partir desquelles on peut candidater."),
    )
    closes_at = models.DateTimeField(
        _("date limite de candidature"),
        db_index=True,
        help_text=_("Date et heure de Paris ; les candidatures ferment à cet instant."),
    )
    selection_date = models.DateField(
        _("date de sélection / jury"),
        null=True,
        blank=True,
        help_text=_("Facultatif : date prévue du jury ou de l'annonce des lauréats."),
    )
    sectors = ParentalManyToManyField(
        "calls.Sector",
        verbose_name=_("filières"),
        blank=True,
        related_name="calls",
        help_text=_("Les filières d'excellence concernées."),
    )
    keywords = ClusterTaggableManager(
        verbose_name=_("mots-clés"),
        through=CallPageTag,
        blank=True,
        help_text=_("Quelques mots-clés, séparés par des virgules."),
    )
    location = models.CharField(
        _("lieu"),
        max_length=200,
        blank=True,
        help_text=_("Où se déroulera l'expérimentation, par exemple « Marseille (13) »."),
    )
    budget = models.CharField(
        _("budget ou dotation"),
        max_length=255,
        blank=True,
        help_text=_("Par exemple « Expérimentation rémunérée jusqu'à 40 000 € HT »."),
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(
        _("e-mail de contact"),
        blank=True,
        help_text=_("Adresse à laquelle les candidats peuvent poser leurs questions."),
    )
    syndication_opt_outs = ParentalManyToManyField(
        "syndication.Partner",
        verbose_name=_("ne pas relayer vers"),
        blank=True,
        related_name="opted_out_calls",
        help_text=_(
            "Par défaut, l'appel est relayé vers toutes les plateformes partenaires ; "
            "cochez celles qui ne doivent pas le publier (il y sera retiré s'il y est déjà)."
        ),
    )
    source_url = models.URLField(
        _("adresse d'origine"),
        max_length=500,
        blank=True,
        db_index=True,
        help_text=_("Adresse de l'appel sur le site d'origine, pour les appels importés."),
    )

    # Lifecycle (see LIFECYCLE_FIELDS): set by calls.lifecycle, not editable in forms.
    call_id = models.CharField(
        _("identifiant"), max_length=32, unique=True, null=True, blank=True, editable=False
    )
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    status = models.CharField(
        _("statut relayé"),
        max_length=16,
        choices=CallStatus.choices,
        blank=True,
        editable=False,
    )
    closed_early_at = models.DateTimeField(_("clôturé le"), null=True, blank=True, editable=False)
    closure_reason = models.TextField(_("motif de clôture"), blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(_("motif de retrait"), blank=True, editable=False)

    objects = CallPageManager()
    base_form_class = CallPageForm

    content_panels = [
        CallLifecyclePanel(),
        SyndicationPanel(),
        *Page.content_panels,
        FieldPanel("call_type"),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("documents", label=_("Documents"), heading=_("Documents de l'appel")),
        InlinePanel("questions", label=_("Question"), heading=_("Questions / réponses")),
    ]
    schedule_panels = [
        MultiFieldPanel(
            [
                HelpPanel(
                    _(
                        "Heures de Paris (Europe/Paris). L'appel s'ouvre et se ferme "
                        "automatiquement à ces dates."
                    )
                ),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldPanel("selection_date"),
            ],
            heading=_("Calendrier"),
        ),
    ]
    details_panels = [
        FieldPanel("co_issuer"),
        FieldPanel("sectors", widget=forms.CheckboxSelectMultiple),
        FieldPanel("keywords"),
        FieldPanel("location"),
        FieldPanel("budget"),
        FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_email")]),
        FieldPanel("source_url"),
        FieldPanel("syndication_opt_outs", widget=forms.CheckboxSelectMultiple),
    ]
    application_panels = [
        HelpPanel(
            _(
                "Chaque candidature comporte les rubriques standard (solution, description, "
                "maturité, références, équipe, expérimentation proposée, budget). Ajoutez "
                "ici les questions propres à cet appel et la grille d'évaluation."
            )
        ),
        InlinePanel("form_questions", label=_("Question"), heading=_("Questions du formulaire")),
        InlinePanel("evaluation_criteria", label=_("Critère"), heading=_("Grille d'évaluation")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Contenu")),
            ObjectList(schedule_panels, heading=_("Dates")),
            ObjectList(details_panels, heading=_("Détails")),
            ObjectList(application_panels, heading=_("Candidatures")),
            ObjectList(Page.promote_panels, heading=_("Référencement")),
            ObjectList(Page.settings_panels, heading=_("Publication")),
        ]
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("call_type"),
        index.FilterField("closes_at"),
        index.FilterField("opens_at"),
    ]

    parent_page_types = ["calls.CallFolderPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")

    # --- properties -------------------------------------------------------------

    @property
    def current_status(self) -> str:
        from calls.lifecycle import compute_status

        return compute_status(self)

    @property
    def is_open(self) -> bool:
        return self.current_status == CallStatus.OPEN

    @property
    def status_label(self) -> str:
        return CallStatus(self.current_status).label

    @cached_property
    def sector_list(self) -> list[Sector]:
        return list(self.sectors.all())

    # --- methods -------------------------------------------------------------------

    def clean(self) -> None:
        super().clean()
        if self.slug and CallPage.objects.filter(slug=self.slug).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"slug": _("Un autre appel utilise déjà cette adresse ; choisissez-en une autre.")}
            )

    def save(self, *args, **kwargs):
        """Never write lifecycle fields from a page object: they may be stale.

        A revision or an in-memory page can predate the call's numbering; only
        ``calls.lifecycle`` writes these fields, through queryset updates.
        """
        if self.pk and kwargs.get("update_fields") is None:
            current = CallPage.objects.filter(pk=self.pk).values(*LIFECYCLE_FIELDS).first()
            if current:
                for name, value in current.items():
                    setattr(self, name, value)
        return super().save(*args, **kwargs)

    def with_content_json(self, content: dict[str, Any]) -> CallPage:
        obj = super().with_content_json(content)
        for name in LIFECYCLE_FIELDS:
            setattr(obj, name, getattr(self, name))
        return obj

    def get_url_parts(self, request: HttpRequest | None = None):
        """``/appels/<slug>/``: the folder level is left out of public URLs."""
        index_page = _call_index_for(request)
        if index_page is None:
            return super().get_url_parts(request)
        parts = index_page.get_url_parts(request)
        if parts is None:
            return None
        site_id, root_url, index_path = parts
        return site_id, root_url, f"{index_path}{self.slug}/"

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict[str, Any]:
        from calls.structured_data import call_json_ld

        context = super().get_context(request, *args, **kwargs)
        context["json_ld"] = call_json_ld(self, request)
        return context


def _call_index_for(request: HttpRequest | None) -> CallIndexPage | None:
    """The (single) call index, looked up once per request."""
    cached = getattr(request, "_call_index_page", None) if request is not None else None
    if cached is not None:
        return cached
    index_page = CallIndexPage.objects.first()
    if request is not None:
        request._call_index_page = index_page
    return index_page


class CallDocument(Orderable):
    """A document attached to a call (rules, specifications, annexes)."""

    page = ParentalKey(CallPage, related_name="documents", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(
        _("intitulé"),
        max_length=200,
        blank=True,
        help_text=_("Laisser vide pour reprendre le titre du document."),
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    @property
    def display_title(self) -> str:
        return self.title or self.document.title


class CallQuestion(Orderable):
    """A published question and its answer, shown on the call page."""

    page = ParentalKey(CallPage, related_name="questions", on_delete=models.CASCADE)
    question = models.TextField(_("question"))
    answer = models.TextField(_("réponse"))

    panels = [FieldPanel("question"), FieldPanel("answer")]
