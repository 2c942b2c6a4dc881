"""The instruments this service offers: wording (where its licence allows), answer values and
licence notices, in one registry.

Open wording is shipped exactly as published; the source of each wording is recorded beside it.
Licensed instruments (EQ-5D-5L, SWEMWBS) ship as a skeleton with no wording: a service that
holds the licence applies its wording with ``packs.with_wording``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .model import Instrument, Item, Licence, Option


def numeric_item(
    link_id: str, text: str | None, low: int, high: int, anchors: Mapping[int, str]
) -> Item:
    """An item answered with a whole number ``low``..``high``, labelled only at ``anchors`` as
    published; the values between have label None and are shown as the number itself."""
    options = tuple(Option(value, anchors.get(value)) for value in range(low, high + 1))
    return Item(link_id, text, options, tuple(sorted(anchors)))


def listed_item(link_id: str, text: str | None, labels: tuple[str, ...], first: int) -> Item:
    """An item whose every value is labelled: ``labels`` in order from the value ``first``."""
    return Item(link_id, text, tuple(Option(first + i, label) for i, label in enumerate(labels)))


def skeleton_item(link_id: str, low: int, high: int, labelled: tuple[int, ...] | None) -> Item:
    """An item of a licensed instrument: values only, no text, no labels."""
    options = tuple(Option(value, None) for value in range(low, high + 1))
    return Item(link_id, None, options, labelled)


# ---------------------------------------------------------------------------------------------
# ONS4: ONS personal well-being.
# Wording: the GSS personal well-being harmonised standard, questions as asked on the ONS Annual
# Population Survey: https://gss.civilservice.gov.uk/policy-store/personal-well-being/
# Anchor labels: the interviewer instruction for each question there ("where nought is 'not at
# all satisfied' and 10 is 'completely satisfied'"), capitalised as option labels.
# Item 4 is the ONS short form of the question ("Overall, how anxious did you feel yesterday?")
# as listed in the ONS personal well-being user guide:
# https://www.ons.gov.uk/peoplepopulationandcommunity/wellbeing/methodologies/personalwellbeingsurveyuserguide
# ---------------------------------------------------------------------------------------------
ONS_NOTICE = (
    "Source: Office for National Statistics, personal well-being questions (ONS4). "
    "© Crown copyright. Contains public sector information licensed under the "
    "Open Government Licence v3.0."
)
ONS4 = Instrument(
    code="ONS4",
    name="ONS personal well-being (ONS4)",
    version="GSS harmonised standard, Annual Population Survey",
    licence=Licence("attribution", ONS_NOTICE),
    informs=("H4", "H5"),
    instructions=(
        "Next I would like to ask you four questions about your feelings on aspects of your "
        "life. There are no right or wrong answers. For each of these questions I’d like you "
        "to give an answer on a scale of nought to 10, where nought is ‘not at all’ and 10 is "
        "‘completely’."
    ),
    items=(
        numeric_item(
            "1",
            "Overall, how satisfied are you with your life nowadays?",
            0,
            10,
            {0: "Not at all satisfied", 10: "Completely satisfied"},
        ),
        numeric_item(
            "2",
            "Overall, to what extent do you feel that the things you do in your life are "
            "worthwhile?",
            0,
            10,
            {0: "Not at all worthwhile", 10: "Completely worthwhile"},
        ),
        numeric_item(
            "3",
            "Overall, how happy did you feel yesterday?",
            0,
            10,
            {0: "Not at all happy", 10: "Completely happy"},
        ),
        numeric_item(
            "4",
            "Overall, how anxious did you feel yesterday?",
            0,
            10,
            {0: "Not at all anxious", 10: "Completely anxious"},
        ),
    ),
    kind="scale",
    main_score="life_satisfaction",
)

# ---------------------------------------------------------------------------------------------
# SEMCD6: Self-Efficacy for Managing Chronic Disease 6-Item Scale (Lorig et al. 2001).
# Wording: Stanford Patient Education Research Center,
# http://patienteducation.stanford.edu/research/secd6.html
# That page prints "reduce you need" (item 5) and "how much you illness" (item 6); the Self-
# Management Resource Center's current form prints "your need" and "your illness", which we ship
# (https://attachments.academia-assets.com/111974398/1.html, a copy of the SMRC form, which
# also carries "This scale is free to use without permission").
# ---------------------------------------------------------------------------------------------
SEMCD6_ANCHORS = {1: "Not at all confident", 10: "Totally confident"}
SEMCD6_STEMS = (
    "How confident are you that you can keep the fatigue caused by your disease from "
    "interfering with the things you want to do?",
    "How confident are you that you can keep the physical discomfort or pain of your disease "
    "from interfering with the things you want to do?",
    "How confident are you that you can keep the emotional distress caused by your disease "
    "from interfering with the things you want to do?",
    "How confident are you that you can keep any other symptoms or health problems you have "
    "from interfering with the things you want to do?",
    "How confident are you that you can do the different tasks and activities needed to manage "
    "your health condition so as to reduce your need to see a doctor?",
    "How confident are you that you can do things other than just taking medication to reduce "
    "how much your illness affects your everyday life?",
)
SEMCD6 = Instrument(
    code="SEMCD6",
    name="Self-Efficacy for Managing Chronic Disease 6-Item Scale",
    version="Lorig et al. 2001; Stanford Patient Education Research Center",
    licence=Licence(
        "open",
        "Self-Efficacy for Managing Chronic Disease 6-Item Scale, Stanford Patient Education "
        "Research Center; now distributed by the Self-Management Resource Center. "
        "This scale is free to use without permission.",
    ),
    informs=("M1", "M2"),
    instructions=(
        "We would like to know how confident you are in doing certain activities. For each of "
        "the following questions, please choose the number that corresponds to your confidence "
        "that you can do the tasks regularly at the present time."
    ),
    items=tuple(
        numeric_item(str(n), stem, 1, 10, SEMCD6_ANCHORS)
        for n, stem in enumerate(SEMCD6_STEMS, start=1)
    ),
    kind="scale",
    main_score="score",
)

# ---------------------------------------------------------------------------------------------
# PHQ-2 and GAD-2: the first two items of the PHQ-9 and GAD-7 (Pfizer; phqscreeners.com).
# PHQ-2 wording as on the PHQ-9 form: https://mipmclinic.com/patient-health-questionnaire-phq-9/
# (stem) and https://fast.hugflare.com/spaces/samarth1999/Saathi/raw/main/data/screeners.json
# (items, from phqscreeners.com). GAD-2 wording as on the GAD-7 form:
# https://download.skyscape.com/download/ota/lonestar/7BA4FFA8-F627-463A-9BE2-7FF59D1101B2/calculator.ed1/content/HTML/c/tl16.htm
# Notice: https://cde.drugabuse.gov/instrument/fc216f70-be8e-ac44-e040-bb89ad433387
# ---------------------------------------------------------------------------------------------
FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")
PFIZER_NOTICE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
PHQ2 = Instrument(
    code="PHQ2",
    name="Patient Health Questionnaire-2 (PHQ-2)",
    version="Kroenke, Spitzer & Williams 2003",
    licence=Licence("open", PFIZER_NOTICE),
    informs=("H4",),
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        listed_item("1", "Little interest or pleasure in doing things", FREQUENCY, 0),
        listed_item("2", "Feeling down, depressed, or hopeless", FREQUENCY, 0),
    ),
    kind="screen",
    main_score="score",
    positive_key="positive",
)
GAD2 = Instrument(
    code="GAD2",
    name="Generalized Anxiety Disorder-2 (GAD-2)",
    version="Kroenke et al. 2007",
    licence=Licence("open", PFIZER_NOTICE),
    informs=("H4",),
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    items=(
        listed_item("1", "Feeling nervous, anxious, or on edge", FREQUENCY, 0),
        listed_item("2", "Not being able to stop or control worrying", FREQUENCY, 0),
    ),
    kind="screen",
    main_score="score",
    positive_key="positive",
)

# ---------------------------------------------------------------------------------------------
# collaboRATE (Elwyn et al. 2013; Barr et al. 2014), 10-point (0–9) patient version.
# Items: https://phenxtoolkit.org/protocols/view/662301 (the same three stems; PhenX prints the
# 5-point variant's labels) and https://implementingthrive.org/collaborate/
# Anchors 0 "No effort was made", 9 "Every effort was made": Barr et al. 2017, BMJ Open
# https://pmc.ncbi.nlm.nih.gov/articles/PMC5372080
# Licence: https://www.glynelwyn.com/faqs---considerate.html (CC BY-NC-ND 3.0 Unported).
# The opening statement is one of several the authors offer; none was confirmed verbatim, so
# none is shipped (instructions None).
# ---------------------------------------------------------------------------------------------
COLLABORATE_ANCHORS = {0: "No effort was made", 9: "Every effort was made"}
COLLABORATE = Instrument(
    code="COLLABORATE",
    name="collaboRATE",
    version="Patient version, 0–9 scale (Elwyn et al. 2013; Barr et al. 2014)",
    licence=Licence(
        "attribution",
        "collaboRATE © Glyn Elwyn, Paul J. Barr, Stuart W. Grande, 2013. Licensed under a "
        "Creative Commons Attribution-NonCommercial-NoDerivs 3.0 Unported License.",
    ),
    informs=("R1", "R4"),
    instructions=None,
    items=(
        numeric_item(
            "1",
            "How much effort was made to help you understand your health issues?",
            0,
            9,
            COLLABORATE_ANCHORS,
        ),
        numeric_item(
            "2",
            "How much effort was made to listen to the things that matter most to you about "
            "your health issues?",
            0,
            9,
            COLLABORATE_ANCHORS,
        ),
        numeric_item(
            "3",
            "How much effort was made to include what matters most to you in choosing what to "
            "do next?",
            0,
            9,
            COLLABORATE_ANCHORS,
        ),
    ),
    kind="encounter",
    main_score="mean",
)

# ---------------------------------------------------------------------------------------------
# EQ-5D-5L (EuroQol Research Foundation): licensed. Its wording, and the value sets that turn a
# profile into an index, may only be used under a licence from the EuroQol Research Foundation
# after registration, so neither is shipped: link ids "1"…"5" are the five dimensions in
# published order (mobility, self-care, usual activities, pain/discomfort,
# anxiety/depression), levels 1–5; "6" is the EQ VAS, 0–100, labelled at its two ends.
# ---------------------------------------------------------------------------------------------
EQ5D5L_DIMENSIONS = (
    "mobility",
    "self-care",
    "usual activities",
    "pain/discomfort",
    "anxiety/depression",
)
EQ5D5L = Instrument(
    code="EQ5D5L",
    name="EQ-5D-5L",
    version="EQ-5D-5L (structure only; wording by licence)",
    licence=Licence(
        "licensed",
        "EQ-5D™ is a trade mark of the EuroQol Research Foundation. EQ-5D-5L © EuroQol "
        "Research Foundation. Used under licence; registration required (euroqol.org).",
    ),
    informs=("H2", "H3", "H4", "H5"),
    instructions=None,
    items=(
        *(skeleton_item(str(n), 1, 5, None) for n in range(1, 6)),
        skeleton_item("6", 0, 100, (0, 100)),
    ),
    kind="profile",
    main_score="level_sum",
)

# ---------------------------------------------------------------------------------------------
# SWEMWBS: the Short Warwick-Edinburgh Mental Wellbeing Scale. Free to use once registered
# (https://warwick.ac.uk/fac/sci/med/research/platform/wemwbs/using); wording not shipped.
# Notice as the owners require it: https://corc.uk.net/outcome-experience-measures/short-warwick-edinburgh-mental-wellbeing-scale-swemwbs/
# Seven items, 1 ("None of the time") to 5 ("All of the time"), every value labelled.
# ---------------------------------------------------------------------------------------------
SWEMWBS = Instrument(
    code="SWEMWBS",
    name="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    version="SWEMWBS (structure only; wording by registration)",
    licence=Licence(
        "registration",
        "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, "
        "University of Warwick and University of Edinburgh, 2008, all rights reserved.",
    ),
    informs=("H4",),
    instructions=None,
    items=tuple(skeleton_item(str(n), 1, 5, None) for n in range(1, 8)),
    kind="scale",
    main_score="raw",
)

INSTRUMENTS: dict[str, Instrument] = {
    each.code: each for each in (ONS4, SEMCD6, PHQ2, GAD2, COLLABORATE, EQ5D5L, SWEMWBS)
}
"""Every instrument by code: the open core first, then the licensed content packs."""


def instrument(code: str) -> Instrument:
    """The instrument of that code; ValueError for a code this library does not know."""
    try:
        return INSTRUMENTS[code]
    except (KeyError, TypeError):
        raise ValueError(f"unknown instrument {code!r}") from None
