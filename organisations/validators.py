"""Validators for French company identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siret


def validate_siret(value: str) -> None:
    """Refuse a SIRET that is not 14 digits with a valid checksum.

    ``stdnum`` knows La Poste's establishments (SIREN 356 000 000), whose numbers
    follow another checksum rule.
    """
    try:
        siret.validate(value)
    except InvalidLength as error:
        raise ValidationError(_("Un SIRET comporte 14 chiffres."), code="siret_length") from error
    except InvalidFormat as error:
        raise ValidationError(
            _("Un SIRET ne contient que des chiffres."), code="siret_format"
        ) from error
    except InvalidChecksum as error:
        raise ValidationError(
            _("Ce SIRET n'est pas valide (somme de contrôle incorrecte)."), code="siret_checksum"
        ) from error


def normalise_siret(value: str) -> str:
    return siret.compact(value or "")
