"""The OpenAPI 3.1 description of the public search API, served at ``/api/v1/openapi.json``."""

from calls.constants import SECTORS, CallType
from portal.paging import MAX_PAGE

STATUS_VALUES = ["open", "upcoming", "closed"]
# A day (the whole day counts) or an instant; without an offset, Paris time.
DATE_OR_DATE_TIME = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}

#: The answer to a client over its per-minute limit (``search.throttling``).
TOO_MANY_REQUESTS = {
    "description": "Trop de requêtes depuis cette adresse dans la minute.",
    "headers": {
        "Retry-After": {
            "description": "Secondes à attendre avant de réessayer.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TooManyRequests"}}},
}


def _param(name: str, description: str, schema: dict, array: bool = False) -> dict:
    if array:
        schema = {"type": "array", "items": schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"explode": True} if array else {}),
    }


def _error(description: str) -> dict:
    """A refusal: a JSON ``Error`` body whose ``message`` says why in French."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_schema(server: str) -> dict:
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Plateforme territoriale d'innovation — API de recherche",
            "version": "1.0.0",
            "description": "Recherche plein texte et facettes sur les appels publiés.",
        },
        "servers": [{"url": server.rstrip("/")}],
        "paths": {
            "/api/v1/calls/": {
                "get": {
                    "operationId": "searchCalls",
                    "summary": "Rechercher des appels",
                    "parameters": [
                        _param(
                            "q",
                            "Texte recherché (tous les mots ne sont pas exigés).",
                            {"type": "string", "maxLength": 200},
                        ),
                        _param(
                            "type",
                            "Type d'appel.",
                            {"type": "string", "enum": CallType.values},
                            array=True,
                        ),
                        _param(
                            "sector",
                            "Filière.",
                            {"type": "string", "enum": [c for c, _ in SECTORS]},
                            array=True,
                        ),
                        _param(
                            "issuer",
                            "Organisation (identifiant d'URL) ; une organisation inconnue est "
                            "refusée (400).",
                            {"type": "string"},
                            array=True,
                        ),
                        _param(
                            "status",
                            "Statut.",
                            {"type": "string", "enum": STATUS_VALUES},
                            array=True,
                        ),
                        _param(
                            "closes_before",
                            "Date limite avant (AAAA-MM-JJ ou ISO 8601).",
                            DATE_OR_DATE_TIME,
                        ),
                        _param(
                            "closes_after",
                            "Date limite après (AAAA-MM-JJ ou ISO 8601).",
                            DATE_OR_DATE_TIME,
                        ),
                        _param(
                            "sort",
                            "Tri.",
                            {
                                "type": "string",
                                "enum": ["relevance", "closing", "newest"],
                                "default": "relevance",
                            },
                        ),
                        _param(
                            "page",
                            "Page (au-delà de la dernière, une page vide).",
                            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                        ),
                        _param(
                            "page_size",
                            "Résultats par page.",
                            {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "Résultats et facettes.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["count", "page", "results", "facets"],
                                        "properties": {
                                            "count": {"type": "integer"},
                                            "page": {"type": "integer"},
                                            "page_size": {"type": "integer"},
                                            "results": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Call"},
                                            },
                                            "facets": {
                                                "type": "object",
                                                "properties": {
                                                    k: counts
                                                    for k in ("type", "sector", "issuer", "status")
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": _error(
                            "Paramètres invalides, inconnus ou répétés (une seule valeur "
                            "pour q, sort, closes_before, closes_after, page, page_size)."
                        ),
                        "405": _error("Méthode non autorisée (GET seulement)."),
                        "429": TOO_MANY_REQUESTS,
                    },
                }
            },
            "/api/v1/autocomplete/": {"get": _autocomplete_operation()},
        },
        "components": {
            "schemas": {
                "Call": {
                    "type": "object",
                    "required": [
                        "call_id",
                        "title",
                        "url",
                        "type",
                        "issuer",
                        "sectors",
                        "opens_at",
                        "closes_at",
                        "status",
                        "summary",
                        "highlight",
                    ],
                    "properties": {
                        "call_id": {"type": "string", "examples": ["AMP-2026-0042"]},
                        "title": {"type": "string"},
                        "url": {"type": "string", "format": "uri"},
                        "type": {"type": "string", "enum": CallType.values},
                        "issuer": {"type": "string"},
                        "sectors": {"type": "array", "items": {"type": "string"}},
                        "opens_at": {"type": "string", "format": "date-time"},
                        "closes_at": {"type": "string", "format": "date-time"},
                        "status": {"type": "string", "enum": STATUS_VALUES},
                        "summary": {"type": "string"},
                        "highlight": {
                            "type": "string",
                            "description": "Extrait HTML, mots trouvés entre <mark>.",
                        },
                    },
                },
                "TooManyRequests": {
                    "type": "object",
                    "required": ["error", "message", "retry_after"],
                    "properties": {
                        "error": {"type": "string", "const": "too_many_requests"},
                        "message": {"type": "string"},
                        "retry_after": {"type": "integer", "minimum": 1},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message", "fields"],
                    "properties": {
                        "error": {"type": "string", "const": "invalid_parameters"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            }
        },
    }


def _autocomplete_operation() -> dict:
    return {
        "operationId": "autocompleteCalls",
        "summary": "Suggestions de titres d'appels",
        "parameters": [
            _param("q", "Début du texte saisi (100 caractères au plus).", {"type": "string"})
        ],
        "responses": {
            "200": {
                "description": "Titres suggérés.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["suggestions"],
                            "properties": {
                                "suggestions": {"type": "array", "items": {"type": "string"}}
                            },
                        }
                    }
                },
            },
            "405": _error("Méthode non autorisée (GET seulement)."),
            "429": TOO_MANY_REQUESTS,
        },
    }
