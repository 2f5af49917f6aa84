"""Bulk rows without model instances, for ``bulk.py``: ``RowWriter`` writes tuples in the
order of its columns, by ``COPY … FROM STDIN`` on PostgreSQL and by multi-row INSERTs
elsewhere. ``bulk_create`` spends most of its time building model instances and compiling
each value, which is minutes for a million rows; COPY is several times faster again than
INSERTs on PostgreSQL. Values go through the backend's own date and datetime adapters, as
Django's would."""

from __future__ import annotations

import sqlite3

from django.db import connection


class RowWriter:
    def __init__(self, model, columns: list[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        qn = connection.ops.quote_name
        self.columns = columns
        self.table = qn(model._meta.db_table)
        names = ", ".join(qn(fields[c].column) for c in columns)
        self.sql = f"INSERT INTO {self.table} ({names}) VALUES "
        self.copy_sql = f"COPY {self.table} ({names}) FROM STDIN"
        self.width = len(columns)
        adapt_dt = connection.ops.adapt_datetimefield_value
        adapt_d = connection.ops.adapt_datefield_value
        self.adapters = []
        for col in columns:
            kind = fields[col].get_internal_type()
            self.adapters.append(
                adapt_dt if kind == "DateTimeField" else adapt_d if kind == "DateField" else None
            )
        # SQLite allows 32,766 parameters per statement since 3.32; stay well below, and below
        # Django's own guess for older builds.
        limit = 30_000 if connection.vendor != "sqlite" or _sqlite_new() else 999
        self.rows_per_statement = max(1, limit // self.width)

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
            return
        adapters = [(i, f) for i, f in enumerate(self.adapters) if f is not None]
        params = []
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            params.append(row)
        one = "(" + ", ".join(["%s"] * self.width) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(params), self.rows_per_statement):
                part = params[start : start + self.rows_per_statement]
                cursor.execute(
                    self.sql + ", ".join([one] * len(part)),
                    [value for row in part for value in row],
                )

    def _copy(self, rows: list[tuple]) -> None:
        """psycopg 3's COPY: it adapts dates, aware datetimes, booleans and None itself."""
        with connection.cursor() as cursor, cursor.cursor.copy(self.copy_sql) as copy:
            for row in rows:
                copy.write_row(row)


def _sqlite_new() -> bool:
    return sqlite3.sqlite_version_info >= (3, 32, 0)
