"""Where the benchmarks keep their databases: one setting, one owner.

- **One setting.** ``BENCH_PG`` (environment; ``make bench`` passes its own variable of that
  name) is the PostgreSQL URL every bench script starts from; each size gets its own database,
  ``<name>_<size>`` (``roundtable_bench_100000``), and SQLite files live in ``BENCH_DB_DIR``
  (default ``bench/out/db/``) as ``bench-<size>.sqlite3``. So the 100,000-issue database is
  built once per ``make bench`` and every later script reuses it.
- **One owner.** A database is dropped only if a bench script created it: creation writes a
  comment on the database (``COMMENT ON DATABASE``), and a database without that comment is
  never dropped, whatever its name. As before, the server must be on the loopback interface and
  the name must contain ``bench``.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/roundtable_bench"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# Synthetic enterprises added to every bench database (on top of the demo's), so that the
# ledger, the directory and the meeting pages are measured on the same data.
SYNTHETIC_ENTERPRISES = 1000
# And synthetic users: a few liaisons per department, some commerce staff, and enterprise
# contacts with portal accounts (roundtable/dashboard/demo/bulk_users.py).
SYNTHETIC_USERS = 500
OWNER_MARK = "roundtable bench: created by bench/, dropped and rebuilt by it"


def base_url() -> str:
    return os.environ.get("BENCH_PG") or DEFAULT_PG_URL


def url_for_size(base: str, size: int) -> str:
    parts = urlsplit(base)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{size}"))


def sqlite_path(size: int) -> Path:
    folder = Path(os.environ.get("BENCH_DB_DIR") or ROOT / "bench" / "out" / "db")
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve() / f"bench-{size}.sqlite3"


def pg_parts(url: str):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.hostname not in LOOPBACK:
        sys.exit(f"bench: PostgreSQL must be on the loopback interface, not {parts.hostname}")
    if "bench" not in name:
        sys.exit(f"bench: refusing to use database {name!r}: its name must contain 'bench'")
    return parts, name


def _connect(url: str, dbname: str):
    import psycopg

    parts, _name = pg_parts(url)
    conn = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=dbname,
    )
    conn.autocommit = True
    return conn


def pg_owner_mark(url: str) -> str | None:
    """The database's comment, or None when the database does not exist."""
    _parts, name = pg_parts(url)
    with _connect(url, "postgres") as admin, admin.cursor() as cur:
        cur.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [name],
        )
        row = cur.fetchone()
    return None if row is None else row[0]


def pg_exists(url: str) -> bool:
    try:
        return pg_owner_mark(url) is not None
    except Exception:  # noqa: BLE001 - no server: nothing to reuse
        return False


def pg_recreate(url: str) -> None:
    """Drop (if a bench script made it) and create the database, marked as the bench's own."""
    from psycopg import sql

    _parts, name = pg_parts(url)
    mark = pg_owner_mark(url)
    if mark is not None and mark != OWNER_MARK:
        sys.exit(
            f"bench: database {name!r} exists and was not created by a bench script (no "
            f"'{OWNER_MARK}' comment): not dropping it. Drop it yourself or set BENCH_PG "
            "to another name."
        )
    with _connect(url, "postgres") as admin, admin.cursor() as cur:
        ident = sql.Identifier(name)
        if mark is not None:
            cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        cur.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(OWNER_MARK)))


def pg_vacuum_analyze(url: str) -> None:
    """What autovacuum does soon after a bulk load on a live server: statistics for the
    planner and a visibility map for index-only scans."""
    _parts, name = pg_parts(url)
    with _connect(url, name) as conn, conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def sqlite_remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
