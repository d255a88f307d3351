"""Benchmark our embedded PostgreSQL search engine against Wagtail's database backend.

    .venv/bin/python benchmarks/search.py --calls 10000
    .venv/bin/python benchmarks/search.py --calls 100000

The script creates a scratch database (``portal_bench`` by default, dropped at the
end unless ``--keep-db``), migrates it, generates N French calls deterministically and
puts the *same* calls in both engines:

* ours: ``CallDocument``s indexed with ``DatabaseBackend().index()`` in batches
  (``search_searchentry``);
* Wagtail's: real ``CallPage`` rows (bulk-inserted under one ``CallFolderPage`` per
  organisation, with their sectors) indexed the way ``update_index`` does it, with the
  backend's rebuilder and ``index.add_items(CallPage, chunk)``
  (``wagtailsearch_indexentry``).

It then times the same requests on both, interleaved and warm, and prints a table of
p50/p95 with the ratio ours / Wagtail. See ``benchmarks/README.md`` for what each side
does exactly and for the recorded figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.scratch import percentile, recreate_database  # noqa: E402 (needs ROOT)

# --------------------------------------------------------------------------------------
# Vocabulary: what calls of the Aix-Marseille-Provence territory talk about.
# --------------------------------------------------------------------------------------

ORGANISATIONS = [
    # name, slug, kind, what it runs (used in context sentences)
    (
        "Métropole Aix-Marseille-Provence",
        "metropole-aix-marseille-provence",
        "collectivite",
        "les équipements publics des 92 communes de la Métropole",
    ),
    (
        "CCI Aix-Marseille-Provence",
        "cci-aix-marseille-provence",
        "chambre_consulaire",
        "l'accompagnement de plus de 150 000 entreprises du territoire",
    ),
    (
        "Grand Port Maritime de Marseille",
        "grand-port-maritime-de-marseille",
        "etablissement_public",
        "les bassins Est de Marseille et les bassins Ouest de Fos-sur-Mer",
    ),
    (
        "Assistance Publique - Hôpitaux de Marseille",
        "ap-hm",
        "etablissement_public",
        "quatre hôpitaux et plus de 3 400 lits",
    ),
    (
        "Région Sud Provence-Alpes-Côte d'Azur",
        "region-sud",
        "collectivite",
        "les lycées, les transports régionaux et le développement économique",
    ),
    (
        "Aéroport Marseille Provence",
        "aeroport-marseille-provence",
        "grand_compte",
        "un aéroport de dix millions de passagers par an",
    ),
]

SECTOR_CODES = [
    "sante",
    "numerique_creatif",
    "maritime_logistique",
    "energie_environnement",
    "mecanique_aeronautique",
    "tourisme_art_de_vivre",
]
CALL_TYPES = ["appel_a_solutions", "ami", "challenge"]
CALL_TYPE_WEIGHTS = [6, 3, 2]

PLACES = [
    "Marseille (13)",
    "Aix-en-Provence (13)",
    "Aubagne (13)",
    "La Ciotat (13)",
    "Martigues (13)",
    "Fos-sur-Mer (13)",
    "Istres (13)",
    "Vitrolles (13)",
    "Marignane (13)",
    "Salon-de-Provence (13)",
    "Gardanne (13)",
    "Pertuis (84)",
]


@dataclass(frozen=True)
class Topic:
    label: str
    sectors: tuple[str, ...]
    issuers: tuple[int, ...]  # preferred organisations (indexes in ORGANISATIONS)
    subjects: tuple[str, ...]  # "la/le/les ..." noun phrases
    facts: tuple[str, ...]  # context / problem sentences
    needs: tuple[str, ...]  # expected solutions: infinitive phrases
    keywords: tuple[str, ...]


TOPICS = [
    Topic(
        "énergie",
        ("energie_environnement",),
        (0, 4),
        (
            "la rénovation énergétique des bâtiments publics",
            "l'autoconsommation solaire des zones d'activités",
            "le stockage de l'énergie par batteries",
            "la production d'hydrogène vert",
            "le pilotage intelligent de l'éclairage public",
            "la récupération de chaleur fatale industrielle",
            "les ombrières photovoltaïques sur les parkings",
        ),
        (
            "La facture énergétique des bâtiments publics a doublé en trois ans.",
            "Les toitures des entrepôts offrent des milliers de mètres carrés inexploités.",
            "Le réseau électrique local sature aux heures de pointe en été.",
            "Les écoles construites dans les années soixante-dix sont mal isolées.",
            "La chaleur rejetée par les sites industriels de l'étang de Berre est perdue.",
        ),
        (
            "mesurer les consommations d'énergie en temps réel",
            "réduire la consommation électrique sans travaux lourds",
            "produire et stocker une énergie renouvelable sur site",
            "piloter le chauffage et la climatisation à distance",
        ),
        ("énergie", "photovoltaïque", "hydrogène", "sobriété énergétique", "efficacité"),
    ),
    Topic(
        "qualité de l'air",
        ("energie_environnement", "sante"),
        (0, 4),
        (
            "la mesure de la qualité de l'air dans les écoles",
            "la réduction des émissions de particules fines",
            "les capteurs de pollution atmosphérique à bas coût",
            "la surveillance des épisodes de pollution à l'ozone",
        ),
        (
            "Les épisodes de pollution à l'ozone se multiplient chaque été.",
            "Le trafic routier et maritime dégrade la qualité de l'air en centre-ville.",
            "Les parents d'élèves demandent une information fiable sur l'air intérieur.",
        ),
        (
            "cartographier la pollution de l'air à l'échelle de la rue",
            "alerter les habitants lors des pics de pollution",
            "améliorer la ventilation des salles de classe",
        ),
        ("qualité de l'air", "pollution", "capteurs", "particules fines"),
    ),
    Topic(
        "port et logistique",
        ("maritime_logistique", "energie_environnement"),
        (2, 1),
        (
            "l'électrification des quais du port",
            "la décarbonation des escales de navires de croisière",
            "l'optimisation des flux de conteneurs",
            "la logistique urbaine du dernier kilomètre",
            "la traçabilité des marchandises sur le terminal de Fos-sur-Mer",
        ),
        (
            "Les navires à quai font tourner leurs moteurs auxiliaires pendant l'escale.",
            "Le trafic de conteneurs progresse de cinq pour cent par an.",
            "Les livraisons en centre-ville encombrent la voirie aux heures de pointe.",
            "Les camions attendent plusieurs heures à l'entrée du terminal.",
        ),
        (
            "fluidifier le passage des camions au terminal",
            "suivre les conteneurs de bout en bout",
            "alimenter les navires à quai en électricité",
            "mutualiser les livraisons entre commerçants",
        ),
        ("port", "logistique", "conteneurs", "fret", "maritime"),
    ),
    Topic(
        "santé et hôpitaux",
        ("sante",),
        (3, 0),
        (
            "le parcours des patients aux urgences",
            "la télésurveillance des patients atteints de maladies chroniques",
            "la prévention des chutes des personnes âgées",
            "la gestion des lits disponibles à l'hôpital",
            "la stérilisation des dispositifs médicaux",
            "la désinfection des chambres d'hôpital",
        ),
        (
            "Les services d'urgences accueillent plus de 300 patients par jour.",
            "Le temps d'attente des patients dépasse souvent quatre heures.",
            "Les soignants passent un tiers de leur temps à des tâches administratives.",
            "Les chutes sont la première cause d'hospitalisation des plus de 75 ans.",
        ),
        (
            "réduire le temps d'attente aux urgences",
            "suivre les patients à domicile après leur hospitalisation",
            "alléger les tâches administratives des soignants",
            "garantir la traçabilité des dispositifs médicaux",
        ),
        ("santé", "hôpital", "patients", "e-santé", "soins"),
    ),
    Topic(
        "tourisme",
        ("tourisme_art_de_vivre",),
        (0, 1),
        (
            "la régulation de la fréquentation des calanques",
            "l'accueil des croisiéristes en centre-ville",
            "la valorisation du patrimoine provençal",
            "la billetterie des sites culturels",
            "l'expérience des visiteurs dans les musées",
        ),
        (
            "Le Parc national des Calanques reçoit trois millions de visiteurs par an.",
            "Les croisiéristes restent en moyenne quatre heures à terre.",
            "Les sites patrimoniaux de l'arrière-pays restent méconnus des touristes.",
        ),
        (
            "répartir les flux de visiteurs dans le temps et l'espace",
            "proposer des parcours de visite en plusieurs langues",
            "faire découvrir les producteurs et artisans locaux",
        ),
        ("tourisme", "calanques", "patrimoine", "culture", "visiteurs"),
    ),
    Topic(
        "drones",
        ("mecanique_aeronautique", "maritime_logistique"),
        (5, 2),
        (
            "l'inspection des infrastructures par drone",
            "la livraison de colis médicaux par drone",
            "la surveillance des feux de forêt par drone",
            "la maintenance prédictive des aéronefs",
        ),
        (
            "L'inspection des ouvrages d'art mobilise des nacelles et ferme des voies.",
            "Les feux de forêt menacent chaque été les massifs autour de Marseille.",
            "Les pièces d'aéronefs sont remplacées à dates fixes, même en bon état.",
        ),
        (
            "inspecter les ouvrages sans interrompre la circulation",
            "détecter les départs de feux en moins de dix minutes",
            "anticiper les pannes grâce aux données de vol",
        ),
        ("drones", "aéronautique", "inspection", "maintenance"),
    ),
    Topic(
        "cybersécurité",
        ("numerique_creatif",),
        (0, 3, 1),
        (
            "la cybersécurité des collectivités",
            "la détection des intrusions sur les réseaux industriels",
            "la sensibilisation des agents au hameçonnage",
            "la protection des données de santé",
        ),
        (
            "Plusieurs hôpitaux français ont subi des attaques par rançongiciel.",
            "Les systèmes industriels du port n'ont pas été conçus pour être connectés.",
            "Les petites communes n'ont pas d'équipe dédiée à la sécurité informatique.",
        ),
        (
            "détecter les comportements anormaux sur le réseau",
            "former les agents aux bons réflexes de cybersécurité",
            "sauvegarder les données critiques hors ligne",
        ),
        ("cybersécurité", "données", "réseaux", "sécurité informatique"),
    ),
    Topic(
        "mobilité",
        ("energie_environnement", "numerique_creatif"),
        (0, 4),
        (
            "la recharge des véhicules électriques",
            "le covoiturage domicile-travail",
            "les mobilités douces et le vélo",
            "l'information des voyageurs en temps réel",
            "la sécurité des piétons aux carrefours",
        ),
        (
            "La voiture reste utilisée pour huit déplacements domicile-travail sur dix.",
            "Les bornes de recharge sont inégalement réparties sur le territoire.",
            "Les pistes cyclables se développent mais restent discontinues.",
        ),
        (
            "inciter les salariés au covoiturage",
            "informer les voyageurs des perturbations en temps réel",
            "installer des bornes de recharge là où elles manquent",
        ),
        ("mobilité", "transports", "vélo", "covoiturage", "véhicules électriques"),
    ),
    Topic(
        "eau",
        ("energie_environnement",),
        (0, 4),
        (
            "la détection des fuites sur le réseau d'eau potable",
            "la réutilisation des eaux usées traitées",
            "la gestion des eaux pluviales",
            "la préservation de la ressource en eau pendant les sécheresses",
        ),
        (
            "Un litre d'eau potable sur cinq est perdu dans les fuites du réseau.",
            "Les sécheresses successives imposent des restrictions d'usage de l'eau.",
            "Les orages provoquent des inondations rapides dans les quartiers bas.",
        ),
        (
            "localiser les fuites sans ouvrir la chaussée",
            "arroser les espaces verts avec des eaux usées traitées",
            "prévoir les inondations lors des épisodes orageux",
        ),
        ("eau", "sécheresse", "assainissement", "fuites"),
    ),
    Topic(
        "déchets",
        ("energie_environnement",),
        (0,),
        (
            "le tri des biodéchets des restaurants",
            "le recyclage des déchets du bâtiment",
            "la réduction des plastiques à usage unique",
            "le réemploi des équipements électroniques",
        ),
        (
            "Les biodéchets représentent un tiers des ordures ménagères.",
            "Les chantiers du bâtiment produisent des tonnes de gravats chaque jour.",
            "Les plages se couvrent de déchets plastiques après chaque épisode de mistral.",
        ),
        (
            "collecter et valoriser les biodéchets",
            "donner une seconde vie aux matériaux de chantier",
            "remplacer les emballages jetables par des contenants réutilisables",
        ),
        ("déchets", "recyclage", "économie circulaire", "biodéchets"),
    ),
    Topic(
        "numérique",
        ("numerique_creatif",),
        (0, 4, 1),
        (
            "l'intelligence artificielle au service des usagers",
            "la dématérialisation des démarches administratives",
            "le jumeau numérique du territoire",
            "la médiation numérique pour les seniors",
        ),
        (
            "Les usagers attendent des réponses en ligne à toute heure.",
            "Les données des services publics sont dispersées dans des dizaines d'outils.",
            "Un habitant sur cinq ne se sent pas à l'aise avec les démarches en ligne.",
        ),
        (
            "répondre automatiquement aux questions fréquentes des usagers",
            "croiser les données ouvertes pour éclairer les décisions",
            "accompagner les publics éloignés du numérique",
        ),
        ("intelligence artificielle", "numérique", "données ouvertes", "innovation"),
    ),
    Topic(
        "industrie et aéronautique",
        ("mecanique_aeronautique",),
        (5, 1, 4),
        (
            "la fabrication additive de pièces métalliques",
            "le contrôle non destructif des pièces",
            "la réduction du bruit des hélicoptères",
            "la formation des techniciens de maintenance",
        ),
        (
            "La filière aéronautique régionale emploie plus de 40 000 personnes.",
            "Les contrôles qualité des pièces restent en grande partie manuels.",
            "Les riverains de l'aéroport se plaignent du bruit des vols de nuit.",
        ),
        (
            "contrôler automatiquement la qualité des pièces",
            "réduire le bruit et les émissions des aéronefs",
            "former les techniciens en réalité virtuelle",
        ),
        ("industrie", "aéronautique", "fabrication additive", "hélicoptères"),
    ),
    Topic(
        "alimentation",
        ("tourisme_art_de_vivre", "sante"),
        (0, 4),
        (
            "l'approvisionnement local des cantines scolaires",
            "l'agriculture urbaine sur les toits",
            "la lutte contre le gaspillage alimentaire",
        ),
        (
            "Les cantines servent chaque jour plus de 100 000 repas.",
            "Un tiers de la nourriture produite finit à la poubelle.",
            "Les producteurs de Provence peinent à accéder à la restauration collective.",
        ),
        (
            "mettre en relation producteurs locaux et cantines",
            "réduire le gaspillage alimentaire en restauration collective",
            "cultiver des légumes en ville",
        ),
        ("alimentation", "circuits courts", "agriculture urbaine", "cantines"),
    ),
]

TITLE_PATTERNS = {
    "appel_a_solutions": [
        "Améliorer {s}",
        "Optimiser {s}",
        "Des solutions innovantes pour {s}",
        "Accélérer {s}",
        "Repenser {s}",
        "Appel à solutions : {s}",
    ],
    "ami": [
        "Appel à manifestation d'intérêt : {s}",
        "AMI - {S}",
        "Expérimenter {s}",
        "Partenaires recherchés pour {s}",
    ],
    "challenge": [
        "Challenge innovation : {s}",
        "Défi {y} : {s}",
        "Relevez le défi de {s}",
    ],
}
TITLE_SUFFIXES = ["", "", "", " à {p}", " sur le territoire métropolitain", " en {y}"]

SUMMARY_OPENERS = [
    "{o} recherche des solutions innovantes pour {s}.",
    "{o} lance un appel pour {s}.",
    "Vous avez une solution pour {s} ? {o} veut l'expérimenter.",
    "{o} souhaite expérimenter de nouvelles approches pour {s}.",
]
SUMMARY_CLOSERS = [
    "Les lauréats bénéficieront d'une expérimentation rémunérée sur un site pilote.",
    "Les startups, TPE et PME du territoire sont invitées à candidater.",
    "L'objectif est de réduire les coûts d'exploitation et l'empreinte carbone.",
    "Une enveloppe de {b} est prévue pour le ou les lauréats.",
    "Le déploiement pourra être étendu à l'ensemble du territoire en cas de succès.",
]
CONTEXT_SENTENCES = [
    "{o} gère {a}.",
    "Dans le cadre de sa stratégie d'innovation, {o} s'engage dans {s}.",
    "Ce projet s'inscrit dans le plan climat de la Métropole.",
    "Plusieurs expérimentations ont déjà été conduites sans résultat probant.",
    "Les équipes techniques souhaitent s'appuyer sur des solutions éprouvées ailleurs.",
    "Le site pilote est situé à {p}.",
]
EXPECTED_SENTENCES = [
    "La solution devra pouvoir {n}.",
    "Nous attendons une solution capable de {n}.",
    "Les candidats proposeront une démarche pour {n}.",
    "La solution devra s'intégrer aux outils existants et respecter le RGPD.",
    "Une attention particulière sera portée à l'accessibilité et à la sobriété.",
    "La solution devra être opérationnelle en moins de six mois.",
]
ELIGIBILITY_SENTENCES = [
    "L'appel est ouvert aux startups, TPE, PME et ETI, françaises ou européennes.",
    "Les consortiums associant un laboratoire de recherche sont encouragés.",
    "Les candidats doivent disposer d'un prototype ou d'une solution déjà commercialisée.",
    "Une implantation dans la région Sud n'est pas obligatoire mais appréciée.",
    "Les associations et les entreprises de l'économie sociale et solidaire sont éligibles.",
]
REWARD_SENTENCES = [
    "Le lauréat bénéficiera d'une expérimentation rémunérée jusqu'à {b} HT.",
    "Les lauréats seront accompagnés par les équipes métier pendant douze mois.",
    "Un accès privilégié aux sites pilotes et aux données sera accordé.",
    "Une commande publique pourra suivre l'expérimentation en cas de succès.",
    "Les lauréats seront présentés lors du salon de l'innovation de Marseille.",
]
BUDGETS = ["20 000 €", "30 000 €", "40 000 €", "50 000 €", "80 000 €", "100 000 €"]
SECTION_CODES = ["context", "problem", "expected_solutions", "eligibility", "rewards"]


@dataclass
class GeneratedCall:
    index: int
    call_id: str
    slug: str
    title: str
    summary: str
    sections: dict[str, list[str]]  # section code -> paragraphs (plain text)
    keywords: list[str]
    call_type: str
    issuer: int  # index in ORGANISATIONS
    sectors: list[str]
    location: str
    opens_at: datetime
    closes_at: datetime
    closed_early: bool
    published_at: datetime

    @property
    def body_text(self) -> str:
        return " ".join(p for code in SECTION_CODES for p in self.sections[code])

    def body_stream(self) -> str:
        return json.dumps(
            [
                {
                    "type": code,
                    "value": "".join(f"<p>{escape(p)}</p>" for p in self.sections[code]),
                    "id": f"{self.index:08x}-0000-4000-8000-{n:012x}",
                }
                for n, code in enumerate(SECTION_CODES)
            ]
        )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def generate_call(index: int, seed: int, anchor: datetime) -> GeneratedCall:
    """The ``index``-th call: the same for a given seed and anchor, whatever N is."""
    from django.utils.text import slugify

    rng = random.Random(f"{seed}:{index}")
    topic = rng.choice(TOPICS)
    second = rng.choice(TOPICS) if rng.random() < 0.35 else topic
    call_type = rng.choices(CALL_TYPES, weights=CALL_TYPE_WEIGHTS)[0]
    issuer = rng.choice(topic.issuers) if rng.random() < 0.6 else rng.randrange(len(ORGANISATIONS))
    org_name, _, _, org_asset = ORGANISATIONS[issuer]
    sectors = set(rng.sample(topic.sectors, rng.randint(1, len(topic.sectors))))
    if second is not topic and rng.random() < 0.5:
        sectors.add(second.sectors[0])
    if rng.random() < 0.1:
        sectors.add(rng.choice(SECTOR_CODES))
    place = rng.choice(PLACES)
    subject = rng.choice(topic.subjects)
    budget = rng.choice(BUDGETS)
    opens_at = anchor + timedelta(days=rng.randint(-720, 60), hours=rng.choice([0, 7, 8, 10]))
    closes_at = opens_at + timedelta(days=rng.randint(21, 120), hours=rng.choice([10, 15, 22]))
    published_at = opens_at - timedelta(days=rng.randint(0, 14))
    year = str(opens_at.year)
    fill = {
        "s": subject,
        "S": _cap(subject),
        "o": org_name,
        "a": org_asset,
        "p": place.split(" (")[0],
        "y": year,
        "b": budget,
    }

    def pick(sentences, k):
        return [s.format(**fill) for s in rng.sample(sentences, k)]

    def need() -> str:
        return rng.choice(topic.needs if rng.random() < 0.7 else second.needs)

    title = rng.choice(TITLE_PATTERNS[call_type]).format(**fill)
    title += rng.choice(TITLE_SUFFIXES).format(**fill)
    summary = " ".join(
        [rng.choice(SUMMARY_OPENERS).format(**fill), rng.choice(SUMMARY_CLOSERS).format(**fill)]
    )
    facts = list(topic.facts) + (list(second.facts) if second is not topic else [])
    sections = {
        "context": [
            " ".join(pick(CONTEXT_SENTENCES, 3)),
            " ".join(rng.sample(facts, min(2, len(facts)))),
        ],
        "problem": [
            " ".join(rng.sample(facts, min(3, len(facts)))),
            f"Comment {need()} tout en maîtrisant les coûts ?",
        ],
        "expected_solutions": [
            " ".join(s.format(n=need()) for s in rng.sample(EXPECTED_SENTENCES, 3)),
        ],
        "eligibility": [" ".join(pick(ELIGIBILITY_SENTENCES, 2))],
        "rewards": [" ".join(pick(REWARD_SENTENCES, 2))],
    }
    keywords = rng.sample(topic.keywords, rng.randint(2, min(4, len(topic.keywords))))
    return GeneratedCall(
        index=index,
        call_id=f"BENCH-{index:07d}",
        slug=f"{slugify(title)[:80]}-{index}",
        title=title[:255],
        summary=summary[:500],
        sections=sections,
        keywords=keywords,
        call_type=call_type,
        issuer=issuer,
        sectors=sorted(sectors),
        location=place,
        opens_at=opens_at,
        closes_at=closes_at,
        closed_early=opens_at < anchor and rng.random() < 0.02,
        published_at=published_at,
    )


def batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


# --------------------------------------------------------------------------------------
# The requests: a fixed list of what people search on the portal.
# --------------------------------------------------------------------------------------

QUERY_SPECS: list[dict[str, str | list[str]]] = [
    {"q": "énergie solaire"},
    {"q": "qualité de l'air"},
    {"q": "port décarbonation"},
    {"q": "hôpital"},
    {"q": "drone inspection"},
    {"q": "cybersécurité"},
    {"q": "mobilité vélo"},
    {"q": "fuites eau potable"},
    {"q": "recyclage des déchets"},
    {"q": "tourisme calanques"},
    {"q": "intelligence artificielle"},
    {"q": "hydrogène vert"},
    {"q": "recharge véhicules électriques"},
    {"q": "cybersécurtié"},  # a typo: our engine corrects it, Wagtail finds nothing
    {"q": "innovation"},  # in almost every call: the worst case for ranking
    {"q": "cybersécurité", "type": "challenge"},
    {"q": "énergie", "sector": "energie_environnement"},
    {"q": "patients", "status": "open"},
    {"q": "logistique urbaine", "sector": "maritime_logistique", "status": "open"},
    {"q": "port", "issuer": "grand-port-maritime-de-marseille"},
    {"q": "", "status": "open"},  # browsing: filters and facets only
    {"q": "", "type": "ami", "sort": "closing"},
]


def spec_label(spec: dict) -> str:
    parts = [repr(spec.get("q", ""))]
    parts += [f"{k}={v}" for k, v in spec.items() if k != "q"]
    return " ".join(parts)


# --------------------------------------------------------------------------------------
# Measuring.
# --------------------------------------------------------------------------------------


class SqlTimer:
    """``connection.execute_wrapper``: how many statements, and how long in the database."""

    def __init__(self):
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - started, sql))


def machine_info(connection) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
        settings_values = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit"):
            cursor.execute(f"SHOW {name}")
            settings_values[name] = cursor.fetchone()[0]
    import django
    import wagtail

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "postgresql": pg_version.split(" on ")[0],
        "postgresql_settings": settings_values,
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
    }


# --------------------------------------------------------------------------------------
# The benchmark proper (needs Django set up).
# --------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        from django.db import connection
        from django.utils import timezone

        self.args = args
        self.connection = connection
        today = timezone.now().astimezone(UTC)
        # Dates are relative to the day of the run, so that "open" means something.
        self.anchor = today.replace(hour=0, minute=0, second=0, microsecond=0)
        self.report: dict = {
            "calls": args.calls,
            "seed": args.seed,
            "batch": args.batch,
            "wagtail_config": args.wagtail_config,
        }

    def log(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:7.1f}s] {message}", flush=True)

    def call(self, index: int) -> GeneratedCall:
        return generate_call(index, self.args.seed, self.anchor)

    # --- set-up ------------------------------------------------------------------

    def create_organisations_and_tree(self) -> None:
        from wagtail.models import Page

        from calls.models import CallFolderPage, CallIndexPage
        from organisations.models import Organisation

        index_page = CallIndexPage.objects.first()  # created by a data migration
        if index_page is None:
            home = Page.objects.get(depth=2).specific
            index_page = home.add_child(instance=CallIndexPage(title="Appels", slug="appels"))
        self.organisations = []
        self.folders = []
        for name, slug, kind, _ in ORGANISATIONS:
            organisation = Organisation.objects.create(name=name, slug=slug, kind=kind)
            folder = index_page.add_child(
                instance=CallFolderPage(
                    title=name, slug=f"org-{slug}", organisation=organisation, live=False
                )
            )
            self.organisations.append(organisation)
            self.folders.append(folder)

    def create_call_pages(self) -> float:
        """Real ``CallPage`` rows, bulk-inserted (treebeard paths computed here)."""
        from django.contrib.contenttypes.models import ContentType
        from wagtail.models import Page

        from calls.models import CallPage, Sector

        content_type = ContentType.objects.get_for_model(CallPage)
        sector_ids = dict(Sector.objects.values_list("code", "pk"))
        through = CallPage.sectors.through
        local_fields = CallPage._meta.local_concrete_fields
        children = [0] * len(self.folders)
        started = time.perf_counter()
        for chunk in batches(self.args.calls, 2000):
            calls = [self.call(i) for i in chunk]
            pages = []
            for call in calls:
                folder = self.folders[call.issuer]
                children[call.issuer] += 1
                pages.append(
                    Page(
                        title=call.title,
                        draft_title=call.title,
                        slug=call.slug,
                        content_type=content_type,
                        path=Page._get_path(folder.path, folder.depth + 1, children[call.issuer]),
                        depth=folder.depth + 1,
                        numchild=0,
                        url_path=f"{folder.url_path}{call.slug}/",
                        live=True,
                        has_unpublished_changes=False,
                        first_published_at=call.published_at,
                        last_published_at=call.published_at,
                        locale_id=folder.locale_id,
                    )
                )
            pages = Page.objects.bulk_create(pages)
            call_pages = [
                CallPage(
                    page_ptr_id=page.pk,
                    call_type=call.call_type,
                    issuer_id=self.organisations[call.issuer].pk,
                    summary=call.summary,
                    body=call.body_stream(),
                    opens_at=call.opens_at,
                    closes_at=call.closes_at,
                    location=call.location,
                    call_id=call.call_id,
                    version=1,
                    status="",
                    closed_early_at=call.opens_at + timedelta(days=10)
                    if call.closed_early
                    else None,
                )
                for page, call in zip(pages, calls, strict=True)
            ]
            # Django refuses bulk_create() on a multi-table child; this is the insert
            # Model.save() runs for the child table.
            CallPage._base_manager._insert(call_pages, fields=local_fields, using="default")
            through.objects.bulk_create(
                [
                    through(callpage_id=page.pk, sector_id=sector_ids[code])
                    for page, call in zip(pages, calls, strict=True)
                    for code in call.sectors
                ]
            )
        for folder, count in zip(self.folders, children, strict=True):
            Page.objects.filter(pk=folder.pk).update(numchild=count)
        return time.perf_counter() - started

    # --- indexing ------------------------------------------------------------------

    def document(self, call: GeneratedCall):
        from search.backends.base import CallDocument

        name, slug, _, _ = ORGANISATIONS[call.issuer]
        return CallDocument(
            call_id=call.call_id,
            version=1,
            title=call.title,
            summary=call.summary,
            body=call.body_text,
            keywords=call.keywords,
            call_type=call.call_type,
            issuer=name,
            issuer_slug=slug,
            sectors=call.sectors,
            location=call.location,
            url=f"/appels/{call.slug}/",
            opens_at=call.opens_at,
            closes_at=call.closes_at,
            closed_early=call.closed_early,
            published_at=call.published_at,
        )

    def index_ours(self) -> dict:
        from search.backends.database import DatabaseBackend

        phases: dict[str, float] = defaultdict(float)

        class Timed(DatabaseBackend):
            """Same engine; only clocks its two post-upsert steps."""

            def _refresh_vectors(self, call_ids):
                started = time.perf_counter()
                super()._refresh_vectors(call_ids)
                # On PostgreSQL the vectors are built by a trigger inside the upsert, so
                # this is ~0 there; it is SQLite's FTS refresh otherwise.
                phases["tsvector refresh after the upsert"] += time.perf_counter() - started

            def _learn_words(self, documents):
                started = time.perf_counter()
                super()._learn_words(documents)
                phases["vocabulary (SearchWord)"] += time.perf_counter() - started

        backend = Timed()
        indexing = 0.0
        written = 0
        for chunk in batches(self.args.calls, self.args.batch):
            documents = [self.document(self.call(i)) for i in chunk]  # not timed
            started = time.perf_counter()
            written += backend.index(documents)
            indexing += time.perf_counter() - started
        assert written == self.args.calls, written
        phases["upsert (INSERT ... unnest with the vector trigger on PostgreSQL)"] = indexing - sum(
            phases.values()
        )
        return {
            "seconds": indexing,
            "calls_per_s": self.args.calls / indexing,
            "phases": dict(phases),
        }

    def index_wagtail(self) -> dict:
        """What ``update_index`` does for ``CallPage``: rebuilder + add_items in chunks."""
        from wagtail.search.backends import get_search_backend

        from calls.models import CallPage

        backend = get_search_backend()
        index = backend.get_index_for_model(CallPage)
        rebuilder = backend.rebuilder_class(index)
        norms = 0.0
        refresh_title_norms = index._refresh_title_norms

        def timed_norms(*args, **kwargs):
            nonlocal norms
            started = time.perf_counter()
            refresh_title_norms(*args, **kwargs)
            norms += time.perf_counter() - started

        index._refresh_title_norms = timed_norms
        loading = adding = 0.0
        started = time.perf_counter()
        index = rebuilder.start()
        index.add_model(CallPage)
        queryset = CallPage.get_indexed_objects().order_by("pk")
        last = 0
        while True:
            step = time.perf_counter()
            chunk = list(queryset.filter(pk__gt=last)[: self.args.batch])
            loading += time.perf_counter() - step
            if not chunk:
                break
            step = time.perf_counter()
            index.add_items(CallPage, chunk)
            adding += time.perf_counter() - step
            last = chunk[-1].pk
        norms_while_adding = norms
        step = time.perf_counter()
        rebuilder.finish()
        finishing = time.perf_counter() - step
        total = time.perf_counter() - started
        indexing = adding + finishing
        return {
            "seconds": indexing,
            "calls_per_s": self.args.calls / indexing,
            "phases": {
                "INSERT ... ON CONFLICT (vectors built in SQL)": adding - norms_while_adding,
                "title_norm refresh (per chunk + finish)": norms_while_adding + finishing,
            },
            "loading_seconds": loading,
            "with_loading_calls_per_s": self.args.calls / total,
        }

    # --- the two sides of a search ------------------------------------------------

    def requests(self) -> list[tuple[dict, object]]:
        from django.http import QueryDict

        from search.params import parse_search_params

        issuers = {slug for _, slug, _, _ in ORGANISATIONS}
        out = []
        for spec in QUERY_SPECS:
            params = QueryDict(mutable=True)
            for key, value in spec.items():
                params.setlist(key, value if isinstance(value, list) else [value])
            out.append((spec, parse_search_params(params, issuers=issuers)))
        return out

    def wagtail_search(self, request, with_facets: bool = True) -> dict:
        """Our SearchRequest answered with Wagtail's search on CallPage (see README)."""
        from django.db.models import Case, IntegerField, Q, When
        from django.utils import timezone

        from calls.models import CallPage

        now = request.now or timezone.now()
        base = CallPage.objects.live()
        if request.query:
            # Wagtail's own match and ranking (tsquery against wagtailsearch_indexentry,
            # ts_rank with title_norm), ordered by relevance: the queryset its
            # SearchResults slice and facet() use, so that filters and facets can be
            # added on fields it does not index (sectors, issuer, closed_early_at).
            results = base.search(request.query, operator="or")
            compiler = results.query_compiler
            matching = compiler.search(
                compiler.get_config(self.wagtail_backend), None, None, backend=self.wagtail_backend
            )
        else:
            # Wagtail returns nothing for an empty query: browsing is the ORM's job.
            closed = Q(closes_at__lte=now) | Q(closed_early_at__isnull=False)
            matching = base.annotate(
                is_closed=Case(When(closed, then=1), default=0, output_field=IntegerField())
            ).order_by("is_closed", "closes_at", "pk")

        results = matching.filter(self.wagtail_filters(request, now))
        count = results.count()
        start = (request.page - 1) * request.page_size
        page = list(
            results.select_related("issuer").prefetch_related("sectors")[
                start : start + request.page_size
            ]
        )
        hits = [
            {
                "call_id": p.call_id,
                "title": p.title,
                "url": p.url_path,
                "type": p.call_type,
                "issuer": p.issuer.name if p.issuer else "",
                "sectors": [s.code for s in p.sectors.all()],
                "summary": p.summary,
            }
            for p in page
        ]
        out = {"count": count, "hits": hits}
        if with_facets:
            out["facets"] = self.wagtail_facets(matching, request, now)
        return out

    def wagtail_filters(self, request, now, skip: str = ""):
        from django.db.models import Exists, OuterRef, Q

        from calls.models import CallPage

        q = Q()
        if request.call_types and skip != "type":
            q &= Q(call_type__in=request.call_types)
        if request.sectors and skip != "sector":
            q &= Exists(
                CallPage.sectors.through.objects.filter(
                    callpage_id=OuterRef("pk"), sector__code__in=request.sectors
                )
            )
        if request.issuers and skip != "issuer":
            q &= Q(issuer__slug__in=request.issuers)
        if request.statuses and skip != "status":
            any_status = Q()
            for status in request.statuses:
                any_status |= wagtail_status_q(status, now)
            q &= any_status
        if request.deadline and skip != "deadline":
            q &= wagtail_deadline_q(request.deadline, now)
        return q

    def wagtail_facets(self, matching, request, now) -> dict:
        """The same five facets as ours, each with every filter but its own."""
        from django.db.models import Count

        from calls.models import CallPage

        def scoped(skip):
            return matching.filter(self.wagtail_filters(request, now, skip=skip)).order_by()

        def grouped(skip, field):
            rows = scoped(skip).values_list(field).annotate(n=Count("pk"))
            return dict(rows.values_list(field, "n"))

        def counts(skip, buckets):
            totals = scoped(skip).aggregate(
                **{f"c{i}": Count("pk", filter=q) for i, q in enumerate(buckets.values())}
            )
            return {key: totals[f"c{i}"] for i, key in enumerate(buckets) if totals[f"c{i}"]}

        sector_rows = (
            CallPage.sectors.through.objects.filter(callpage_id__in=scoped("sector").values("pk"))
            .values_list("sector__code")
            .annotate(n=Count("callpage_id"))
        )
        return {
            "type": grouped("type", "call_type"),
            "issuer": grouped("issuer", "issuer__slug"),
            "sector": dict(sector_rows.values_list("sector__code", "n")),
            "status": counts(
                "status", {s: wagtail_status_q(s, now) for s in ("open", "upcoming", "closed")}
            ),
            "deadline": counts(
                "deadline", {b: wagtail_deadline_q(b, now) for b in ("week", "month", "later")}
            ),
        }

    # --- running -----------------------------------------------------------------------

    def run(self) -> dict:
        from django.db import connection
        from django.test import Client
        from django.utils import timezone
        from wagtail.search.backends import get_search_backend

        from search.backends import get_backend
        from search.backends.database import DatabaseBackend

        self.started = time.perf_counter()
        self.report["machine"] = machine_info(connection)
        self.log(f"{self.args.calls} calls, seed {self.args.seed}, anchor {self.anchor:%Y-%m-%d}")

        self.create_organisations_and_tree()
        seconds = self.create_call_pages()
        self.report["call_pages_seconds"] = seconds
        self.log(f"CallPage rows bulk-inserted in {seconds:.1f}s (not part of any figure)")

        ours = self.index_ours()
        self.report["index_ours"] = ours
        self.log(f"ours: indexed in {ours['seconds']:.1f}s = {ours['calls_per_s']:.0f} calls/s")
        # What the reconciliation task does within 5 minutes: settle, choose the common
        # words and count them (migration 0011). Not part of the indexing figure.
        started = time.perf_counter()
        DatabaseBackend().maintain()
        maintain = self.report["maintain_ours_seconds"] = time.perf_counter() - started
        self.log(f"ours: maintain() (settle, common words) in {maintain:.1f}s")

        wagtail_index = self.index_wagtail()
        self.report["index_wagtail"] = wagtail_index
        self.log(
            f"wagtail: indexed in {wagtail_index['seconds']:.1f}s = "
            f"{wagtail_index['calls_per_s']:.0f} calls/s "
            f"({wagtail_index['with_loading_calls_per_s']:.0f} calls/s counting the "
            f"{wagtail_index['loading_seconds']:.1f}s spent loading the pages)"
        )

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute(
                "SELECT (SELECT count(*) FROM search_searchentry), "
                "(SELECT count(*) FROM wagtailsearch_indexentry), "
                "pg_size_pretty(pg_total_relation_size('search_searchentry')"
                " + pg_total_relation_size('search_hotentry')"
                " + pg_total_relation_size('search_settledentry')), "
                "pg_size_pretty(pg_total_relation_size('wagtailsearch_indexentry')), "
                "(SELECT count(*) FROM search_searchword)"
            )
            entries, wagtail_entries, size, wagtail_size, words = cursor.fetchone()
        self.report["tables"] = {
            "search_searchentry": {"rows": entries, "size": size},
            "wagtailsearch_indexentry": {"rows": wagtail_entries, "size": wagtail_size},
            "search_searchword": {"rows": words},
        }
        self.log(
            f"VACUUM ANALYZE done; search_searchentry {entries} rows ({size} with the "
            "hot and settled tiers), "
            f"wagtailsearch_indexentry {wagtail_entries} rows ({wagtail_size}), "
            f"{words} known words"
        )

        # Wagtail's query filters on (title || body) @@ tsquery, an expression none of its
        # GIN indexes (title, body, autocomplete separately) covers: stock, every search
        # reads the whole table. The fair "tuned" comparison adds the missing index.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {EXPRESSION_INDEX} ON {EXPRESSION}")
            cursor.execute("ANALYZE wagtailsearch_indexentry")
        self.report["wagtail_expression_index_seconds"] = time.perf_counter() - started
        self.log(
            f"wagtail: GIN index on (title || body) built in "
            f"{self.report['wagtail_expression_index_seconds']:.1f}s"
        )

        self.wagtail_backend = get_search_backend()
        backend = get_backend()
        assert isinstance(backend, DatabaseBackend), backend

        class NoFacets(DatabaseBackend):
            """Only the total and the page (the engine's switch for this variant)."""

            with_facets = False

        no_facets = NoFacets()
        client = Client()
        requests = self.requests()

        def api(spec, request):
            response = client.get("/api/v1/calls/", spec)
            assert response.status_code == 200, response.content[:300]
            return response

        def now(request):
            return replace(request, now=timezone.now())

        variants: dict[str, Callable] = {
            "ours_api": api,
            "ours_backend": lambda spec, request: backend.search(now(request)),
            "ours_no_facets": lambda spec, request: no_facets.search(now(request)),
            "wagtail_full": lambda spec, request: self.wagtail_search(now(request)),
            "wagtail_no_facets": lambda spec, request: self.wagtail_search(
                now(request), with_facets=False
            ),
        }

        # Warm-up, sanity checks and where our time goes, once per request.
        self.check_wagtail_facet()
        per_spec = []
        for spec, request in requests:
            for run in variants.values():
                run(spec, request)  # warm
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                t0 = time.perf_counter()
                ours_result = backend.search(now(request))
                ours_ms = (time.perf_counter() - t0) * 1000
            wagtail_result = self.wagtail_search(now(request))
            per_spec.append(
                {
                    "spec": spec_label(spec),
                    "ours_count": ours_result.count,
                    "wagtail_count": wagtail_result["count"],
                    "ours_statements": [
                        (round(s * 1000, 2), sql[:90]) for s, sql in timer.statements
                    ],
                    "ours_single_ms": ours_ms,
                }
            )
        self.log("warm-up done")

        # Timed runs: the same draws for every variant, interleaved, order shuffled.
        rng = random.Random(self.args.seed)
        draws = [rng.randrange(len(requests)) for _ in range(self.args.queries)]
        timings: dict[str, list[float]] = defaultdict(list)
        by_spec: dict[tuple[str, int], list[float]] = defaultdict(list)

        def timed(name: str, draw: int) -> None:
            spec, request = requests[draw]
            t0 = time.perf_counter()
            runners[name](spec, request)
            elapsed = (time.perf_counter() - t0) * 1000
            timings[name].append(elapsed)
            by_spec[(name, draw)].append(elapsed)

        runners = dict(variants)
        names = list(variants)
        self.log(f"timing {len(draws)} requests x {len(names)} variants")
        for draw in draws:
            rng.shuffle(names)
            for name in names:
                timed(name, draw)

        # Stock Wagtail: drop the index we added. It is slow, so past 20 000 calls
        # it runs each request once instead of the whole draw list.
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {EXPRESSION_INDEX}")
        runners["wagtail_stock_full"] = variants["wagtail_full"]
        runners["wagtail_stock_no_facets"] = variants["wagtail_no_facets"]
        stock_draws = draws
        if self.args.stock_queries:
            stock_draws = draws[: self.args.stock_queries]
        elif self.args.calls > 20_000:
            stock_draws = list(range(len(requests)))
        self.report["stock_draws"] = len(stock_draws)
        self.log(f"timing stock Wagtail on {len(stock_draws)} requests x 2 variants")
        for draw in stock_draws:
            stock_names = ["wagtail_stock_full", "wagtail_stock_no_facets"]
            rng.shuffle(stock_names)
            for name in stock_names:
                timed(name, draw)

        self.report["latency_ms"] = {
            name: {
                "p50": statistics.median(values),
                "p95": percentile(values, 0.95),
                "mean": statistics.fmean(values),
                "max": max(values),
                "n": len(values),
            }
            for name, values in timings.items()
        }
        for index, row in enumerate(per_spec):
            for name in PER_REQUEST_COLUMNS:
                values = by_spec.get((name, index))
                row[f"{name}_p50"] = statistics.median(values) if values else None
        self.report["per_request"] = per_spec
        self.log("done")
        return self.report

    def check_wagtail_facet(self) -> None:
        """Our Wagtail-side type facet is the query Wagtail's own ``.facet()`` runs."""
        from calls.models import CallPage
        from search.backends.base import SearchRequest

        for query in ("énergie", "port"):
            native = dict(CallPage.objects.live().search(query, operator="or").facet("call_type"))
            ours = self.wagtail_search(SearchRequest(query=query))["facets"]["type"]
            assert native == ours, (query, native, ours)


EXPRESSION_INDEX = "bench_wagtailsearch_title_body_gin"
EXPRESSION = "wagtailsearch_indexentry USING gin ((title || body))"
PER_REQUEST_COLUMNS = (
    "ours_api",
    "ours_backend",
    "ours_no_facets",
    "wagtail_full",
    "wagtail_stock_full",
)


def wagtail_status_q(status: str, now: datetime):
    from django.db.models import Q

    if status == "upcoming":
        return Q(opens_at__gt=now, closed_early_at__isnull=True)
    if status == "open":
        return Q(opens_at__lte=now, closes_at__gt=now, closed_early_at__isnull=True)
    return Q(closes_at__lte=now) | Q(closed_early_at__isnull=False)


def wagtail_deadline_q(bucket: str, now: datetime):
    from django.db.models import Q

    not_closed = Q(closes_at__gt=now, closed_early_at__isnull=True)
    week, month = now + timedelta(days=7), now + timedelta(days=31)
    if bucket == "week":
        return not_closed & Q(closes_at__lte=week)
    if bucket == "month":
        return not_closed & Q(closes_at__gt=week, closes_at__lte=month)
    return not_closed & Q(closes_at__gt=month)


# --------------------------------------------------------------------------------------
# Output.
# --------------------------------------------------------------------------------------

VARIANT_LABELS = {
    "ours_api": "ours     GET /api/v1/calls/ (parse, search, 5 facets, JSON)",
    "ours_backend": "ours     DatabaseBackend.search() (match, rank, 5 facets, page)",
    "ours_no_facets": "ours     same, facets switched off",
    "wagtail_stock_full": "wagtail  stock: search() + same filters, 5 facets, page",
    "wagtail_stock_no_facets": "wagtail  stock: same, no facets",
    "wagtail_full": "wagtail+ (title||body) GIN index: search + filters + facets",
    "wagtail_no_facets": "wagtail+ (title||body) GIN index: same, no facets",
}
RATIOS = [
    ("search + facets vs stock Wagtail", "ours_backend", "wagtail_stock_full"),
    ("search + facets vs Wagtail + index", "ours_backend", "wagtail_full"),
    ("no facets vs stock Wagtail", "ours_no_facets", "wagtail_stock_no_facets"),
    ("no facets vs Wagtail + index", "ours_no_facets", "wagtail_no_facets"),
    ("our whole API vs stock Wagtail search + facets", "ours_api", "wagtail_stock_full"),
    ("our whole API vs Wagtail + index search + facets", "ours_api", "wagtail_full"),
]


def print_report(report: dict) -> None:
    machine = report["machine"]
    n = report["calls"]
    print()
    print(f"=== {n} calls — {machine['date']} ===")
    print(
        f"machine: {machine['nproc']} CPU ({machine['cpu']}), {machine['postgresql']}, "
        f"{machine['postgresql_settings']}"
    )
    print(
        f"Python {machine['python']}, Django {machine['django']}, Wagtail {machine['wagtail']}; "
        f"Wagtail SEARCH_CONFIG: {report['wagtail_config']}"
    )
    tables = report["tables"]
    print(
        f"search_searchentry + tiers {tables['search_searchentry']['size']}, "
        f"wagtailsearch_indexentry {tables['wagtailsearch_indexentry']['size']}, "
        f"{tables['search_searchword']['rows']} known words"
    )
    print()
    ours, wagtail = report["index_ours"], report["index_wagtail"]
    print("Bulk indexing                         seconds    calls/s")
    print(
        f"  ours    DatabaseBackend.index()     {ours['seconds']:7.1f}  {ours['calls_per_s']:9.0f}"
    )
    print(
        f"  wagtail add_items() + finish()      {wagtail['seconds']:7.1f}  "
        f"{wagtail['calls_per_s']:9.0f}"
        f"   ({wagtail['with_loading_calls_per_s']:.0f}/s with page loading)"
    )
    for side in (ours, wagtail):
        print("    " + ", ".join(f"{k} {v:.1f}s" for k, v in side["phases"].items()))
    print(
        f"  ratio ours/wagtail throughput: {ours['calls_per_s'] / wagtail['calls_per_s']:.2f}x; "
        f"the extra (title || body) index then takes "
        f"{report['wagtail_expression_index_seconds']:.1f}s to build"
    )
    if "maintain_ours_seconds" in report:
        print(
            f"  ours: maintain() after indexing (settle, choose and count the common words) "
            f"{report['maintain_ours_seconds']:.1f}s, not in the figure above"
        )
    print()
    latency = report["latency_ms"]
    print(f"Latency (ms)  {'':<62} {'n':>4}     p50      p95     mean      max")
    for name, label in VARIANT_LABELS.items():
        row = latency[name]
        print(
            f"  {label:<73} {row['n']:>4} {row['p50']:7.1f}  {row['p95']:7.1f}  "
            f"{row['mean']:7.1f}  {row['max']:7.1f}"
        )
    print()
    print(f"Ratio ours / Wagtail (below 1: ours is faster) {'':<9} p50      p95")
    for label, mine, theirs in RATIOS:
        p50 = latency[mine]["p50"] / latency[theirs]["p50"]
        p95 = latency[mine]["p95"] / latency[theirs]["p95"]
        print(f"  {label:<52} {p50:6.2f}x  {p95:6.2f}x")
    print()
    print("Per request (p50 ms; # = matching calls; w+ = Wagtail with the index)")
    print(
        f"  {'request':<50} {'ours#':>6} {'wag#':>6} {'api':>7} {'ours':>7} "
        f"{'no-fac':>7} {'w+':>7} {'stock':>7}"
    )
    for row in report["per_request"]:

        def fmt(value):
            return f"{value:7.1f}" if value is not None else "      -"

        print(
            f"  {row['spec'][:50]:<50} {row['ours_count']:>6} {row['wagtail_count']:>6} "
            + " ".join(fmt(row[f"{name}_p50"]) for name in PER_REQUEST_COLUMNS)
        )
    slowest = sorted(report["per_request"], key=lambda r: -r["ours_single_ms"])[:2]
    typical = sorted(report["per_request"], key=lambda r: r["ours_single_ms"])
    for row in [*slowest, typical[len(typical) // 2]]:
        print()
        print(f"Our SQL for {row['spec']} ({row['ours_single_ms']:.1f} ms, one run):")
        for ms, sql in row["ours_statements"]:
            print(f"  {ms:8.2f} ms  {sql}")
    print()

    def faster(theirs):
        return (
            latency["ours_backend"]["p50"] < latency[theirs]["p50"]
            and latency["ours_backend"]["p95"] < latency[theirs]["p95"]
        )

    goals = [
        ("p95 of the API <= 50 ms", latency["ours_api"]["p95"] <= 50),
        ("p95 of DatabaseBackend.search() <= 50 ms", latency["ours_backend"]["p95"] <= 50),
        ("indexing >= 1 000 calls/s", ours["calls_per_s"] >= 1000),
        ("faster than stock Wagtail (search + facets, p50 and p95)", faster("wagtail_stock_full")),
        ("faster than Wagtail + index (search + facets, p50 and p95)", faster("wagtail_full")),
        ("indexing faster than Wagtail", ours["calls_per_s"] > wagtail["calls_per_s"]),
    ]
    print(f"Goals (they are set for 100 000 calls; this run has {n}):")
    for label, ok in goals:
        print(f"  [{'met' if ok else 'MISSED'}] {label}")


# --------------------------------------------------------------------------------------
# Scratch database and entry point.
# --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--queries", type=int, default=200, help="timed requests per variant")
    parser.add_argument(
        "--stock-queries",
        type=int,
        default=0,
        help="timed requests for stock Wagtail (default: all draws up to 20 000 calls, "
        "else each distinct request once)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="indexing batch size")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--db", default="portal_bench", help="scratch database (recreated)")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without database name",
    )
    parser.add_argument(
        "--wagtail-config",
        default="french_unaccent",
        help="text search configuration for Wagtail's backend (SEARCH_CONFIG); 'default' "
        "keeps the project's setting, i.e. PostgreSQL's default_text_search_config",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    if not args.db.startswith("portal_bench"):
        parser.error("the scratch database name must start with portal_bench (it is dropped)")
    recreate_database(args.server, args.db)
    os.environ["DATABASE_URL"] = f"{args.server}/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SEARCH_API_LIMIT_PER_MINUTE", "0")  # one client, many requests

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if args.wagtail_config != "default":
        # Same dictionary as ours (created by search's migration), so both engines
        # match the same words; the project itself sets no SEARCH_CONFIG (see README).
        settings.WAGTAILSEARCH_BACKENDS = {
            "default": {
                **settings.WAGTAILSEARCH_BACKENDS["default"],
                "SEARCH_CONFIG": args.wagtail_config,
            }
        }
    from django.db import connections

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"scratch database {args.db} migrated in {time.perf_counter() - started:.0f}s")
        report = Bench(args).run()
        print_report(report)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    finally:
        connections.close_all()
        if not args.keep_db:
            recreate_database(args.server, args.db, drop_only=True)


if __name__ == "__main__":
    main()
