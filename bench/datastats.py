"""What a benchmark database holds: counts and text lengths, for bench/README.md's comparison
of the bulk rows with the demo's base set, `make bench`'s report (bench/measure.py data) and
tests/test_bench_data.py.

``profile(issues)`` describes a set of issues (all of them, or the bulk rows only): how many,
how many distinct titles, title and description lengths, the share in English, timeline
entries, progress notes and history rows per issue. ``totals()`` counts enterprises, users
and liaisons. Run it on a database: ``DATABASE_URL=… python bench/datastats.py``.
"""

import re
import statistics
import sys
from pathlib import Path

CJK = re.compile(r"[\u3400-\u9fff]")


def is_english(text: str) -> bool:
    """Text with no Chinese character in it."""
    return bool(text) and CJK.search(text) is None


def _quantiles(values: list[int]) -> dict:
    if not values:
        return {"min": 0, "p10": 0, "median": 0, "p90": 0, "max": 0}
    ordered = sorted(values)

    def at(q: float) -> int:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "min": ordered[0],
        "p10": at(0.1),
        "median": int(statistics.median(ordered)),
        "p90": at(0.9),
        "max": ordered[-1],
    }


def profile(issues=None) -> dict:
    """Counts and lengths of ``issues`` (a queryset; default: every issue)."""
    from django.db.models import Count
    from django.db.models.functions import Length

    from issues.models import ActionUpdate, Issue

    issues = Issue.objects.all() if issues is None else issues
    ids = issues.order_by().values("pk")
    n = issues.count()
    titles = list(issues.order_by().values_list("title", flat=True))
    descriptions = list(
        issues.order_by().annotate(n=Length("description")).values_list("n", flat=True)
    )
    english = sum(1 for t in titles if is_english(t))
    updates = ActionUpdate.objects.filter(issue__in=ids)
    kinds = dict(updates.order_by().values_list("kind").annotate(n=Count("pk")))
    history = Issue.history.model.objects.filter(id__in=ids).count()
    progress = ActionUpdate.objects.filter(issue__in=ids, kind=ActionUpdate.Kind.PROGRESS)
    with_progress = progress.order_by().values("issue").distinct().count()
    return {
        "issues": n,
        "distinct_titles": len(set(titles)),
        "title_length": _quantiles([len(t) for t in titles]),
        "english_titles_share": round(english / n, 3) if n else 0.0,
        "empty_descriptions": sum(1 for d in descriptions if not d),
        "description_length": _quantiles([d for d in descriptions if d]),
        "timeline_entries_per_issue": round(sum(kinds.values()) / n, 2) if n else 0.0,
        "progress_notes": kinds.get(ActionUpdate.Kind.PROGRESS, 0),
        "issues_with_progress_notes": with_progress,
        "history_rows": history,
        "history_rows_per_issue": round(history / n, 2) if n else 0.0,
    }


def totals() -> dict:
    from departments.models import DepartmentMembership
    from roundtable.accounts.models import User
    from roundtable.enterprises.models import Enterprise

    liaisons = DepartmentMembership.objects.current().liaisons()
    return {
        "enterprises": Enterprise.objects.count(),
        "users": User.objects.count(),
        "liaisons": liaisons.count(),
        "departments_with_liaisons": liaisons.values("department").distinct().count(),
    }


def table(columns: dict[str, dict]) -> list[str]:
    """A Markdown table: one column per named profile (``profile`` results)."""
    names = list(columns)
    rows = [
        ("issues", lambda p: f"{p['issues']:,}"),
        ("distinct titles", lambda p: f"{p['distinct_titles']:,}"),
        ("titles in English", lambda p: f"{p['english_titles_share']:.0%}"),
        ("title length (median, max)", lambda p: _pair(p["title_length"], "median", "max")),
        ("empty descriptions", lambda p: f"{p['empty_descriptions']:,}"),
        (
            "description length (min / median / p90 / max)",
            lambda p: "{min} / {median} / {p90} / {max}".format(**p["description_length"]),
        ),
        ("timeline entries per issue", lambda p: f"{p['timeline_entries_per_issue']}"),
        ("progress notes", lambda p: f"{p['progress_notes']:,}"),
        ("history rows per issue", lambda p: f"{p['history_rows_per_issue']}"),
    ]
    lines = ["| | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(columns[n]) for n in names) + " |")
    return lines


def _pair(q: dict, a: str, b: str) -> str:
    return f"{q[a]}, {q[b]}"


def split(base_count: int) -> dict[str, dict]:
    """Profiles of the demo's base set (the first ``base_count`` issues by id: it is loaded
    first) and of the bulk rows after it."""
    from issues.models import Issue

    ids = Issue.objects.order_by("pk").values_list("pk", flat=True)
    last_base = ids[base_count - 1] if base_count else 0
    return {
        "demo base set": profile(Issue.objects.filter(pk__lte=last_base)),
        "bulk rows": profile(Issue.objects.filter(pk__gt=last_base)),
    }


def main() -> None:
    """Print the table for the database of DATABASE_URL or SQLITE_PATH; ``--base N`` splits
    the first N issues (the base set) from the rest."""
    import argparse
    import os

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=0, help="issues of the demo's base set")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roundtable.settings")
    django.setup()
    print("\n".join(table(split(args.base) if args.base else {"all issues": profile()})))
    print(totals())


if __name__ == "__main__":
    main()
