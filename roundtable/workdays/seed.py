"""Seed the calendar tables from the chinese-calendar package (2004 to its last year)."""

from importlib.metadata import version

from chinese_calendar import constants


def seed_from_package(calendar_year_model, calendar_day_model, *, overwrite: bool = False):
    """Fill every year the package covers; returns (seeded years, first year, last year).

    Takes the models as arguments so that a data migration can pass its historical models.
    A year already published is kept unless ``overwrite``: an administrator may have corrected it.
    """
    years = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    source = f"chinese-calendar {version('chinese-calendar')}"
    seeded = 0
    for year in years:
        row, created = calendar_year_model.objects.get_or_create(year=year)
        if row.published and not created and not overwrite:
            continue
        calendar_day_model.objects.filter(date__year=year).delete()
        days = [
            calendar_day_model(date=d, kind="off", name=str(name))
            for d, name in constants.holidays.items()
            if d.year == year
        ] + [
            calendar_day_model(date=d, kind="work", name=str(name))
            for d, name in constants.workdays.items()
            if d.year == year
        ]
        calendar_day_model.objects.bulk_create(days)
        row.published = True
        row.source = source
        row.save()
        seeded += 1
    from roundtable.workdays import models

    if calendar_year_model is models.CalendarYear:
        # Outside migrations (whose own migration builds it): the table SQL counts with.
        from roundtable.workdays.ordinals import rebuild

        rebuild(calendar_year_model, calendar_day_model, models.WorkdayOrdinal)
    return seeded, years[0], years[-1]
