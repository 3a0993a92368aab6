"""The period of the team lead's screens as a model: a preset (the last 4 weeks … 12 months) or
two days as the team lead typed them. The period picker's controls write every change into it
and show its errors; the typed days stay as typed. No Flet here."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.forms import Errors
from app.services.overview import PRESETS, Period, custom_period

CUSTOM = "custom"
"""The choice beside the presets: two days typed."""


@dataclass
class PeriodForm:
    preset: str = "3m"
    start: str = ""
    end: str = ""

    @property
    def custom(self) -> bool:
        return self.preset == CUSTOM

    def period(self) -> tuple[Period | None, Errors]:
        """The chosen period, or None and the errors per typed day."""
        if not self.custom:
            return Period.last(PRESETS[self.preset]), {}
        return custom_period(self.start, self.end)

    def fill_days(self) -> bool:
        """While no day is typed, start from the period shown at first (the last 3 months),
        ready to change; True when the days were filled."""
        if self.start:
            return False
        shown = Period.last(PRESETS["3m"])
        self.start, self.end = f"{shown.start:%d-%m-%Y}", f"{shown.end:%d-%m-%Y}"
        return True
