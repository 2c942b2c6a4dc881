"""URL converters, registered once here for every urls module that imports them."""

from django.urls import register_converter


class RecordIdConverter:
    """A database id: digits that fit a 64-bit key. Anything longer simply matches no route."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(RecordIdConverter, "id")
