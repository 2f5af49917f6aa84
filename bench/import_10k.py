"""How long the ledger import (issues/imports/) takes for a file of 10,000 rows.

    DATABASE_URL=<a database of your own> .venv/bin/python bench/import_10k.py
    make bench-import     (a fresh database of the bench's own: $BENCH_PG + "_import")

The database named by DATABASE_URL (or SQLITE_PATH) is migrated, given the sample ledger's
departments, categories and enterprises (tests/issues/import_sample.py, 300 of them), and a
workbook of --rows rows is written with the sample's generator (its planted mistakes in the
first 200 rows; every run's titles are new, so nothing is skipped as already imported). Then
the three steps the import job runs are timed one by one, as the worker runs them: reading
the file, checking every row, importing the rows without errors in one transaction (through
issues.services.issues_import). The target (issue 18): under a minute on PostgreSQL for
10,000 rows. Exits 1 when the import step misses --target seconds.
"""

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roundtable.settings")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--target", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--json", help="also write the timings to this file")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="drop (if a bench script made it) and create DATABASE_URL's database first "
        "(bench/databases.py: its name must contain 'bench')",
    )
    args = parser.parse_args(argv)
    if args.fresh:
        from bench import databases

        databases.pg_recreate(os.environ.get("DATABASE_URL", ""))

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from issues.imports import checking, reading, running
    from roundtable.accounts.models import User
    from tests.issues import import_sample

    import_sample.build_world(enterprises=300)
    owner, _created = User.objects.get_or_create(username="bench_importer")
    owner.groups.add(*Group.objects.filter(name="commerce_staff"))
    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)

    run = str(int(time.time()))
    problems = [f"{p}（批次{run}）" for p in import_sample._PROBLEMS]
    rows = import_sample.sample_rows(args.rows, problems=problems, enterprises=300)
    out = io.BytesIO()
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(import_sample.HEADER)
    for row in rows:
        book.active.append(row)
    book.save(out)
    data = out.getvalue()

    timings = {"backend": connection.vendor, "rows": args.rows, "bytes": len(data)}
    started, cpu = time.perf_counter(), time.process_time()
    table = reading.read_table(data, "bench.xlsx")
    timings["read_s"] = time.perf_counter() - started
    timings["read_cpu_s"] = time.process_time() - cpu
    from issues.imports.columns import guess_mapping

    started, cpu = time.perf_counter(), time.process_time()
    checked = checking.check_table(table, guess_mapping(table.header))
    timings["check_s"] = time.perf_counter() - started
    timings["check_cpu_s"] = time.process_time() - cpu
    backend = _backend_cpu(connection)
    started, cpu = time.perf_counter(), time.process_time()
    created = running.import_rows(owner=owner, rows=checked, file_name="bench.xlsx")
    timings["import_s"] = time.perf_counter() - started
    # The CPU time the step took, here and in the database's backend process: on a shared
    # machine the wall time above also counts the waits for a core (see the load average
    # printed below); on an idle one it is about their sum.
    timings["import_cpu_s"] = time.process_time() - cpu
    if backend is not None:
        timings["import_db_cpu_s"] = _backend_cpu(connection) - backend
    timings["created"] = len(created)
    timings["total_s"] = timings["read_s"] + timings["check_s"] + timings["import_s"]
    timings["load_average"] = os.getloadavg()[0]
    for key, value in timings.items():
        print(f"{key:>10}: {value:.2f}" if isinstance(value, float) else f"{key:>10}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(timings, indent=2))
    return 0 if timings["total_s"] < args.target else 1


def _backend_cpu(connection) -> float | None:
    """CPU seconds of the PostgreSQL backend serving ``connection`` (Linux, a server on this
    machine whose /proc we may read); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
