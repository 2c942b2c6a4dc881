"""The words of the rules that more than one layer states (the services, the forms, the API),
written once, so a rule reads the same wherever it is broken and in each language.

Each is a lazy translation with named parameters, ``%(field)s`` being the field as the user sees
it; ``filled`` fills them in when the message is read, in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

ONE_OF = _("%(field)s must be one of %(codes)s")
BETWEEN = _("%(field)s must be between %(low)s and %(high)s")
NUMBER = _("%(field)s must be a number")


def _filled(message: Any, params: dict) -> str:
    return str(message) % params


# A message with its parameters filled in when it is read, in the reader's language.
filled = lazy(_filled, str)


def one_of(field: str, codes: Iterable[object]) -> str:
    """``ONE_OF`` for ``field``, the codes listed in the order given ("rater must be one of
    patient, clinician, proxy")."""
    return filled(ONE_OF, {"field": field, "codes": ", ".join(str(code) for code in codes)})
