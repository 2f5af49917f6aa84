"""Multi-row INSERTs for the daily run's tens of thousands of rows."""

from functools import partial

from django.db import connection


def insert(model, columns: list[str], values: list[tuple], *, ignore_conflicts=False) -> None:
    """Multi-row INSERTs straight from tuples. ``bulk_create`` builds and compiles a model
    instance per row, which is most of a daily run's time at tens of thousands of reminders.
    With ``ignore_conflicts`` a row whose unique key exists is skipped, as bulk_create does."""
    if not values:
        return
    ops = connection.ops
    fields = {f.attname: f for f in model._meta.concrete_fields}
    adapters = []
    for name in columns:
        kind = fields[name].get_internal_type()
        adapters.append(
            ops.adapt_datetimefield_value
            if kind == "DateTimeField"
            else ops.adapt_datefield_value
            if kind == "DateField"
            else partial(fields[name].get_db_prep_save, connection=connection)
            if kind == "JSONField"
            else None
        )
    sqlite = connection.vendor == "sqlite"
    verb = "INSERT OR IGNORE INTO" if ignore_conflicts and sqlite else "INSERT INTO"
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts and not sqlite else ""
    names = ", ".join(ops.quote_name(fields[c].column) for c in columns)
    head = f"{verb} {ops.quote_name(model._meta.db_table)} ({names}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    limit = 30_000 if not sqlite or _sqlite_many() else 900  # parameters per statement
    per_statement = max(1, limit // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            part = values[start : start + per_statement]
            params = [
                adapt(value) if adapt and value is not None else value
                for row in part
                for value, adapt in zip(row, adapters, strict=True)
            ]
            cursor.execute(head + ", ".join([one] * len(part)) + tail, params)


def _sqlite_many() -> bool:
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 32, 0)  # 32,766 parameters per statement
