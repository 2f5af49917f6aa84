"""Reference numbers: ``RT-2026-00042``, unique per year and never reused."""

from django.db import connection, transaction

from issues.models import ReferenceCounter


def next_reference(year: int) -> tuple[int, str]:
    """Take the next number for ``year``. Call inside the transaction that creates the issue:
    the counter row stays locked until it commits, so concurrent creators queue up and a
    rolled-back creation gives its number back."""
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic"
    # Create the year's row if missing without racing another creator (ON CONFLICT DO NOTHING).
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    qs = ReferenceCounter.objects.filter(year=year)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    counter = qs.get()
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_reference(year, counter.last)


def format_reference(year: int, sequence: int) -> str:
    return f"RT-{year}-{sequence:05d}"
