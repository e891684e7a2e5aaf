"""ISO 8601 durations of whole days and more (``P2Y``, ``P18M``, ``P1Y6M``, ``P90D``, ``P6W``).

Validity periods are calendar periods: ``P1Y`` from 29 February ends on 28 February, and
``P1M`` from 31 January ends on the last day of February (the day is clamped to the month).
Time components (``PT12H``) are refused: a certificate's validity is counted in days.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PATTERN = re.compile(r"^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$")


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    days: int = 0

    def after(self, start: datetime) -> datetime:
        """``start`` plus this period (ISO 8601-2: years and months first, then days)."""
        total = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + total // 12, total % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return start.replace(year=year, month=month, day=day) + timedelta(days=self.days)

    def before(self, end: datetime) -> datetime:
        """``end`` minus this period (for renewal windows)."""
        total = end.month - 1 - self.months - 12 * self.years
        year, month = end.year + total // 12, total % 12 + 1
        day = min(end.day, calendar.monthrange(year, month)[1])
        return end.replace(year=year, month=month, day=day) - timedelta(days=self.days)


def parse_duration(text: str) -> Duration:
    """Raises ValueError with the expected form when ``text`` is not such a duration."""
    match = _PATTERN.match(text)
    if not match or text == "P" or not any(match.groups()):
        raise ValueError(
            f"{text!r} is not an ISO 8601 duration of years, months, weeks or days "
            '(e.g. "P2Y", "P18M", "P90D")'
        )
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    if years == months == weeks == days == 0:
        raise ValueError(f"{text!r} is an empty period")
    return Duration(years, months, days + 7 * weeks)
