"""``opora calendar show YEAR``: the production calendar a region's deadlines are counted by, with sources.

Days off and working weekend days come from the ``holidays`` package (the Government's transfer decrees) and
the corrections of the calendar file; each line names its source so that a user can check it.
"""

from __future__ import annotations

import argparse
from typing import Any

from api.settings import from_args

MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def cmd_calendar_show(args: argparse.Namespace) -> int:
    """Print the year's days off and working weekend days with their sources, and working days per month."""
    from datetime import date, timedelta

    from engine.calendar import PACKAGE, load_calendar

    settings = from_args(args)
    calendar = load_calendar(settings.calendar, timezone=settings.timezone)
    year = args.year
    print(f"Производственный календарь на {year} год ({calendar.country}, {calendar.timezone}); "
          f"данные: {PACKAGE} и файл {settings.calendar}")
    if not calendar.has_transfers(year):
        print(f"Внимание: переносов выходных дней на {year} год нет в данных ({PACKAGE}): если постановление "
              f"Правительства уже принято, внесите его дни в файл календаря (working_days, days_off).")
    days = calendar.year_days(year)
    print("\nНерабочие праздничные и перенесённые дни:")
    for d in (x for x in days if not x.working):
        print(f"  {d.day.isoformat()} {WEEKDAYS[d.day.weekday()]}  {d.title} — {d.source}")
    print("\nРабочие дни в субботу или воскресенье:")
    working = [x for x in days if x.working]
    for d in working:
        print(f"  {d.day.isoformat()} {WEEKDAYS[d.day.weekday()]}  {d.title} — {d.source}")
    if not working:
        print("  нет")
    counts = [calendar.working_days_between(date(year, m, 1) - timedelta(days=1),
                                            (date(year, m + 1, 1) if m < 12 else date(year + 1, 1, 1))
                                            - timedelta(days=1)) for m in range(1, 13)]
    total_days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    print("\nРабочих дней по месяцам: " + ", ".join(f"{MONTHS[i]} {n}" for i, n in enumerate(counts)))
    print(f"Всего рабочих дней: {sum(counts)}, выходных и нерабочих праздничных: {total_days - sum(counts)}")
    return 0


def add_parsers(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """The ``calendar`` command group of ``opora``."""
    cal = sub.add_parser("calendar", help="производственный календарь").add_subparsers(
        dest="calendar_command", required=True, parser_class=parser_class)
    p = cal.add_parser("show", help="выходные, праздничные и рабочие субботы года с источниками")
    p.add_argument("year", type=int)
    p.set_defaults(handler=cmd_calendar_show)
