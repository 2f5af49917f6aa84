"""Reference numbers: ``RT-2026-00042``, unique per year and never reused."""

from django.db import connection, transaction

from issues.models import ReferenceCounter


def next_reference(year: int) -> tuple[int, str]:
    """Take the next number for ``year``. Call inside the transaction that creates the issue:
    the counter row stays locked until it commits, so concurrent creators queue up and a
    rolled-back creation gives its number back."""
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic"
    # One statement, on PostgreSQL and SQLite alike: the year's row is created at 1 or raised
    # by one, and locked until the transaction ends, without racing another creator.
    table, year_, last_ = map(
        connection.ops.quote_name, (ReferenceCounter._meta.db_table, "year", "last")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({year_}, {last_}) VALUES (%s, 1) ON CONFLICT ({year_}) "
            f"DO UPDATE SET {last_} = {table}.{last_} + 1 RETURNING {last_}",
            [year],
        )
        (last,) = cursor.fetchone()
    return last, format_reference(year, last)


def next_references(year: int, count: int) -> list[tuple[int, str]]:
    """Take ``count`` consecutive numbers for ``year`` at once (an import's batch), in the
    same one statement and under the same lock as ``next_reference``."""
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic"
    table, year_, last_ = map(
        connection.ops.quote_name, (ReferenceCounter._meta.db_table, "year", "last")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({year_}, {last_}) VALUES (%s, %s) ON CONFLICT ({year_}) "
            f"DO UPDATE SET {last_} = {table}.{last_} + %s RETURNING {last_}",
            [year, count, count],
        )
        (last,) = cursor.fetchone()
    return [(n, format_reference(year, n)) for n in range(last - count + 1, last + 1)]


def format_reference(year: int, sequence: int) -> str:
    return f"RT-{year}-{sequence:05d}"
