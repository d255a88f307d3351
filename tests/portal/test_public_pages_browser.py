"""The public pages in a real browser: content, filters, structured data, accessibility.

The browser talks to pytest-django's live server, which reads committed data: the
tests are transactional, and the ``site_structure`` fixture (through the organisation
fixtures) recreates the home page, ``/appels/`` and the six sectors after each flush.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import axe_violations
from tests.factories import create_call

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PARIS = ZoneInfo("Europe/Paris")
# Written out here rather than taken from Django, so that a wrong locale shows.
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
FRENCH_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
ENGLISH_DATE_WORDS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
SECTOR_LABELS = [
    "Santé",
    "Industries numériques et créatives",
    "Maritime et logistique",
    "Énergie et environnement",
    "Mécanique et aéronautique",
    "Tourisme et art de vivre",
]


def paris_at(days: int, hour: int = 17) -> datetime:
    """A round Paris time ``days`` from now (no seconds, so it can be compared as text)."""
    moment = (timezone.now() + timedelta(days=days)).astimezone(PARIS)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def french_datetime(moment: datetime, weekday: bool = False) -> str:
    local = moment.astimezone(PARIS)
    text = f"{local.day} {FRENCH_MONTHS[local.month - 1]} {local.year} à {local:%H}h{local:%M}"
    return f"{FRENCH_DAYS[local.weekday()]} {text}" if weekday else text


def visit(page, live_server, path: str):
    response = page.goto(live_server.url + path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    return response


def assert_no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)


def card_titles(locator) -> list[str]:
    return [t.strip() for t in locator.locator(".call-card__title").all_inner_texts()]


@pytest.fixture(autouse=True)
def _indexed(inline_event_processing):
    """``/appels/`` reads the search index: keep it in step as calls are created."""


@pytest.fixture
def calls(metropole, cci):
    """Two organisations' calls in every state the public pages show."""
    selection = (timezone.now() + timedelta(days=60)).astimezone(PARIS).date()
    return {
        "open": create_call(
            metropole,
            title="Optimiser la collecte des biodéchets en centre-ville",
            slug="collecte-biodechets",
            summary="La Métropole cherche des solutions pour collecter les biodéchets.",
            call_type="appel_a_solutions",
            opens_at=paris_at(-2, hour=9),
            closes_at=paris_at(30),
            sectors=["energie_environnement"],
            location="Marseille (13)",
            budget="Expérimentation rémunérée jusqu'à 40 000 € HT",
            contact_name="Direction de la propreté",
            contact_email="candidatures.innovation.proprete.urbaine@ampmetropole.example",
            body=[
                {"type": "context", "value": "<p>Près de 300 000 tonnes chaque année.</p>"},
                {"type": "problem", "value": "<p>Les bacs débordent en été.</p>"},
                {
                    "type": "evaluation_criteria",
                    "value": {
                        "intro": "<p>Les candidatures sont notées sur 100.</p>",
                        "criteria": [
                            {
                                "label": "Pertinence de la solution",
                                "weight": 40,
                                "description": "Adéquation au besoin exprimé.",
                            },
                            {"label": "Coût", "weight": 30, "description": ""},
                            {"label": "Maturité", "weight": 30, "description": ""},
                        ],
                    },
                },
                {
                    "type": "timeline",
                    "value": {
                        "intro": "",
                        "milestones": [
                            {"date": selection.isoformat(), "label": "Jury de sélection"}
                        ],
                    },
                },
            ],
        ),
        "closing_soon": create_call(
            metropole,
            title="Challenge santé : téléconsultation en EHPAD",
            slug="teleconsultation-ehpad",
            call_type="challenge",
            opens_at=paris_at(-20, hour=9),
            closes_at=paris_at(3),
            sectors=["sante"],
        ),
        "upcoming": create_call(
            metropole,
            title="AMI logistique urbaine du dernier kilomètre",
            slug="logistique-dernier-kilometre",
            call_type="ami",
            opens_at=paris_at(10, hour=9),
            closes_at=paris_at(40),
            sectors=["maritime_logistique"],
        ),
        "closed": create_call(
            metropole,
            title="Éclairage public intelligent",
            slug="eclairage-public",
            call_type="appel_a_solutions",
            opens_at=paris_at(-60, hour=9),
            closes_at=paris_at(-5),
            sectors=["energie_environnement"],
        ),
        "cci_open": create_call(
            cci,
            title="Numérisation des commerces de proximité",
            slug="numerisation-commerces",
            call_type="ami",
            opens_at=paris_at(-3, hour=9),
            closes_at=paris_at(20),
            sectors=["numerique_creatif", "sante"],
        ),
        "cci_tourism": create_call(
            cci,
            title="Challenge tourisme durable",
            slug="tourisme-durable",
            call_type="challenge",
            opens_at=paris_at(-3, hour=9),
            closes_at=paris_at(50),
            sectors=["tourisme_art_de_vivre"],
        ),
    }


# --- Home page ------------------------------------------------------------------------


def test_home_page_shows_open_calls_closing_soon_and_sectors(page, live_server, calls):
    visit(page, live_server, "/")

    latest = page.locator("section", has=page.get_by_role("heading", name="Derniers appels"))
    assert sorted(card_titles(latest)) == sorted(
        calls[key].title for key in ("open", "closing_soon", "cci_open", "cci_tourism")
    )
    soon = page.locator("section", has=page.get_by_role("heading", name="Clôture dans les 7 jours"))
    assert card_titles(soon) == [calls["closing_soon"].title]
    assert page.get_by_role("link", name="Voir les 4 appels ouverts").is_visible()

    sectors = page.locator("section", has=page.get_by_role("heading", name="Par filière"))
    items = [" ".join(t.split()) for t in sectors.get_by_role("listitem").all_inner_texts()]
    assert items == [
        "Santé 2 appels ouverts",
        "Industries numériques et créatives 1 appel ouvert",
        "Maritime et logistique 0 appel ouvert",
        "Énergie et environnement 1 appel ouvert",
        "Mécanique et aéronautique 0 appel ouvert",
        "Tourisme et art de vivre 1 appel ouvert",
    ]

    sectors.get_by_role("link", name=re.compile("^Santé")).click()
    page.wait_for_url(re.compile(r"/appels/\?sector=sante$"))
    assert sorted(card_titles(page.locator(".results"))) == sorted(
        [calls["closing_soon"].title, calls["cci_open"].title]
    )


def test_home_page_is_accessible(page, live_server, calls):
    visit(page, live_server, "/")
    assert_no_axe_violations(page)


# --- List of calls ------------------------------------------------------------------------


def test_call_list_filters_make_a_shareable_url(page, live_server, calls):
    visit(page, live_server, "/appels/")
    results = page.locator(".results")
    # By default: open and upcoming calls, the closed one left out.
    assert sorted(card_titles(results)) == sorted(
        calls[key].title for key in ("open", "closing_soon", "upcoming", "cci_open", "cci_tourism")
    )
    assert page.get_by_role("heading", name="5 appels").is_visible()

    # Type with the keyboard: focus the select, type the first letter of the option.
    page.get_by_label("Type d'appel").focus()
    page.keyboard.type("C")
    assert page.get_by_label("Type d'appel").input_value() == "challenge"
    # Sector with the mouse, then submit with the keyboard.
    page.get_by_label("Filière", exact=True).select_option(label="Santé")
    page.get_by_role("button", name="Appliquer les filtres").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sector=sante"))

    query = parse_qs(urlsplit(page.url).query)
    assert query["type"] == ["challenge"]
    assert query["sector"] == ["sante"]
    assert card_titles(results) == [calls["closing_soon"].title]
    assert page.get_by_role("heading", name="1 appel", exact=True).is_visible()

    # The same address opened elsewhere gives the same list, with the filters shown.
    shared = page.context.new_page()
    shared.goto(page.url)
    assert card_titles(shared.locator(".results")) == [calls["closing_soon"].title]
    assert shared.get_by_label("Type d'appel").input_value() == "challenge"
    assert shared.get_by_label("Filière", exact=True).input_value() == "sante"
    shared.close()


def test_call_list_filters_by_organisation_and_status(page, live_server, calls, cci):
    visit(page, live_server, "/appels/")
    page.get_by_label("Organisation").select_option(label=cci.name)
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(rf"issuer={cci.slug}"))
    assert sorted(card_titles(page.locator(".results"))) == sorted(
        [calls["cci_open"].title, calls["cci_tourism"].title]
    )

    page.get_by_label("Organisation").select_option(value="")
    page.get_by_label("Statut").select_option(label="Clôturé")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"status=closed"))
    results = page.locator(".results")
    assert card_titles(results) == [calls["closed"].title]
    assert results.locator(".badge").inner_text() == "Clôturé"

    page.get_by_label("Statut").select_option(label="À venir")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"status=upcoming"))
    assert card_titles(results) == [calls["upcoming"].title]
    assert results.locator(".badge").inner_text() == "À venir"


def test_call_list_pagination_keeps_the_filters(page, live_server, calls, cci):
    for n in range(13):
        create_call(
            cci,
            title=f"Appel touristique numéro {n + 1:02d}",
            slug=f"appel-touristique-{n + 1:02d}",
            opens_at=paris_at(-1, hour=9),
            closes_at=paris_at(60 + n),
            sectors=["tourisme_art_de_vivre"],
        )
    create_call(cci, title="Un appel santé de plus", closes_at=paris_at(90), sectors=["sante"])

    visit(page, live_server, "/appels/?sector=tourisme_art_de_vivre")
    results = page.locator(".results")
    assert page.get_by_role("heading", name="14 appels").is_visible()
    first_page = card_titles(results)
    assert len(first_page) == 12
    assert first_page[0] == calls["cci_tourism"].title  # earliest deadline first

    pagination = page.get_by_role("navigation", name="Pagination")
    assert pagination.inner_text().count("Page 1 sur 2") == 1
    pagination.get_by_role("link", name="Page suivante").click()
    page.wait_for_url(re.compile(r"page=2"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["sector"] == ["tourisme_art_de_vivre"]
    assert query["page"] == ["2"]
    second_page = card_titles(results)
    assert second_page == ["Appel touristique numéro 12", "Appel touristique numéro 13"]
    assert not set(first_page) & set(second_page)
    assert page.get_by_label("Filière", exact=True).input_value() == "tourisme_art_de_vivre"
    assert "Un appel santé de plus" not in second_page

    page.get_by_role("navigation", name="Pagination").get_by_role(
        "link", name="Page précédente"
    ).click()
    page.wait_for_url(re.compile(r"page=1"))
    assert card_titles(results) == first_page


def test_call_list_ignores_bad_parameters(page, live_server, calls):
    visit(page, live_server, "/appels/?sector=zzz&page=abc&status=bad&type=%3Cscript%3E")
    assert sorted(card_titles(page.locator(".results"))) == sorted(
        calls[key].title for key in ("open", "closing_soon", "upcoming", "cci_open", "cci_tourism")
    )
    assert page.get_by_label("Filière", exact=True).input_value() == ""
    # A field marked invalid points at a message that exists.
    dangling = page.evaluate(
        """() => Array.from(document.querySelectorAll('[aria-describedby]')).flatMap(
            (el) => el.getAttribute('aria-describedby').split(/\\s+/)
                .filter((id) => !document.getElementById(id)))"""
    )
    assert dangling == []
    assert_no_axe_violations(page)

    visit(page, live_server, "/appels/?page=999")
    assert len(card_titles(page.locator(".results"))) == 5


def test_call_list_is_accessible(page, live_server, calls):
    visit(page, live_server, "/appels/")
    assert_no_axe_violations(page)
    visit(page, live_server, "/appels/?sector=mecanique_aeronautique")
    assert page.get_by_text("Aucun appel ne correspond à ces filtres.").is_visible()
    assert_no_axe_violations(page)


# --- Call page ---------------------------------------------------------------------------


def test_call_page_shows_the_call_and_its_structured_data(page, live_server, calls, metropole):
    call = calls["open"]
    visit(page, live_server, "/appels/collecte-biodechets/")

    assert page.get_by_role("heading", level=1).inner_text() == call.title
    assert page.locator(".call__header .badge").inner_text() == "Ouvert"
    issuer = page.locator(".call__issuer").get_by_role("link", name=metropole.name)
    assert issuer.get_attribute("href") == f"/organisations/{metropole.slug}/"
    facts = page.get_by_role("complementary", name="L'essentiel")
    deadline = facts.locator("dt:has-text('Date limite') + dd")
    assert " ".join(deadline.inner_text().split()) == (
        f"{french_datetime(call.closes_at, weekday=True)} (heure de Paris)"
    )
    assert facts.get_by_text("Expérimentation rémunérée jusqu'à 40 000 € HT").is_visible()

    sections = page.locator(".call__body").get_by_role("heading", level=2).all_inner_texts()
    assert sections == [
        "Contexte",
        "Problématique",
        "Critères d'évaluation",
        "Calendrier",
        "Questions des candidats",  # where applicants ask, while the call is open
    ]
    criteria = page.get_by_role("table", name="Critères d'évaluation et pondération")
    assert criteria.get_by_role("row").count() == 4
    selection = (timezone.now() + timedelta(days=60)).astimezone(PARIS).date()
    milestone = f"{selection.day} {FRENCH_MONTHS[selection.month - 1]} {selection.year}"
    assert page.locator(".timeline").inner_text().startswith(milestone)

    scripts = page.locator('script[type="application/ld+json"]').all_text_contents()
    assert len(scripts) == 1
    graph = json.loads(scripts[0])["@graph"]
    demand = next(node for node in graph if node["@type"] == "Demand")
    organisation = next(node for node in graph if node["@type"] == "Organization")
    assert demand["name"] == call.title
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT17:00:00\+0[12]:00", demand["validThrough"])
    assert datetime.fromisoformat(demand["validThrough"]) == call.closes_at
    assert demand["validThrough"] == call.closes_at.astimezone(PARIS).isoformat()
    assert organisation["name"] == metropole.name
    assert organisation["seeks"]["@id"] == demand["@id"]


@pytest.mark.parametrize(
    ("key", "badge"), [("closed", "Clôturé"), ("upcoming", "À venir"), ("cci_open", "Ouvert")]
)
def test_call_page_status_badge(page, live_server, calls, key, badge):
    visit(page, live_server, f"/appels/{calls[key].slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == calls[key].title
    assert page.locator(".call__header .badge").inner_text() == badge


def test_call_page_is_accessible(page, live_server, calls):
    visit(page, live_server, "/appels/collecte-biodechets/")
    assert_no_axe_violations(page)
    visit(page, live_server, f"/appels/{calls['closed'].slug}/")
    assert_no_axe_violations(page)


# --- Organisation page ----------------------------------------------------------------------


def test_organisation_page_lists_its_calls(page, live_server, calls, metropole):
    visit(page, live_server, f"/organisations/{metropole.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == metropole.name

    def section(title):
        return page.locator("section", has=page.get_by_role("heading", name=title, exact=True))

    assert sorted(card_titles(section("Appels ouverts"))) == sorted(
        [calls["open"].title, calls["closing_soon"].title]
    )
    assert card_titles(section("Appels à venir")) == [calls["upcoming"].title]
    assert card_titles(section("Appels clôturés")) == [calls["closed"].title]
    assert calls["cci_open"].title not in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_organisation_list_links_to_organisations(page, live_server, calls, cci):
    visit(page, live_server, "/organisations/")
    page.get_by_role("link", name=cci.name, exact=True).click()
    page.wait_for_url(re.compile(rf"/organisations/{cci.slug}/$"))
    assert sorted(card_titles(page.locator("main"))) == sorted(
        [calls["cci_open"].title, calls["cci_tourism"].title]
    )
    assert_no_axe_violations(page)


# --- Navigation and errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "link", "current"),
    [
        ("/appels/", "Les appels", "page"),
        ("/appels/collecte-biodechets/", "Les appels", "true"),
        ("/organisations/", "Les organisations", "page"),
    ],
)
def test_main_navigation_marks_the_current_section(page, live_server, calls, path, link, current):
    visit(page, live_server, path)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name=link).get_attribute("aria-current") == current
    others = nav.locator("a[aria-current]")
    assert others.count() == 1


@pytest.mark.parametrize("path", ["/appels/n-existe-pas/", "/organisations/inconnue/"])
def test_unknown_pages_answer_404_in_french(page, live_server, calls, path):
    response = page.goto(live_server.url + path)
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    page.get_by_role("link", name="Voir tous les appels").click()
    page.wait_for_url(re.compile(r"/appels/$"))
    assert len(card_titles(page.locator(".results"))) == 5


def test_not_found_page_is_accessible(page, live_server, calls):
    page.goto(live_server.url + "/appels/n-existe-pas/")
    assert_no_axe_violations(page)


# --- Keyboard, small screens, dates, CSP ----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/appels/", "/appels/collecte-biodechets/"])
def test_first_tab_reaches_the_skip_link_and_enter_moves_to_main(page, live_server, calls, path):
    visit(page, live_server, path)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Aller au contenu", "href": "#contenu"}
    skip = page.get_by_role("link", name="Aller au contenu")
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused skip link must show its focus"

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    # The next Tab goes on from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize(
    "path", ["/", "/appels/", "/appels/collecte-biodechets/", "/organisations/"]
)
def test_no_horizontal_scrolling_on_a_phone(browser, live_server, calls, metropole, path):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    try:
        page = context.new_page()
        visit(page, live_server, path)
        widths = page.evaluate(
            "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
        )
        assert widths["inner"] == 375
        assert widths["scroll"] <= widths["inner"], widths
    finally:
        context.close()


def test_dates_are_written_in_french(page, live_server, calls):
    call = calls["closing_soon"]
    visit(page, live_server, "/appels/")
    card = page.locator(".call-card", has_text=call.title)
    assert card.locator(".call-card__deadline").inner_text().split(":", 1)[1].strip() == (
        french_datetime(call.closes_at)
    )
    visit(page, live_server, f"/appels/{call.slug}/")
    facts = page.get_by_role("complementary", name="L'essentiel").inner_text()
    assert french_datetime(call.opens_at, weekday=True) in facts
    assert french_datetime(call.closes_at, weekday=True) in facts
    for path in ("/", "/appels/", f"/appels/{call.slug}/", "/organisations/"):
        visit(page, live_server, path)
        text = page.locator("body").inner_text()
        assert not ENGLISH_DATE_WORDS.search(text), (path, ENGLISH_DATE_WORDS.search(text))


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.effectiveDirective + ' ' + event.blockedURI);
});
"""


def script_src(policy: str) -> list[str]:
    directives = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives.get("script-src", directives["default-src"])


@pytest.mark.parametrize(
    "path", ["/", "/appels/", "/appels/collecte-biodechets/", "/organisations/"]
)
def test_public_pages_have_a_strict_csp_and_no_inline_script(page, live_server, calls, path):
    page.add_init_script(CSP_RECORDER)
    response = visit(page, live_server, path)
    policy = response.headers["content-security-policy"]
    sources = script_src(policy)
    assert "'self'" in sources
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources

    inline = page.evaluate(
        """() => Array.from(
            document.querySelectorAll('script:not([type="application/ld+json"])')
        ).filter((s) => !s.src && s.textContent.trim()).map((s) => s.outerHTML)"""
    )
    assert inline == []
    # Nothing on the page (inline style, script, image) was refused by the policy.
    assert page.evaluate("() => window.__cspViolations") == []

    # And the browser does enforce it: an inline script added to the page never runs.
    ran = page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.__inlineRan = true';
            document.body.append(script);
            return window.__inlineRan === true;
        }"""
    )
    assert ran is False
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__cspViolations") == ["script-src-elem inline"]
