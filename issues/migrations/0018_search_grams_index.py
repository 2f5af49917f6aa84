# Search of one- and two-character terms from an index (PostgreSQL only).
#
# The ledger's search is a substring match (issues.filters.search). The trigram indexes of
# migration 0005 serve terms of three characters or more, but pg_trgm cannot take a term of
# one or two characters (税, 用地, 审批) from its index, so those read the whole table. This
# index holds every character and every pair of adjacent characters of UPPER(reference),
# UPPER(title) and UPPER(description): a term of one or two characters is found in a column
# exactly when the column's grams contain UPPER(term), so `grams @> ARRAY[UPPER(term)]`
# selects the candidates from the index and the usual LIKE, checked on them only, keeps the
# answer what it was.
#
# It is an expression index: PostgreSQL computes the grams itself, with its own UPPER(), on
# every insert and update (services, the demo's bulk loader, the bench, the admin, raw SQL
# alike), and CREATE INDEX fills it for the rows already there. Nothing else maintains it.
# The function is IMMUTABLE (it depends on nothing but its arguments) and costed high so that
# the planner evaluates it from the index, never row by row over the table. Not in the model's
# Meta, because SQLite cannot build it; on SQLite the search stays a plain LIKE.

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION issue_search_grams(reference text, title text, description text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 10000 AS $$
    SELECT array(
        SELECT m[1]
        FROM unnest(ARRAY[UPPER(reference), UPPER(title), UPPER(description)]) AS s,
        LATERAL (
            SELECT regexp_matches(s, '.', 'g')
            UNION ALL SELECT regexp_matches(s, '..', 'g')
            UNION ALL SELECT regexp_matches(substr(s, 2), '..', 'g')
        ) AS g(m)
    )
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS issue_search_grams ON issues_issue "
    "USING gin (issue_search_grams(reference, title, description))"
)


def create_grams_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(INDEX)


def drop_grams_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS issue_search_grams")
    schema_editor.execute("DROP FUNCTION IF EXISTS issue_search_grams(text, text, text)")


class Migration(migrations.Migration):
    dependencies = [("issues", "0017_sort_order")]

    operations = [migrations.RunPython(create_grams_index, drop_grams_index, elidable=False)]
