"""The six filières d'excellence, and the ``/appels/`` page under the home page."""

from django.db import migrations

SECTORS = [
    ("sante", "Santé"),
    ("numerique_creatif", "Industries numériques et créatives"),
    ("maritime_logistique", "Maritime et logistique"),
    ("energie_environnement", "Énergie et environnement"),
    ("mecanique_aeronautique", "Mécanique et aéronautique"),
    ("tourisme_art_de_vivre", "Tourisme et art de vivre"),
]


def create_sectors_and_index(apps, schema_editor):
    Sector = apps.get_model("calls.Sector")
    for position, (code, label) in enumerate(SECTORS):
        Sector.objects.update_or_create(code=code, defaults={"label": label,
                                                             "position": position})

    ContentType = apps.get_model("contenttypes.ContentType")
    HomePage = apps.get_model("portal.HomePage")
    CallIndexPage = apps.get_model("calls.CallIndexPage")
    home = HomePage.objects.get(depth=2)
    content_type, _ = ContentType.objects.get_or_create(model="callindexpage", app_label="calls")
    CallIndexPage.objects.create(
        title="Les appels",
        draft_title="Les appels",
        slug="appels",
        content_type=content_type,
        path=home.path + "0001",
        depth=3,
        numchild=0,
        url_path=home.url_path + "appels/",
        intro="Appels à solutions, appels à manifestation d'intérêt et challenges "
        "d'innovation publiés par les acheteurs du territoire.",
        locale_id=home.locale_id,
    )
    home.numchild = 1
    home.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0002_initial"),
        ("portal", "0002_home_page"),
    ]

    operations = [migrations.RunPython(create_sectors_and_index, migrations.RunPython.noop)]
