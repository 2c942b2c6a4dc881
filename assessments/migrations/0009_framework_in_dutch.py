"""The framework's wording per language: the wording as it was becomes the English (en-gb)
columns (the original columns keep it too), and the shipped domains and elements get their Dutch
wording, clinical and plain (the plain for a reading age of about 9). Flemish only where it
differs; every other Flemish text falls back to the Dutch."""

from django.db import migrations
from django.db.models import F

# code: (Dutch clinical, Dutch plain)
DOMAINS_NL = {
    "H": (
        "Gezondheid, welzijn en kwaliteit van leven",
        "Mijn gezondheid en hoe ik me voel",
    ),
    "M": (
        "Hoe goed mensen met hun aandoening omgaan (en kunnen omgaan)",
        "Goed voor mezelf zorgen",
    ),
    "R": (
        "Relatie tussen zorgverlener en patiënt",
        "Ik en mijn zorgteam",
    ),
}

# code: (Dutch clinical, Dutch plain)
ELEMENTS_NL = {
    "H1": (
        "Biomedische waarden binnen een persoonlijk afgesproken, haalbaar bereik",
        "Mijn testuitslagen zijn zoals we hebben afgesproken",
    ),
    "H2": ("Controle over symptomen", "Ik heb mijn klachten onder controle"),
    "H3": (
        "Het dagelijks leven aankunnen (werk, hobby's, thuis, rollen die ertoe doen)",
        "Ik kan mijn gewone leven leiden: werk, hobby's, thuis, dingen die ik voor anderen doe",
    ),
    "H4": (
        "Psychisch welbevinden en omgaan met de aandoening",
        "Ik voel me goed en ik kan omgaan met mijn ziekte",
    ),
    "H5": ("Algemene gezondheid en geluk", "Mijn gezondheid en hoe blij ik ben"),
    "M1": (
        "De aandoening inpassen in het dagelijks leven (medicatie, routines, aanpassingen)",
        "Mijn ziekte past in mijn dag: medicijnen, vaste gewoontes, dingen die veranderen",
    ),
    "M2": (
        "Motivatie en vertrouwen om zelf de aandoening te managen",
        "Ik wil en ik kan goed voor mezelf zorgen",
    ),
    "M3": (
        "Meedoen aan problemen oplossen en doelen stellen, ook tijdens consulten",
        "Samen problemen oplossen en doelen kiezen, ook met mijn team",
    ),
    "M4": (
        "De juiste balans tussen zelfstandigheid en steun (niet onnodig afhankelijk van zorg)",
        "Ik krijg de hulp die ik nodig heb: niet te veel en niet te weinig",
    ),
    "R1": (
        "Zich vrij voelen om open en eerlijk met het team te praten",
        "Ik kan open en eerlijk praten met mijn team",
    ),
    "R2": (
        "Het team bespreekt moeilijke onderwerpen op een constructieve manier",
        "Mijn team praat op een goede manier over moeilijke dingen",
    ),
    "R3": (
        "De zorg blijft bereikbaar: terug kunnen komen wanneer nodig",
        "Ik kan mijn team bereiken als ik dat nodig heb",
    ),
    "R4": (
        "Zich gehoord, gewaardeerd en gesteund voelen",
        "Mijn team luistert naar mij en steunt mij",
    ),
}

# Flemish, only where it differs from the Dutch: code: (clinical, plain), None for the Dutch.
ELEMENTS_NL_BE = {
    "M3": ("Meedoen aan problemen oplossen en doelen stellen, ook tijdens consultaties", None),
}


def wording_per_language(apps, schema_editor):
    Domain = apps.get_model("assessments", "Domain")
    Element = apps.get_model("assessments", "Element")
    Domain.objects.update(name_en_gb=F("name"), plain_name_en_gb=F("plain_name"))
    Element.objects.update(label_en_gb=F("label"), plain_label_en_gb=F("plain_label"))
    for code, (name, plain) in DOMAINS_NL.items():
        Domain.objects.filter(code=code).update(name_nl=name, plain_name_nl=plain)
    for code, (label, plain) in ELEMENTS_NL.items():
        Element.objects.filter(code=code, patient__isnull=True).update(
            label_nl=label, plain_label_nl=plain
        )
    for code, (label, plain) in ELEMENTS_NL_BE.items():
        Element.objects.filter(code=code, patient__isnull=True).update(
            label_nl_be=label, plain_label_nl_be=plain
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_wording_per_language"),
    ]

    operations = [migrations.RunPython(wording_per_language, migrations.RunPython.noop)]
