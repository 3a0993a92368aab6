"""The period picker's model without Flet: a preset is the last so many days; typed days are
checked as the team lead typed them and stay so when wrong; choosing "custom" starts from the
period shown at first, without overwriting days already typed."""

from __future__ import annotations

from datetime import date

from app.services.overview import PRESETS, Period
from app.services.period_form import CUSTOM, PeriodForm


def test_a_preset_is_the_last_so_many_days():
    assert PeriodForm("12m").period() == (Period.last(PRESETS["12m"]), {})
    assert not PeriodForm().custom


def test_typed_days_are_checked_and_stay_as_typed():
    form = PeriodForm(CUSTOM, "1-4-2026", "31-3-2026")
    assert form.period() == (None, {"end": "error.period_order"})
    assert (form.start, form.end) == ("1-4-2026", "31-3-2026")
    form.end = "30-4-2026"
    assert form.period() == (Period(date(2026, 4, 1), date(2026, 4, 30)), {})


def test_custom_starts_from_the_period_shown_and_keeps_typed_days():
    form = PeriodForm(CUSTOM)
    assert form.fill_days() is True
    shown = Period.last(PRESETS["3m"])
    assert form.period() == (shown, {})
    form.start = "1-1-2026"
    assert form.fill_days() is False and form.start == "1-1-2026"
