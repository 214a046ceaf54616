"""Report periods in the tenant's time zone (pure): presets and custom date ranges."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..errors import Invalid

PRESETS = {"today": 1, "7d": 7, "30d": 30, "45d": 45}
MAX_DAYS = 400


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of a local day, in UTC (aware arithmetic across a DST change needs one zone)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def resolve(preset: str | None, since: date | None, until: date | None, zone_name: str, now: datetime
            ) -> tuple[datetime, datetime]:
    """[start, end) of a report: ``today``/``7d``/``30d``/``45d`` are that many calendar days up to
    and including today; ``custom`` (or no preset with ``from``) is ``from``..``to`` inclusive, in
    the tenant's zone. No preset and no dates: today."""
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    if preset in (None, "custom") and (since is not None or until is not None or preset == "custom"):
        if since is None:
            raise Invalid("from", "a custom period needs from (YYYY-MM-DD)")
        until = until or today
        if until < since:
            raise Invalid("to", "is before from")
        if (until - since).days >= MAX_DAYS:
            raise Invalid("to", f"a period is at most {MAX_DAYS} days")
        return local_midnight(since, zone), local_midnight(until + timedelta(days=1), zone)
    if preset is not None and (since is not None or until is not None):
        raise Invalid("from", f"from/to go with preset=custom, not preset={preset}")
    days = PRESETS[preset or "today"]
    first = today - timedelta(days=days - 1)
    return local_midnight(first, zone), local_midnight(today + timedelta(days=1), zone)
