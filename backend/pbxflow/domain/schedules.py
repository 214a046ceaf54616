"""Schedules: named, reusable working hours with date exceptions (F-CMP-6).

Evaluation (``is_open``, ``next_change``) lives in ``pbxflow.schedule_eval`` and is
re-exported here; the semantics are written down in docs/components.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from ..schedule_eval import DAYS, hours_on, is_open, next_change  # noqa: F401  (the public evaluation API)
from . import kinds
from .common import Name, Text

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Clock = Annotated[str, msgspec.Meta(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$(?!\n)", description="HH:MM, 00:00-23:59")]
EndClock = Annotated[str, msgspec.Meta(pattern=r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$(?!\n)",
                                       description="HH:MM; 00:00 only together with start 00:00 (the whole day); 24:00 = until midnight")]
IsoDate = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$(?!\n)", description="YYYY-MM-DD")]
Note = Annotated[str, msgspec.Meta(max_length=100, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")]
ShortenMinutes = Annotated[int, msgspec.Meta(ge=0, le=720)]

MAX_PERIODS = 100
MAX_EXCEPTIONS = 3000
MAX_DAY_PERIODS = 24


class Period(msgspec.Struct, forbid_unknown_fields=True):
    """Weekdays and hours; half-open [start, end); never crosses midnight."""

    days: Annotated[list[Day], msgspec.Meta(min_length=1, max_length=7)]
    start: Clock
    end: EndClock


class Hours(msgspec.Struct, forbid_unknown_fields=True):
    start: Clock
    end: EndClock


class ScheduleException(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One date that differs from the week: closed (holiday) or open (moved working day)."""

    date: IsoDate
    open: bool = False
    # Only for open days: that day's hours; omitted = the usual hours (docs/components.md).
    periods: Annotated[list[Hours], msgspec.Meta(max_length=MAX_DAY_PERIODS)] | None = None
    # Only for open days: open time removed from the end of the day (a pre-holiday short day).
    shorten_minutes: ShortenMinutes = 0
    note: Note = ""


class ScheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Text = ""
    periods: Annotated[list[Period], msgspec.Meta(max_length=MAX_PERIODS)] = []
    exceptions: Annotated[list[ScheduleException], msgspec.Meta(max_length=MAX_EXCEPTIONS)] = []


class SchedulePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    periods: Annotated[list[Period], msgspec.Meta(max_length=MAX_PERIODS)] | UnsetType = UNSET
    exceptions: Annotated[list[ScheduleException], msgspec.Meta(max_length=MAX_EXCEPTIONS)] | UnsetType = UNSET


def check_hours(field: str, start: str, end: str) -> tuple[str, str]:
    """A period's start and end, canonical; ``field`` is the period's path."""
    if start == "00:00" and end in ("00:00", "24:00"):
        return "00:00", "00:00"  # the whole day
    if end == "24:00":
        return start, end
    if end <= start:  # HH:MM strings order like the times they name
        raise Invalid(f"{field}.end", f"must be after start {start}: periods do not cross midnight "
                      "(00:00-00:00 is the whole day; end at 24:00 for 'until midnight', or split the period in two)")
    return start, end


def parse_date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def check_exception(field: str, exc: dict) -> dict:
    """One exception (as plain data after struct conversion), canonical."""
    parse_date(f"{field}.date", exc["date"])
    out = {"date": exc["date"], "open": exc.get("open", False)}
    periods = exc.get("periods")
    shorten_by = exc.get("shorten_minutes") or 0
    if not out["open"]:
        if periods is not None:
            raise Invalid(f"{field}.periods", "a closed day has no hours (set open: true for a working day)")
        if shorten_by:
            raise Invalid(f"{field}.shorten_minutes", "only an open day can be shortened")
    if periods is not None:
        if not periods:
            raise Invalid(f"{field}.periods", "an open day needs at least one period; omit periods for the usual hours")
        out["periods"] = []
        for k, p in enumerate(periods):
            start, end = check_hours(f"{field}.periods[{k}]", p["start"], p["end"])
            out["periods"].append({"start": start, "end": end})
    if shorten_by:
        out["shorten_minutes"] = shorten_by
    if exc.get("note"):
        out["note"] = exc["note"]
    return out


def sorted_days(days: list[str]) -> list[str]:
    return [d for d in DAYS if d in days]


def convert(data: dict, struct: type[msgspec.Struct]) -> dict:
    """Struct conversion with a readable message for a malformed time or date."""
    try:
        return kinds.to_plain(kinds.convert(data, struct))
    except Invalid as exc:
        last = exc.field.rsplit(".", 1)[-1]
        if "matching regex" in exc.detail and last in ("start", "end", "date"):
            raise Invalid(exc.field, "must be a date YYYY-MM-DD" if last == "date" else
                          "must be a time HH:MM (00:00-23:59; 24:00 as an end)") from None
        raise


class ScheduleKind(kinds.Kind):
    name = "schedule"
    collection = "schedules"
    create_struct = ScheduleIn
    patch_struct = SchedulePatch
    search_fields = ("name", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = convert(data, ScheduleIn)
        periods = []
        for i, p in enumerate(doc["periods"]):
            start, end = check_hours(f"periods[{i}]", p["start"], p["end"])
            periods.append({"days": sorted_days(p["days"]), "start": start, "end": end})
        doc["periods"] = periods
        seen: dict[str, int] = {}
        exceptions = []
        for j, exc in enumerate(doc["exceptions"]):
            field = f"exceptions[{j}]"
            if exc["date"] in seen:
                raise Invalid(f"{field}.date", f"{exc['date']} appears twice (also exceptions[{seen[exc['date']]}])")
            seen[exc["date"]] = j
            exceptions.append(check_exception(field, exc))
        doc["exceptions"] = sorted(exceptions, key=lambda x: x["date"])
        return doc

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        return {"description": "", "periods": [], "exceptions": [], **data}


# --- production-calendar import (POST /schedules/{id}/calendar) --------------------------

CalendarType = Literal["holiday", "workday", "short"]
SHORT_DAY_MINUTES = 60  # Russian Labour Code art. 95: the day before a holiday is one hour shorter


class CalendarRow(msgspec.Struct, forbid_unknown_fields=True):
    date: IsoDate
    type: CalendarType
    note: Note = ""
    periods: Annotated[list[Hours], msgspec.Meta(max_length=MAX_DAY_PERIODS)] | None = None


def calendar_exception(field: str, row: dict) -> dict:
    """One production-calendar row as a schedule exception; ``field`` names the row."""
    try:
        item = convert(row, CalendarRow)
    except Invalid as exc:
        message = str(exc.detail).split(": ", 1)[-1]
        if exc.field == "type" and "enum" in message:
            message = f"{row.get('type')!r} is not a day type: holiday, workday or short"
        raise Invalid(f"{field}.{exc.field}" if exc.field != "body" else field, message) from None
    exc = {"date": item["date"], "open": item["type"] != "holiday", "note": item["note"]}
    if item["periods"] is not None:
        if item["type"] == "holiday":
            raise Invalid(f"{field}.periods", "a holiday has no hours")
        exc["periods"] = item["periods"]
    if item["type"] == "short":
        exc["shorten_minutes"] = SHORT_DAY_MINUTES
    return check_exception(field, exc)


def merge_calendar(exceptions: list[dict], imported: list[dict]) -> list[dict]:
    """The schedule's exceptions with the imported days added; an imported date replaces an existing one."""
    by_date = {x["date"]: x for x in exceptions}
    by_date.update((x["date"], x) for x in imported)
    return [by_date[d] for d in sorted(by_date)]


SCHEDULE = kinds.register(ScheduleKind())
