"""Texts that people write and the platform fills in: ``{name}`` placeholders, nothing more.

Organisations and users write texts the platform later completes (an organisation's
decision e-mail, for one). Django's template language or ``str.format`` over model
objects would let such a text follow relations and call methods — read password
hashes, unpublish pages. Here a text may only name placeholders from a fixed set,
each filled with a plain string: ``{entreprise}`` is replaced by its value, ``{{`` and
``}}`` write a literal brace, and anything else between braces (an unknown name,
``{x.y}``, ``{x[0]}``, ``{x!r}``, ``{x:>5}``) or a lone brace is an error. The
substitution is a regular expression over a ``dict[str, str]``: there is nothing to
reach through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext as _

#: One token: an escaped brace, a ``{…}`` field (valid or not), or a lone brace.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[a-z][a-z0-9_]*")

#: Django's template language, refused when a text is saved: it would be shown as is
#: (``{{ x }}`` are escaped braces here), which is never what its author meant.
_OLD_TAG = re.compile(r"\{[%#]")
_OLD_VARIABLE = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(\|[^{}]*)?")


class PlaceholderError(ValueError):
    """A text that names something outside its placeholders, or has a lone brace."""


@dataclass(frozen=True)
class Placeholders:
    """A fixed set of placeholder names, each with its meaning in French for the authors.

    ``legacy_names`` are variable names of an older syntax (``{{ company }}``): a text
    that still uses them between double braces is refused with a pointer to the
    new names instead of being kept as literal text.
    """

    meanings: Mapping[str, str]
    legacy_names: frozenset[str] = frozenset()

    def fill(self, text: str, values: Mapping[str, str]) -> str:
        """``text`` with each placeholder replaced by its value; ``PlaceholderError`` if
        the text is not valid (only possible for a text saved without validation)."""

        def replace(match: re.Match) -> str:
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            name = match.group(1)
            if name is None or name not in self.meanings:
                raise PlaceholderError(token)
            return str(values.get(name, ""))

        return _TOKEN.sub(replace, text)

    def errors(self, text: str) -> list[str]:
        """The French reasons ``text`` cannot be saved, empty when it can."""
        problems = [
            (
                _("Accolade seule « %(field)s » : doublez-la pour l'écrire telle quelle.")
                if len(token) == 1
                else _("« %(field)s » n'est pas un texte à insérer connu.")
            )
            % {"field": token}
            for token in self._bad_fields(text)
        ]
        if self._has_old_syntax(text):
            problems.append(
                _(
                    "Les balises {%% … %%} et les variables {{ … }} ne sont pas prises en "
                    "charge : écrivez par exemple %(example)s."
                )
                % {"example": "{" + next(iter(self.meanings)) + "}"}
            )
        return problems

    def validate(self, text: str) -> None:
        """Refuse ``text`` with a French message that lists the allowed placeholders."""
        problems = self.errors(text)
        if problems:
            raise ValidationError(" ".join([*problems, str(self.help_text)]), code="placeholders")

    def describe(self) -> str:
        """The allowed placeholders and their meanings, in French."""
        listed = " ; ".join(f"{{{name}}} : {meaning}" for name, meaning in self.meanings.items())
        return _(
            "Textes à insérer : %(list)s. Pour écrire une accolade, doublez-la : {{ ou }}."
        ) % {"list": listed}

    @property
    def help_text(self) -> str:
        """``describe()`` as a lazy string, for a model field's ``help_text``."""
        return _lazy_describe(self)

    def _bad_fields(self, text: str) -> list[str]:
        """Fields that are not allowed names, and lone braces; ``{% … %}`` is reported apart."""
        bad = []
        for match in _TOKEN.finditer(text):
            token, name = match.group(0), match.group(1)
            if token in ("{{", "}}") or _OLD_TAG.match(token):
                continue
            if name is None or not _NAME.fullmatch(name) or name not in self.meanings:
                bad.append(token)
        return list(dict.fromkeys(bad))

    def _has_old_syntax(self, text: str) -> bool:
        """``{% … %}``, ``{# … #}``, or ``{{ x.y }}``, ``{{ x|f }}``, ``{{ company }}``
        (escaped braces around a variable of the old syntax, not literal braces)."""
        tokens = list(_TOKEN.finditer(text))
        for match, following in pairwise([*tokens, None]):
            if _OLD_TAG.match(match.group(0)):
                return True
            if match.group(0) != "{{" or following is None or following.group(0) != "}}":
                continue
            variable = _OLD_VARIABLE.fullmatch(text, match.end(), following.start())
            if variable and self._is_old_variable(variable.group(1), variable.group(2)):
                return True
        return False

    def _is_old_variable(self, path: str, filters: str | None) -> bool:
        root = path.split(".")[0]
        return bool(filters) or "." in path or root in self.legacy_names or root in self.meanings


_lazy_describe = lazy(Placeholders.describe, str)
