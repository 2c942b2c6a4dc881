"""Reads of validated instruments: each instrument as a page shows it (with a site's installed
wording where the licence keeps it out of the repository), which are due for a patient, their
latest responses, and the screens that call for a fuller assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from django.db.models import QuerySet
from django.utils import timezone, translation

from patients.models import Patient
from patients.selectors import next_appointment
from ssm_outcomes.content_language import InLanguage, text_language

from .instruments import INSTRUMENTS, Instrument, with_wording
from .models import InstrumentResponse, InstrumentWording, Schedule, TeamInstrument

DEFAULT_LANGUAGE = "en-gb"
BEFORE_APPOINTMENT_DAYS = 14  # a questionnaire falls due this long before an appointment
SCREEN_FLAG_DAYS = 90  # a positive screen flags the record for this long
SCREENS = ("PHQ2", "GAD2")
DEFAULT_HELP_NOW = (
    "If you feel you might harm yourself, or you cannot keep yourself safe, call 999 now. "
    "If you need help soon but it is not an emergency, call NHS 111 or your GP surgery today. "
    "You can also call Samaritans free, any time, on 116 123."
)
# The product's own words in each language it speaks, with the numbers of that language's country
# (a service sets its own, per language, as its team's help-now text). Not gettext: each names
# other services and numbers, so each is written for its country, not translated.
DEFAULT_HELP_NOW_BY_LANGUAGE = {
    "en-gb": DEFAULT_HELP_NOW,
    "nl": (
        "Denk je eraan jezelf iets aan te doen, of voel je je niet veilig? Bel dan nu 112. "
        "Heb je snel hulp nodig, maar is het geen noodgeval? Bel dan vandaag je huisarts, of "
        "'s avonds en in het weekend de huisartsenpost. Je kunt ook altijd gratis bellen met "
        "113 Zelfmoordpreventie: 0800-0113."
    ),
    "nl-be": (
        "Denk je eraan jezelf iets aan te doen, of voel je je niet veilig? Bel dan nu 112. "
        "Heb je snel hulp nodig, maar is het geen noodgeval? Bel dan vandaag je huisdokter, of "
        "'s avonds en in het weekend de wachtpost op 1733. Je kunt ook altijd gratis bellen met "
        "de Zelfmoordlijn: 1813."
    ),
}


@dataclass(frozen=True)
class WordedInstrument(Instrument):
    """An instrument as a page shows it, with the language its wording is in (``language``):
    the page's, or British English where the site has no pack in the page's language (a page
    marks that, ssm_outcomes.content_language)."""

    language: str = DEFAULT_LANGUAGE


def wording_languages(language: str | Sequence[str] | None = None) -> list[str]:
    """The languages to look for a pack in, in order: ``language`` (else the active one; or
    several, in the reader's order of preference), each followed by its base language (nl-be:
    nl), then British English."""
    wanted = [language] if isinstance(language, str) else list(language or [])
    wanted = [w for w in wanted if w] or [translation.get_language() or DEFAULT_LANGUAGE]
    english = DEFAULT_LANGUAGE.split("-")[0]
    order: list[str] = []
    for code in (c for w in wanted for c in (w.lower(), w.lower().split("-")[0])):
        order.append(code)
        if code == english:  # English preferred here: the shipped wording, before any pack
            break
    return list(dict.fromkeys([*order, DEFAULT_LANGUAGE]))


def _in_language(form: Instrument, packs: dict[str, dict], languages: list[str]) -> Instrument:
    """``form`` with the first pack of ``languages`` installed, and the language it is in."""
    language = next((lang for lang in languages if lang in packs), None)
    shown = with_wording(form, packs[language]) if language else form
    values = {f.name: getattr(shown, f.name) for f in fields(Instrument)}
    return WordedInstrument(**values, language=language or DEFAULT_LANGUAGE)


def instrument_worded(code: str, language: str | Sequence[str] | None = None) -> Instrument:
    """The instrument with the wording a page may show: shipped wording, or a site's installed
    pack for the language (by default the active one; falling back to British English); text
    None where none exists."""
    languages = wording_languages(language)
    packs = {
        w.language: w.pack
        for w in InstrumentWording.objects.filter(instrument=code, language__in=languages)
    }
    return _in_language(INSTRUMENTS[code], packs, languages)


def instruments_worded(language: str | Sequence[str] | None = None) -> list[Instrument]:
    """Every instrument of the library, in published order, as pages show it."""
    languages = wording_languages(language)
    packs: dict[str, dict[str, dict]] = {}
    for w in InstrumentWording.objects.filter(language__in=languages):
        packs.setdefault(w.instrument, {})[w.language] = w.pack
    return [
        _in_language(form, packs.get(code, {}), languages) for code, form in INSTRUMENTS.items()
    ]


def is_worded(form: Instrument) -> bool:
    """Whether every item has its text (shipped or installed)."""
    return all(item.text for item in form.items)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def instruments_offered(*, patient: Patient) -> QuerySet[TeamInstrument]:
    return TeamInstrument.objects.filter(team__in=patient.teams.all()).order_by("instrument")


@dataclass(frozen=True)
class Due:
    """An instrument due for a patient, and why."""

    instrument: Instrument
    reason: str


def instruments_due(*, patient: Patient, today: dt.date | None = None) -> list[Due]:
    """The instruments the patient's teams offer that they have not answered yet this time:
    each quarter, or in the fortnight before their next appointment. One per instrument even
    when two teams offer it (the more frequent schedule wins)."""
    today = today or timezone.localdate()
    offers: dict[str, str] = {}
    for offer in instruments_offered(patient=patient):
        if offers.get(offer.instrument) != Schedule.BEFORE_APPOINTMENT:
            offers[offer.instrument] = offer.schedule
    if not offers:
        return []
    appointment = None
    if Schedule.BEFORE_APPOINTMENT in offers.values():
        appointment = next_appointment(patient=patient)
    latest: dict[str, dt.date] = {}
    for code, day in (
        InstrumentResponse.objects.filter(patient=patient, instrument__in=offers)
        .order_by("instrument", "-completed_on")
        .values_list("instrument", "completed_on")
    ):
        latest.setdefault(code, day)
    due: list[tuple[str, str]] = []
    for code, schedule in sorted(offers.items(), key=lambda kv: list(INSTRUMENTS).index(kv[0])):
        answered = latest.get(code)
        if schedule == Schedule.BEFORE_APPOINTMENT:
            if appointment is None:
                continue
            starts = timezone.localtime(appointment.starts_at).date()
            window = starts - dt.timedelta(days=BEFORE_APPOINTMENT_DAYS)
            if today >= window and (answered is None or answered < window):
                due.append((code, "before your next appointment"))
        elif answered is None or answered < quarter_start(today):
            due.append((code, "this quarter"))
    worded = _worded([code for code, _ in due])
    return [Due(worded[code], reason) for code, reason in due]


def _worded(codes: list[str], language: str | None = None) -> dict[str, Instrument]:
    """These instruments as pages show them, their installed wording read in one query."""
    if not codes:
        return {}
    languages = wording_languages(language)
    packs: dict[str, dict[str, dict]] = {}
    for w in InstrumentWording.objects.filter(instrument__in=codes, language__in=languages):
        packs.setdefault(w.instrument, {})[w.language] = w.pack
    return {code: _in_language(INSTRUMENTS[code], packs.get(code, {}), languages) for code in codes}


def latest_responses(*, patient: Patient) -> dict[str, InstrumentResponse]:
    """The patient's latest response to each instrument, by code."""
    latest: dict[str, InstrumentResponse] = {}
    for response in InstrumentResponse.objects.filter(patient=patient).order_by(
        "instrument", "-completed_on", "-id"
    ):
        latest.setdefault(response.instrument, response)
    return latest


def response_today(*, patient: Patient, instrument: str) -> InstrumentResponse | None:
    """The response the patient started today, which the walk-through adds answers to."""
    return (
        InstrumentResponse.objects.filter(
            patient=patient,
            instrument=instrument,
            completed_on=timezone.localdate(),
            rater="patient",
        )
        .order_by("-id")
        .first()
    )


def responses_over_time(*, patient: Patient) -> dict[str, list[InstrumentResponse]]:
    """Each instrument's responses, oldest first, for charts and tables."""
    return responses_by_instrument(
        InstrumentResponse.objects.filter(patient=patient).order_by("completed_on", "id")
    )


def responses_by_instrument(
    responses: Iterable[InstrumentResponse],
) -> dict[str, list[InstrumentResponse]]:
    """``responses`` (oldest first) by instrument, the instruments in the library's order."""
    found: dict[str, list[InstrumentResponse]] = {}
    for response in responses:
        found.setdefault(response.instrument, []).append(response)
    return {code: found[code] for code in INSTRUMENTS if code in found}


def positive_screens(
    *,
    patient: Patient,
    today: dt.date | None = None,
    over_time: dict[str, list[InstrumentResponse]] | None = None,
) -> list[InstrumentResponse]:
    """The patient's latest PHQ-2 or GAD-2, where positive and recent: a flag for the clinician
    to consider a fuller assessment. ``over_time``, what ``responses_over_time`` gave for the
    patient, saves reading the responses again."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=SCREEN_FLAG_DAYS)
    if over_time is None:
        latest = latest_responses(patient=patient)
    else:  # oldest first: the last is the latest
        latest = {code: responses[-1] for code, responses in over_time.items() if responses}
    return [
        latest[code]
        for code in SCREENS
        if code in latest
        and latest[code].scores.get("positive")
        and latest[code].completed_on >= since
    ]


def patients_with_positive_screens(
    patient_ids: list[int], today: dt.date | None = None
) -> set[int]:
    """Of these patients, those whose latest PHQ-2 or GAD-2 is positive and recent (one query)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=SCREEN_FLAG_DAYS)
    flagged: set[int] = set()
    seen: set[tuple[int, str]] = set()
    for patient_id, code, scores, day in (
        InstrumentResponse.objects.filter(patient_id__in=patient_ids, instrument__in=SCREENS)
        .order_by("patient_id", "instrument", "-completed_on", "-id")
        .values_list("patient_id", "instrument", "scores", "completed_on")
    ):
        if (patient_id, code) in seen:
            continue
        seen.add((patient_id, code))
        if scores.get("positive") and day >= since:
            flagged.add(patient_id)
    return flagged


def help_now_text(*, patient: Patient) -> InLanguage:
    """Where the patient can get help now: their team's words in the page's language (else
    their English, which carries its language so a page marks it), or the product's own."""
    for team in patient.teams.order_by("name"):
        if team.help_now.strip():
            return InLanguage(team.help_now.strip(), text_language(team, "help_now"))
    language = (translation.get_language() or DEFAULT_LANGUAGE).lower()
    if language in DEFAULT_HELP_NOW_BY_LANGUAGE:
        return InLanguage(DEFAULT_HELP_NOW_BY_LANGUAGE[language])
    return InLanguage(DEFAULT_HELP_NOW, DEFAULT_LANGUAGE)  # marked English on another page
