"""When is a schedule open? Pure evaluation of a stored schedule (F-CMP-6).

Shared by the API, the routing simulator and the dialplan compiler. A schedule is the stored
document of the ``schedule`` kind (``domain/schedules.py``)::

    {"periods": [{"days": ["mon", ...], "start": "09:00", "end": "18:00"}, ...],
     "exceptions": [{"date": "2025-01-01", "open": false},
                    {"date": "2025-11-01", "open": true},                        # moved working day
                    {"date": "2025-03-07", "open": true, "shorten_minutes": 60},  # short day
                    {"date": "2025-12-31", "open": true, "periods": [{"start": "10:00", "end": "14:00"}]}]}

Semantics (docs/components.md):

* Time is local wall-clock time in the tenant's IANA zone. An instant is converted to that
  zone; its local date and time decide. In a DST gap nothing is evaluated (those wall times
  never happen); in a DST overlap both occurrences of a wall time answer the same.
* A period is half-open, ``[start, end)``, on each of its days; ``00:00``–``00:00`` (or
  ``00:00``–``24:00``) is the whole day. Periods never cross midnight; overlapping periods
  simply add up.
* An exception for a date replaces that date's weekday hours entirely. ``open: false`` is
  closed all day. ``open: true`` uses the exception's own ``periods`` when given; otherwise
  the date's weekday hours if that weekday has any, else the *standard working day* (the
  hours of the first weekday, Monday first, that has any), else the whole day.
  ``shorten_minutes`` then removes that much open time from the end of the day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60

Interval = tuple[int, int]  # minutes from local midnight, half-open [start, end)


@lru_cache(maxsize=64)
def zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def clock_minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def bounds(start: str, end: str) -> Interval:
    """A period's minutes; an end of 00:00 (or 24:00) is midnight at the end of the day."""
    s, e = clock_minutes(start), clock_minutes(end)
    if e == 0:
        e = DAY_MINUTES
    return s, e


def merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(i for i in intervals if i[1] > i[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def weekday_hours(schedule: dict, weekday: int) -> list[Interval]:
    """Merged hours of a weekday (0 = Monday) from the schedule's periods."""
    name = DAYS[weekday]
    return merge([bounds(p["start"], p["end"]) for p in schedule.get("periods") or () if name in p["days"]])


def standard_hours(schedule: dict) -> list[Interval]:
    """The standard working day: the first weekday (Monday first) with hours; else the whole day."""
    for weekday in range(7):
        hours = weekday_hours(schedule, weekday)
        if hours:
            return hours
    return [(0, DAY_MINUTES)]


def shorten(hours: list[Interval], minutes: int) -> list[Interval]:
    """Remove ``minutes`` of open time from the end of the day (a pre-holiday short day)."""
    out = list(hours)
    while minutes > 0 and out:
        s, e = out[-1]
        if e - s > minutes:
            out[-1] = (s, e - minutes)
            break
        minutes -= e - s
        out.pop()
    return out


def exceptions_by_date(schedule: dict) -> dict[str, dict]:
    return {x["date"]: x for x in schedule.get("exceptions") or ()}


def hours_on(schedule: dict, day: date, exceptions: dict[str, dict] | None = None) -> list[Interval]:
    """The open hours of a local date, exceptions applied."""
    if exceptions is None:
        exceptions = exceptions_by_date(schedule)
    exc = exceptions.get(day.isoformat())
    if exc is None:
        return weekday_hours(schedule, day.weekday())
    if not exc.get("open"):
        return []
    if exc.get("periods") is not None:
        hours = merge([bounds(p["start"], p["end"]) for p in exc["periods"]])
    else:
        hours = weekday_hours(schedule, day.weekday()) or standard_hours(schedule)
    return shorten(hours, int(exc.get("shorten_minutes") or 0))


def _check_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be timezone-aware")


def _open_local(hours: list[Interval], local: datetime) -> bool:
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return any(s * 60 <= seconds < e * 60 for s, e in hours)


def is_open(schedule: dict, instant: datetime, tz: str) -> bool:
    """Whether the schedule is open at ``instant`` (aware) in the IANA zone ``tz``."""
    _check_aware(instant)
    local = instant.astimezone(zone(tz))
    return _open_local(hours_on(schedule, local.date()), local)


def _instants(day: date, minute: int, tz: ZoneInfo) -> list[datetime]:
    """Every UTC instant whose local wall time is ``day`` + ``minute`` (0, 1 or 2 of them)."""
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    out = []
    for fold in (0, 1):
        utc = wall.replace(tzinfo=tz, fold=fold).astimezone(timezone.utc)
        if utc.astimezone(tz).replace(tzinfo=None) == wall and utc not in out:
            out.append(utc)
    return out


def _transitions(day: date, tz: ZoneInfo) -> list[datetime]:
    """The UTC-offset change during a local day, if any (found by bisection, to the second)."""
    lo = datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
    hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    before, after = lo.astimezone(tz).utcoffset(), hi.astimezone(tz).utcoffset()
    if before == after:
        return []
    a, b = int(lo.timestamp()), int(hi.timestamp())
    while b - a > 1:
        mid = (a + b) // 2
        if datetime.fromtimestamp(mid, timezone.utc).astimezone(tz).utcoffset() == before:
            a = mid
        else:
            b = mid
    return [datetime.fromtimestamp(b, timezone.utc)]


def next_change(schedule: dict, instant: datetime, tz: str) -> datetime | None:
    """The first instant after ``instant`` at which ``is_open`` answers differently (UTC), or
    None when it never changes (always open or always closed from then on)."""
    _check_aware(instant)
    zi = zone(tz)
    exceptions = exceptions_by_date(schedule)
    cache: dict[date, list[Interval]] = {}

    def hours(day: date) -> list[Interval]:
        if day not in cache:
            cache[day] = hours_on(schedule, day, exceptions)
        return cache[day]

    def open_at(utc: datetime) -> bool:
        local = utc.astimezone(zi)
        return _open_local(hours(local.date()), local)

    state = open_at(instant)
    first = instant.astimezone(zi).date() - timedelta(days=1)
    last_exception = max((date.fromisoformat(d) for d in exceptions), default=first)
    # After the last exception the week repeats; two more weeks cover a DST-shifted week too.
    horizon = max(first, last_exception) + timedelta(days=15)
    day = first
    while day <= horizon:
        chunk = [day + timedelta(days=i) for i in range(9)]
        candidates: set[datetime] = set()
        for d in chunk:
            minutes = {0} | {m for s, e in hours(d) for m in (s, e) if m < DAY_MINUTES}
            for m in minutes:
                candidates.update(_instants(d, m, zi))
            candidates.update(_transitions(d, zi))
        # Candidates near the chunk's end may interleave with the next chunk's (DST at midnight).
        limit = datetime.combine(chunk[7], time(0), tzinfo=zi).astimezone(timezone.utc)
        for c in sorted(candidates):
            if c <= instant:
                continue
            if c >= limit:
                break
            if open_at(c) != state:
                return c
        day = chunk[6]
    return None
