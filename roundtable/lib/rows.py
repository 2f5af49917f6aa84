"""Many rows without model instances: ``RowWriter`` writes tuples in the order of its columns,
by ``COPY … FROM STDIN`` on PostgreSQL and by multi-row INSERTs elsewhere.

``bulk_create`` builds and compiles a model instance per row, which is most of the time at
tens of thousands of rows (the daily reminder run, bench/'s bulk loader); a multi-row INSERT
still has psycopg split a query of 30,000 placeholders on the client; COPY streams the rows.
Values go through the backend's own date, datetime and JSON adapters, as Django's would.

With ``ignore_conflicts`` a row whose unique key is already in the table is skipped, as
``bulk_create(ignore_conflicts=True)`` does: on PostgreSQL the rows are copied into a
temporary table and moved with ``INSERT … SELECT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import sqlite3
import uuid
from functools import partial

from django.db import connection, transaction


class RowWriter:
    def __init__(self, model, columns: list[str], *, ignore_conflicts: bool = False):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        qn = connection.ops.quote_name
        self.ignore_conflicts = ignore_conflicts
        self.table = qn(model._meta.db_table)
        self.names = ", ".join(qn(fields[c].column) for c in columns)
        self.width = len(columns)
        ops = connection.ops
        self.adapters, self.copy_adapters = [], []
        for col in columns:
            kind = fields[col].get_internal_type()
            json = (
                partial(fields[col].get_db_prep_save, connection=connection)
                if kind == "JSONField"
                else None
            )
            self.adapters.append(
                ops.adapt_datetimefield_value
                if kind == "DateTimeField"
                else ops.adapt_datefield_value
                if kind == "DateField"
                else json
            )
            # COPY adapts dates, aware datetimes, booleans and None itself; JSON needs its
            # wrapper to reach a jsonb column.
            self.copy_adapters.append(json)
        # SQLite allows 32,766 parameters per statement since 3.32; stay well below, and below
        # Django's own guess for older builds.
        limit = 30_000 if connection.vendor != "sqlite" or _sqlite_new() else 999
        self.rows_per_statement = max(1, limit // self.width)

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._insert(rows)

    @staticmethod
    def _adapted(rows, adapters):
        adapters = [(i, f) for i, f in enumerate(adapters) if f is not None]
        if not adapters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            out.append(row)
        return out

    def _insert(self, rows: list[tuple]) -> None:
        params = self._adapted(rows, self.adapters)
        sqlite = connection.vendor == "sqlite"
        verb = "INSERT OR IGNORE INTO" if self.ignore_conflicts and sqlite else "INSERT INTO"
        tail = " ON CONFLICT DO NOTHING" if self.ignore_conflicts and not sqlite else ""
        head = f"{verb} {self.table} ({self.names}) VALUES "
        one = "(" + ", ".join(["%s"] * self.width) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(params), self.rows_per_statement):
                part = params[start : start + self.rows_per_statement]
                cursor.execute(
                    head + ", ".join([one] * len(part)) + tail,
                    [value for row in part for value in row],
                )

    def _copy(self, rows: list[tuple]) -> None:
        rows = self._adapted(rows, self.copy_adapters)
        if not self.ignore_conflicts:
            with connection.cursor() as cursor:
                self._copy_into(cursor, self.table, rows)
            return
        # In a transaction (a savepoint inside a caller's), so that a failure leaves no
        # temporary table behind in the session.
        with transaction.atomic(), connection.cursor() as cursor:
            staging = connection.ops.quote_name(f"rows_{uuid.uuid4().hex}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {self.names} FROM {self.table} WITH NO DATA"
            )
            self._copy_into(cursor, staging, rows)
            cursor.execute(
                f"INSERT INTO {self.table} ({self.names}) "
                f"SELECT {self.names} FROM {staging} ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {staging}")

    def _copy_into(self, cursor, table: str, rows) -> None:
        # psycopg's own cursor, so its errors are turned into Django's here (IntegrityError…).
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({self.names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def _sqlite_new() -> bool:
    return sqlite3.sqlite_version_info >= (3, 32, 0)
