"""URL converters, registered once here for every urls module that imports them."""

from django.urls import register_converter

from .digits import ID_DIGITS


class RecordIdConverter:
    """A database id: digits that fit a 64-bit key. Anything longer simply matches no route."""

    regex = f"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(RecordIdConverter, "id")
