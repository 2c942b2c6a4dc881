"""The demo cohort's fixed words and codes: who works where, what people live with, what they say.

Declarative only: the teams and staff, the demo logins, who each team cares for and how people's
ratings move with age, conditions and stage, conditions (SNOMED CT) with the conditions found
with them and the markers recorded, markers (LOINC) with typical values and targets, names,
personal items, goals, encounter topics and plans, life events, agendas, modes of contact, the
fixed hours rows are saved at, and the two demo patients with a login (one reads Dutch). Most are
written as text tables, one row a line, cells split on "|". Nothing here draws a random number
or touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from assessments.models import Rater
from patients.models import Strategy


def _table(text: str) -> list[list[str]]:
    """The rows of a text table: cells split on "|"; lines starting with "#" are headings."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return [[cell.strip() for cell in line.split("|")] for line in lines if line[:1] != "#"]


def _number(cell: str) -> float | None:
    return None if cell == "-" else float(cell)


DEMO_USERNAMES = (
    "demo-clinician",
    "demo-patient",
    "demo-manager",
    "demo-admin",
    "demo-patient-nl",
    "demo-network",
)

# Six teams of clearly different case mix, so the comparison of teams shows what adjustment
# does: a practice with an older population, a younger one, two specialist services and two
# community teams whose patients are older, live with more conditions or are further on.
TEAMS = _table("""
# key      | name                        | description
gp         | Riverside General Practice  | Practice nurses and GPs supporting long-term conditions.
diabetes   | Diabetes Specialist Service | Diabetes nurse specialist, dietitian and diabetologist.
parkinsons | Parkinson's Service         | Parkinson's nurse, physiotherapist, OT and neurologist.
meadowbank | Meadowbank Health Centre    | A town-centre practice with a young list.
respiratory | Community Respiratory Team | Respiratory nurses, physiotherapist and chest physician.
frailty    | Community Frailty Service   | Geriatrician, frailty nurse, OT and pharmacist, at home.
""")
DEMO_TEAM_NAMES = tuple(name for _, name, _ in TEAMS)
TEAM_KEYS = tuple(key for key, _, _ in TEAMS)

# "lead of": the teams a network lead is given, "*" for every team.
USERS = _table("""
# username         | first name | last name | role         | clinician in | manager of    | lead of
demo-clinician     | Sam        | Okafor    | clinician    | gp diabetes  |               |
demo-patient       | Margaret   | Hughes    | patient      |              |               |
demo-manager       | Priya      | Shah      | manager      |              | gp meadowbank |
demo-admin         | Alex       | Morgan    | admin        |              |               |
nurse.adeyemi      | Grace      | Adeyemi   | clinician    | gp           |               |
dr.lewis           | Tom        | Lewis     | clinician    | gp           |               |
dsn.kowalski       | Anna       | Kowalski  | clinician    | diabetes     |               |
dietitian.chen     | Wei        | Chen      | clinician    | diabetes     |               |
dr.rahman          | Imran      | Rahman    | clinician    | diabetes     |               |
manager.diabetes   | Helen      | Brooks    | manager      |              | diabetes      |
pdns.murphy        | Siobhan    | Murphy    | clinician    | parkinsons   |               |
physio.evans       | Rhys       | Evans     | clinician    | parkinsons   |               |
ot.nowak           | Kasia      | Nowak     | clinician    | parkinsons   |               |
dr.osei            | Kwame      | Osei      | clinician    | parkinsons   |               |
manager.parkinsons | David      | Price     | manager      |              | parkinsons    |
demo-patient-nl    | Anneke     | de Vries  | patient      |              |               |
nurse.okoro        | Blessing   | Okoro     | clinician    | meadowbank   |               |
dr.patel           | Anjali     | Patel     | clinician    | meadowbank   |               |
hca.byrne          | Ciara      | Byrne     | clinician    | meadowbank   |               |
nurse.ahmed        | Yasmin     | Ahmed     | clinician    | respiratory  |               |
physio.ward        | Ben        | Ward      | clinician    | respiratory  |               |
dr.fraser          | Euan       | Fraser    | clinician    | respiratory  |               |
manager.respiratory | Laura     | Bennett   | manager      |              | respiratory   |
dr.mensah          | Ama        | Mensah    | clinician    | frailty      |               |
nurse.doyle        | Fiona      | Doyle     | clinician    | frailty      |               |
ot.silva           | Paulo      | Silva     | clinician    | frailty      |               |
pharm.iqbal        | Zara       | Iqbal     | clinician    | frailty      |               |
manager.frailty    | Martin     | Clarke    | manager      |              | frailty       |
demo-network       | Ruth       | Fletcher  | network_lead |              |               | *
""")
# The language each login reads the site in, where it is not the default.
LANGUAGES = {"demo-patient-nl": "nl"}

DEMO_LOGINS = tuple(
    (username, shows)
    for username, shows in _table("""
demo-clinician  | clinician in Riverside General Practice and the Diabetes Specialist Service
demo-patient    | Margaret H., a patient of Riverside General Practice with type 2 diabetes
demo-manager    | service manager of Riverside General Practice and Meadowbank Health Centre
demo-admin      | administrator: the admin site at /admin/ (its two-step code: make demo-code)
demo-patient-nl | a patient who reads the portal in Dutch
demo-network    | network lead of all six demo teams: the fair comparison of teams
""")
)

CONDITIONS = {
    key: rest
    for key, *rest in _table("""
# key     | SNOMED CT | group      | often found with           | markers recorded
t2        | 44054006  | diabetes   | htn ckd chd depression oa copd | hba1c sbp dbp chol
t1        | 46635009  | diabetes   | depression ckd htn         | hba1c sbp dbp chol
pd        | 49049000  | parkinsons | depression oa htn          | sbp dbp weight
copd      | 13645005  | breathing  | hf depression t2 oa        | sbp dbp weight
htn       | 38341003  | heart      | t2 chd ckd depression      | sbp dbp
asthma    | 195967001 | breathing  | depression oa t2           |
hf        | 84114007  | heart      | t2 ckd depression          | sbp dbp weight
oa        | 396275006 | -          | depression htn t2          |
chd       | 53741008  | heart      | htn t2                     | sbp dbp
ckd       | 709044004 | -          | htn t2                     | sbp dbp
depression | 35489007 | -          | oa htn                     |
""")
}
# Why a new patient is with each team, and how often.
PRIMARY = {
    "gp": (("t2", "copd", "htn", "asthma", "hf", "oa"), (35, 25, 15, 10, 8, 7)),
    "diabetes": (("t2", "t1"), (80, 20)),
    "parkinsons": (("pd",), (1,)),
    "meadowbank": (("asthma", "depression", "t2", "htn", "t1"), (30, 25, 20, 15, 10)),
    "respiratory": (("copd", "asthma"), (75, 25)),
    "frailty": (("hf", "oa", "ckd", "copd", "chd"), (30, 20, 20, 15, 15)),
}


@dataclass(frozen=True)
class CaseMix:
    """Who a team cares for: how many of the new patients, their age, conditions, stage, events.

    Birth years follow a triangular distribution; ``several`` is the share living with two or
    three conditions; a smaller ``stage_skew`` means later stages are more common (1 spreads them
    evenly); ``events`` is the share with a life event in the two years.
    """

    share: int
    born_from: int
    born_to: int
    born_mostly: int
    several: float
    stage_skew: float
    events: float


CASE_MIX = {
    key: CaseMix(int(share), int(low), int(high), int(mode), float(several), float(skew), float(ev))
    for key, share, low, high, mode, several, skew, ev in _table("""
# key       | share | born from | to   | mostly | several conditions | stage skew | life events
gp          | 26    | 1935      | 2000 | 1950   | 0.33               | 1.6        | 0.3
diabetes    | 14    | 1940      | 2002 | 1962   | 0.3                | 1.6        | 0.25
parkinsons  | 12    | 1932      | 1972 | 1948   | 0.35               | 0.8        | 0.35
meadowbank  | 14    | 1960      | 2006 | 1994   | 0.12               | 1.6        | 0.2
respiratory | 14    | 1935      | 1975 | 1952   | 0.4                | 1.0        | 0.35
frailty     | 20    | 1924      | 1950 | 1940   | 0.85               | 1.0        | 0.5
""")
}

# How a person's ratings move a quarter, in rating points (0 to 10), by who they are: the demo's
# outcomes depend on the case mix the comparison of teams adjusts for (age, the number of
# conditions, the stage of a staged condition) and on no team, so its adjusted figures differ by
# chance alone. Each person adds a course of their own.
COURSE_BASE = 0.35
COURSE_BY_AGE = tuple(
    (int(age), float(change))
    for age, change in _table("""
# from age | change a quarter
75         | -0.6
65         | -0.2
45         | 0
0          | 0.3
""")
)
COURSE_PER_MORE_CONDITION = -0.2
COURSE_BY_STAGE = {"early": 0.0, "middle": -0.2, "advanced": -0.5}
COURSE_OWN = 0.2  # the spread of each person's own course

# LOINC, typical, spread, decimals, change a quarter, low, high, older from, older high.
MarkerFacts = tuple[
    str, float, float, float, float, float | None, float | None, float | None, float | None
]


def _marker(loinc: str, *cells: str) -> MarkerFacts:
    # Every marker has a typical value, a spread, decimals and a rate: only limits may be "-".
    typical, spread, decimals, rate = map(float, cells[:4])
    low, high, older_from, older_high = map(_number, cells[4:])
    return (loinc, typical, spread, decimals, rate, low, high, older_from, older_high)


MARKERS = {
    key: _marker(loinc, *rest)
    for key, loinc, *rest in _table("""
# key | LOINC | typical | spread | decimals | change a quarter when improving | low | high
# ... | and, for people of at least a given age, a looser upper limit
hba1c  | 59261-8 | 62  | 10  | 0 | -1.5  | 48   | 58  | 75 | 64
sbp    | 8480-6  | 138 | 14  | 0 | -1.5  | 110  | 140 | 80 | 150
dbp    | 8462-4  | 82  | 8   | 0 | -0.8  | 60   | 90  | -  | -
chol   | 14647-2 | 4.9 | 0.9 | 1 | -0.08 | -    | 5.0 | -  | -
bmi    | 39156-5 | 31  | 5   | 1 | -0.2  | 18.5 | 30  | -  | -
weight | 29463-7 | 84  | 15  | 1 | -0.6  | -    | -   | -  | -
""")
}
NOT_RELEVANT = dict(
    _table("""
chol   | Decided together to stop the statin; cholesterol is not a goal for now.
bmi    | Weight is not the focus this year; agreed to set it aside.
weight | Weight is not the focus this year; agreed to set it aside.
sbp    | Falls when standing: avoiding low pressure matters more than a number.
""")
)
WEIGHT_LOSS = "Losing weight unintentionally with Parkinson's: watched, not a target to reach."

FRAMEWORK = ("H1", "H2", "H3", "H4", "H5", "M1", "M2", "M3", "M4", "R1", "R2", "R3", "R4")
FIRST_NAMES = [
    name
    for line in _table("""
Margaret | John | Aisha | David | Susan | Mohammed | Patricia | Peter | Linda | Raj | Barbara
Michael | Fatima | Stephen | Jean | Kwame | Elaine | Tomasz | Gwen | Ian | Sunita | Brian
Maureen | Desmond | Chloe | Gareth | Mei | Colin | Bernadette | Yusuf | Sandra | Alan | Olga
Trevor | Nia | Harold | Priti | Kevin | Joan | Liam | Irene | Dev | Shirley | Kofi | Hazel
""")
    for name in line
]
INITIALS = "ABCDEFGHJKLMNOPRSTWY"

ITEMS = _table("""
# domain | personal item
H | Being able to play with my grandchildren
H | Walking the dog every morning
H | Singing in the choir
H | Keeping my allotment going
H | Driving to see my sister
H | Cooking Sunday lunch for the family
H | Getting back to work part-time
H | Going to the mosque on Fridays
M | Managing my own medicines without reminders
M | Feeling in charge of my condition, not the other way round
R | Seeing the same nurse each time
R | Being able to message the team
""")
GOALS = _table("""
# domain | group | goal in the patient's words | what "as expected" looks like
H | -          | Walk to the shops and back without stopping      | Twice a week by spring
H | -          | Get back to gardening for an hour at a time      | An hour, most dry days
H | -          | Sleep through the night more often               | Four good nights a week
H | -          | Go swimming once a week again                    | Every week for a month
M | -          | Take my tablets at the same time every day       | No missed doses in a week
M | -          | Plan the week's meals on Sundays                 | Most weeks
R | -          | Write down my questions before each appointment  | Every appointment
R | -          | Ring the team when I feel low instead of waiting | Within a day or two
M | diabetes   | Check my feet every evening                      | Every evening
M | diabetes   | Test my blood sugar before driving               | Every time
H | diabetes   | Cut down to one sugary drink a day               | One a day most days
M | parkinsons | Keep a diary of my 'off' periods for the nurse   | A week before each visit
H | parkinsons | Do my balance exercises every morning            | Five mornings a week
M | breathing  | Use the spacer with my inhaler every time        | Every time
H | breathing  | Climb the stairs at home without stopping        | By the summer
""")
TOPICS = _table("""
# group    | what the encounter was about
-          | Talked about how the last few months have gone
-          | Reviewed medicines
-          | Spoke about mood and sleep
-          | Went through the agenda the patient wrote
-          | Discussed what matters most at the moment
-          | Followed up the last goal
diabetes   | Reviewed the home glucose diary
diabetes   | Looked at the latest HbA1c together
diabetes   | Checked feet; no new problems
diabetes   | Talked through carbohydrate portions
parkinsons | Reviewed timing of levodopa doses
parkinsons | Talked about falls at home
parkinsons | Discussed 'off' periods in the afternoon
breathing  | Checked inhaler technique
breathing  | Went through the rescue pack plan
heart      | Talked about breathlessness on the stairs
""")
PLANS = [
    plan
    for (plan,) in _table("""
Agreed to try the walking group on Tuesdays.
Will review in three months.
Signposted to the local support group.
Agreed one small change to try before next time.
Partner to come to the next appointment.
Leaflet given; questions welcome by message.
Happy with how things are going; no changes.
Will ring in two weeks to see how it went.
""")
]
EVENTS = {
    kind: (int(weight), float(fall), float(keep), note)
    for kind, weight, fall, keep, note in _table("""
# kind: how often, fall in the rating level, share of the fall left a quarter later, note
progression   | 25 | 1.8  | 0.9 | Condition has moved on a stage; more help needed day to day.
admission     | 25 | 2.5  | 0.5 | Admitted for a few days; home now and recovering.
bereavement   | 12 | 1.5  | 0.6 | Lost a close family member.
new_diagnosis | 12 | 1.0  | 0.7 | New diagnosis; still adjusting to it.
new_job       | 6  | -0.3 | 0.5 | Started a new job.
carer_change  | 8  | 0.8  | 0.6 | Main carer has changed.
other         | 12 | 0.0  | 0.0 | Moved house.
""")
}
AGENDAS = _table("""
# going well | hard | what I'd like to change | questions
Walking further each week. | Evenings, when I am tired. | Fewer tablets? | Is my blood test due?
Sleeping better. | Remembering the afternoon tablets. | Fewer trips in. | Could I see the dietitian?
Back at choir. | Feeling low since the winter. |  | What does the new result mean?
""")
MODES = {
    mode: (int(weight), int(shortest), int(longest))
    for mode, weight, shortest, longest in _table("""
# mode       | how often | minutes, shortest | longest
face_to_face | 45        | 15                | 40
phone        | 25        | 10                | 20
video        | 12        | 15                | 30
group        | 6         | 45                | 60
message      | 12        | 5                 | 10
""")
}
MODE_NAMES = list(MODES)
MODE_WEIGHTS = [weight for weight, _, _ in MODES.values()]
STRATEGIES = tuple(Strategy.values)
# When rows were saved, at fixed hours (visits run 08:00 to 16:45): what the caseload calls "new
# since last seen" compares these with the last encounter, as it does for real records.
EVENING, NOTED = time(19), time(12)
RATER_PATIENT, RATER_PROXY = Rater.PATIENT.value, Rater.PROXY.value
RATER_CLINICIAN = Rater.CLINICIAN.value


@dataclass(frozen=True)
class DemoPatient:
    """A patient with a login: the choices fixed so the portal shows a full history.

    Her items, goals, agendas and the note on her admission are in her own words and language.
    """

    username: str
    name: str
    birth_year: int
    items: tuple[list[str], ...]  # domain, personal item
    goals: tuple[list[str], ...]  # as in GOALS
    agendas: list[list[str]]  # the first is for her upcoming appointment
    admitted: str


DEMO_PATIENT = DemoPatient(
    "demo-patient",
    "Margaret H.",
    1954,
    (ITEMS[0], ITEMS[2]),
    (GOALS[0], GOALS[8]),
    AGENDAS,
    EVENTS["admission"][3],
)
# The last patient of the cohort reads the portal in Dutch and writes her own words in Dutch.
DUTCH_PATIENT = DemoPatient(
    "demo-patient-nl",
    "Anneke V.",
    1956,
    (["H", "Fietsen met mijn kleinkinderen"], ["H", "Zingen in het koor"]),
    (
        ["H", "-", "Lopen naar de winkel en terug zonder te stoppen", "Twee keer per week"],
        ["M", "diabetes", "Elke avond mijn voeten nakijken", "Elke avond"],
    ),
    [
        [
            "Ik loop elke week wat verder.",
            "De avonden, als ik moe ben.",
            "Minder pillen?",
            "Moet ik weer bloed laten prikken?",
        ],
        [
            "Ik slaap beter.",
            "De pillen van de middag onthouden.",
            "Minder vaak langskomen.",
            "Kan ik de diëtist zien?",
        ],
    ],
    "Een paar dagen in het ziekenhuis; nu weer thuis en ik knap op.",
)
