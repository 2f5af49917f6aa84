"""pg_trgm for the dashboard's recurring problems (roundtable/dashboard/recurring.py).

PostgreSQL only: on SQLite this does nothing (recurring.py compares bigrams in Python there).
Django's ``TrigramExtension`` does the same check, but importing django.contrib.postgres is
not needed for the raw ``similarity()`` call the dashboard makes, and it is not in
INSTALLED_APPS (only its lookups would need it). pg_trgm is a trusted extension since
PostgreSQL 13, so the database owner may create it; if even that is refused, the migration
still succeeds and the dashboard falls back to bigrams, logging a warning.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def create_pg_trgm(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        logger.warning("could not create the pg_trgm extension; recurring problems use bigrams")


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]

    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop)]
