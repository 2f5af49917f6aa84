# The grams of the ledger's search stored in a column (PostgreSQL only).
#
# Migration 0018 indexed the expression issue_search_grams(reference, title, description).
# The index found a term's candidates, but wherever the planner had to check the condition
# on a row (the recheck of a lossy bitmap, the filter of an OR with the enterprises' ids, a
# walk along the ledger's ordering index) PostgreSQL computed the grams again from the text:
# a COUNT of 企业 over 100,000 realistic issues took more than 6 s. Here the grams are kept
# in a column, issues_issue.search_grams, each gram once, filled by a trigger on every insert
# and on every update that changes the reference, the title or the description (services,
# the demo's bulk loader, the bench, the admin, raw SQL alike), and indexed with GIN: a
# check on a row reads the column, and ANALYZE keeps statistics of its grams so that the
# planner knows a common term (企业) from a rare one (晾晒).
#
# Safe on a large table: adding a nullable column without a default is instant; the trigger
# exists before the backfill, so no row is missed; the backfill updates the rows in batches
# of BATCH ids, each in its own short transaction; the index is built and the old one dropped
# CONCURRENTLY, so the table takes writes throughout (hence ``atomic = False``). On 100,000
# realistic issues the whole migration takes about a minute on two busy cores.
#
# Not in the model: SQLite has no such column, and there the search stays a plain LIKE.

from django.db import migrations

BATCH = 5000

GRAMS = "ARRAY(SELECT DISTINCT g FROM unnest(issue_search_grams({0}reference, {0}title, {0}description)) AS g)"

TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION issue_search_grams_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_grams := {GRAMS.format("NEW.")};
    RETURN NEW;
END
$$
"""
TRIGGERS = (
    "CREATE TRIGGER issue_search_grams_insert BEFORE INSERT ON issues_issue "
    "FOR EACH ROW EXECUTE FUNCTION issue_search_grams_fill()",
    "CREATE TRIGGER issue_search_grams_update BEFORE UPDATE OF reference, title, description "
    "ON issues_issue FOR EACH ROW WHEN (OLD.reference IS DISTINCT FROM NEW.reference "
    "OR OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description) "
    "EXECUTE FUNCTION issue_search_grams_fill()",
)


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE issues_issue ADD COLUMN IF NOT EXISTS search_grams text[]")
    schema_editor.execute(TRIGGER_FUNCTION)
    schema_editor.execute("DROP TRIGGER IF EXISTS issue_search_grams_insert ON issues_issue")
    schema_editor.execute("DROP TRIGGER IF EXISTS issue_search_grams_update ON issues_issue")
    for trigger in TRIGGERS:
        schema_editor.execute(trigger)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM issues_issue")
        low, high = cursor.fetchone()
    for start in range(low, high + 1, BATCH):
        schema_editor.execute(
            f"UPDATE issues_issue SET search_grams = {GRAMS.format('')} "
            "WHERE id >= %s AND id < %s AND search_grams IS NULL",
            [start, start + BATCH],
        )
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS issue_search_grams_column ON issues_issue "
        "USING gin (search_grams)"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS issue_search_grams")
    schema_editor.execute("ANALYZE issues_issue")


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS issue_search_grams ON issues_issue "
        "USING gin (issue_search_grams(reference, title, description))"
    )
    schema_editor.execute("DROP TRIGGER IF EXISTS issue_search_grams_insert ON issues_issue")
    schema_editor.execute("DROP TRIGGER IF EXISTS issue_search_grams_update ON issues_issue")
    schema_editor.execute("DROP FUNCTION IF EXISTS issue_search_grams_fill()")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS issue_search_grams_column")
    schema_editor.execute("ALTER TABLE issues_issue DROP COLUMN IF EXISTS search_grams")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("issues", "0018_search_grams_index")]

    operations = [migrations.RunPython(add_column, drop_column, elidable=False)]
