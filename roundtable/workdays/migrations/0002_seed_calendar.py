from django.db import migrations


def seed(apps, schema_editor):
    from roundtable.workdays.seed import seed_from_package

    seed_from_package(apps.get_model("workdays", "CalendarYear"),
                      apps.get_model("workdays", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
