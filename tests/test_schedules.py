"""Schedules (F-CMP-6): validation of periods and exceptions, and the pure evaluation
``is_open`` / ``next_change`` in the tenant's time zone (local wall-clock semantics, DST)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxflow.domain import schedules
from pbxflow.domain.schedules import SCHEDULE, calendar_exception, merge_calendar
from pbxflow.errors import Invalid
from pbxflow.schedule_eval import DAYS, is_open, next_change

UTC = timezone.utc
ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata",
         "Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo"]
# Instants on and around DST changes (and plain days), 2019-2027.
TRANSITIONS = [
    datetime(2025, 3, 30, 1, 0, tzinfo=UTC), datetime(2025, 10, 26, 1, 0, tzinfo=UTC),  # Europe/Berlin
    datetime(2025, 3, 9, 7, 0, tzinfo=UTC), datetime(2025, 11, 2, 6, 0, tzinfo=UTC),  # America/New_York
    datetime(2024, 4, 6, 15, 0, tzinfo=UTC), datetime(2024, 10, 5, 15, 30, tzinfo=UTC),  # Australia/Lord_Howe (30 min)
    datetime(2019, 2, 17, 2, 0, tzinfo=UTC), datetime(2019, 11, 3, 3, 0, tzinfo=UTC),  # America/Sao_Paulo (at midnight)
    datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
]

instants = st.one_of(
    st.builds(lambda base, minutes: base + timedelta(minutes=minutes), st.sampled_from(TRANSITIONS), st.integers(-3000, 3000)),
    st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
)
zones = st.sampled_from(ZONES)
day_sets = st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def periods(draw) -> dict:
    if draw(st.integers(0, 4)) == 0:
        return {"days": draw(day_sets), "start": "00:00", "end": "00:00"}
    start = draw(st.integers(0, 47)) * 30
    end = draw(st.integers(start // 30 + 1, 48)) * 30
    return {"days": draw(day_sets), "start": hhmm(start), "end": "24:00" if end == 1440 else hhmm(end)}


def schedule(periods_=(), exceptions=()) -> dict:
    return SCHEDULE.normalise({"name": "S", "periods": list(periods_), "exceptions": list(exceptions)}, tenant=None, current=None)


def local_open_reference(periods_: list[dict], local: datetime) -> bool:
    """Independent reference for schedules without exceptions: the local wall clock decides."""
    minute = local.hour * 60 + local.minute
    for p in periods_:
        start = int(p["start"][:2]) * 60 + int(p["start"][3:])
        end = int(p["end"][:2]) * 60 + int(p["end"][3:])
        if end == 0:
            end = 1440
        if DAYS[local.weekday()] in p["days"] and start <= minute < end:
            return True
    return False


# --- validation -------------------------------------------------------------------------------

@given(good=st.lists(periods(), max_size=4), bad_start=st.integers(1, 1439), data=st.data())
def test_periods_never_cross_midnight(good, bad_start, data):
    bad_end = data.draw(st.integers(0, bad_start))  # at or before the start: would cross midnight (not 00:00-00:00)
    position = data.draw(st.integers(0, len(good)))
    periods_ = [*good[:position], {"days": ["mon"], "start": hhmm(bad_start), "end": hhmm(bad_end)}, *good[position:]]
    with pytest.raises(Invalid) as err:
        schedule(periods_)
    assert err.value.field == f"periods[{position}].end"
    assert "midnight" in err.value.detail


@given(st.lists(periods(), max_size=6))
def test_valid_periods_are_kept_canonically(periods_):
    doc = schedule(periods_)
    assert len(doc["periods"]) == len(periods_)
    for given_, kept in zip(periods_, doc["periods"]):
        assert kept["days"] == [d for d in DAYS if d in given_["days"]]  # week order
        whole = given_["start"] == "00:00" and given_["end"] in ("00:00", "24:00")
        assert (kept["start"], kept["end"]) == (("00:00", "00:00") if whole else (given_["start"], given_["end"]))


@pytest.mark.parametrize("body, field", [
    ({"periods": [{"days": ["mon"], "start": "18:00", "end": "00:00"}]}, "periods[0].end"),
    ({"periods": [{"days": ["mon"], "start": "10:00", "end": "10:00"}]}, "periods[0].end"),
    ({"periods": [{"days": ["mon"], "start": "9:00", "end": "18:00"}]}, "periods[0].start"),
    ({"periods": [{"days": ["mon"], "start": "09:00", "end": "24:01"}]}, "periods[0].end"),
    ({"periods": [{"days": ["mon"], "start": "24:00", "end": "24:00"}]}, "periods[0].start"),
    ({"periods": [{"days": [], "start": "09:00", "end": "18:00"}]}, "periods[0].days"),
    ({"periods": [{"days": ["monday"], "start": "09:00", "end": "18:00"}]}, "periods[0].days[0]"),
    ({"periods": [{"days": ["mon"], "start": "09:00"}]}, "periods[0].end"),
    ({"exceptions": [{"date": "2025-02-30"}]}, "exceptions[0].date"),
    ({"exceptions": [{"date": "01.05.2025"}]}, "exceptions[0].date"),
    ({"exceptions": [{"date": "2025-05-01"}, {"date": "2025-05-01", "open": True}]}, "exceptions[1].date"),
    ({"exceptions": [{"date": "2025-05-01", "open": False, "periods": [{"start": "09:00", "end": "12:00"}]}]}, "exceptions[0].periods"),
    ({"exceptions": [{"date": "2025-05-01", "shorten_minutes": 60}]}, "exceptions[0].shorten_minutes"),
    ({"exceptions": [{"date": "2025-05-01", "open": True, "periods": []}]}, "exceptions[0].periods"),
    ({"exceptions": [{"date": "2025-05-01", "open": True, "periods": [{"start": "12:00", "end": "09:00"}]}]}, "exceptions[0].periods[0].end"),
    ({"exceptions": [{"date": "2025-05-01", "open": "yes"}]}, "exceptions[0].open"),
    ({"exceptions": [{"date": "2025-05-01", "holiday": True}]}, "exceptions[0].holiday"),
])
def test_bad_schedules_name_the_field(body, field):
    with pytest.raises(Invalid) as err:
        SCHEDULE.normalise({"name": "S", **body}, tenant=None, current=None)
    assert err.value.field == field, err.value.detail


def test_exceptions_are_stored_sorted_and_compact():
    doc = schedule(exceptions=[{"date": "2025-05-09"}, {"date": "2025-01-01", "note": "New Year"},
                               {"date": "2025-11-01", "open": True}, {"date": "2025-03-07", "open": True, "shorten_minutes": 60}])
    assert doc["exceptions"] == [
        {"date": "2025-01-01", "open": False, "note": "New Year"},
        {"date": "2025-03-07", "open": True, "shorten_minutes": 60},
        {"date": "2025-05-09", "open": False},
        {"date": "2025-11-01", "open": True},
    ]


# --- evaluation: properties -----------------------------------------------------------------------

@settings(max_examples=300)
@given(days=day_sets, instant=instants, tz=zones)
def test_whole_day_period_is_open_all_day_on_its_days(days, instant, tz):
    s = schedule([{"days": days, "start": "00:00", "end": "00:00"}])
    local = instant.astimezone(ZoneInfo(tz))
    assert is_open(s, instant, tz) == (DAYS[local.weekday()] in days)


@settings(max_examples=300)
@given(periods_=st.lists(periods(), max_size=4), instant=instants, tz=zones)
def test_open_is_decided_by_the_local_wall_clock(periods_, instant, tz):
    s = schedule(periods_)
    assert is_open(s, instant, tz) == local_open_reference(s["periods"], instant.astimezone(ZoneInfo(tz)))


@settings(max_examples=300)
@given(periods_=st.lists(periods(), max_size=4), instant=instants, tz=zones, offset=st.integers(-14 * 60, 14 * 60))
def test_same_instant_in_any_utc_offset_gives_the_same_answer(periods_, instant, tz, offset):
    s = schedule(periods_, [{"date": instant.date().isoformat()}] if offset % 3 == 0 else [])
    other = instant.astimezone(timezone(timedelta(minutes=offset)))
    assert other == instant
    assert is_open(s, other, tz) == is_open(s, instant, tz) == is_open(s, instant.astimezone(ZoneInfo(tz)), tz)


@settings(max_examples=300)
@given(periods_=st.lists(periods(), max_size=4), instant=instants, tz=zones, hours=st.sampled_from([None, "whole", "morning"]))
def test_an_exception_overrides_the_weekday(periods_, instant, tz, hours):
    local_date = instant.astimezone(ZoneInfo(tz)).date()
    other_day = {"date": (local_date + timedelta(days=1)).isoformat()}  # another date's exception changes nothing here
    if hours is None:
        exc = {"date": local_date.isoformat(), "open": False}
        expected = False
    elif hours == "whole":
        exc = {"date": local_date.isoformat(), "open": True, "periods": [{"start": "00:00", "end": "00:00"}]}
        expected = True
    else:
        exc = {"date": local_date.isoformat(), "open": True, "periods": [{"start": "06:00", "end": "12:00"}]}
        expected = 6 <= instant.astimezone(ZoneInfo(tz)).hour < 12
    assert is_open(schedule(periods_, [exc, other_day]), instant, tz) == expected
    plain = schedule(periods_, [other_day])
    assert is_open(plain, instant, tz) == local_open_reference(plain["periods"], instant.astimezone(ZoneInfo(tz)))


@settings(max_examples=150, deadline=None)
@given(periods_=st.lists(periods(), max_size=3), instant=instants, tz=zones,
       exceptions=st.lists(st.tuples(st.integers(-3, 10), st.booleans()), max_size=3, unique_by=lambda x: x[0]),
       samples=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=8))
def test_next_change_is_the_first_change(periods_, instant, tz, exceptions, samples):
    local_date = instant.astimezone(ZoneInfo(tz)).date()
    s = schedule(periods_, [{"date": (local_date + timedelta(days=d)).isoformat(), "open": o} for d, o in exceptions])
    state = is_open(s, instant, tz)
    change = next_change(s, instant, tz)
    if change is None:
        end = instant + timedelta(days=30)
    else:
        assert change > instant
        assert is_open(s, change, tz) != state
        end = change
    span = (end - instant) // timedelta(microseconds=1)
    for f in samples:
        probe = instant + timedelta(microseconds=min(int(span * f), span - 1))
        assert is_open(s, probe, tz) == state, (probe, change)
    if change is not None and change - timedelta(seconds=1) > instant:
        assert is_open(s, change - timedelta(seconds=1), tz) == state


def test_is_open_needs_an_aware_instant():
    with pytest.raises(ValueError):
        is_open(schedule(), datetime(2025, 1, 1, 12, 0), "Europe/Moscow")


# --- evaluation: examples across DST -----------------------------------------------------------

OFFICE = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]


@pytest.mark.parametrize("tz, utc_open, utc_close, when", [
    ("Europe/Moscow", "06:00", "15:00", date(2025, 1, 15)),   # UTC+3 all year
    ("Europe/Moscow", "06:00", "15:00", date(2025, 7, 16)),
    ("Europe/Berlin", "08:00", "17:00", date(2025, 1, 15)),   # CET
    ("Europe/Berlin", "07:00", "16:00", date(2025, 7, 16)),   # CEST
    ("Europe/Berlin", "07:00", "16:00", date(2025, 3, 31)),   # the Monday after the change
    ("America/New_York", "14:00", "23:00", date(2025, 1, 15)),  # EST
    ("America/New_York", "13:00", "22:00", date(2025, 3, 10)),  # EDT, the Monday after the change
])
def test_office_hours_follow_local_time(tz, utc_open, utc_close, when):
    s = schedule(OFFICE)

    def at(hhmm_: str, seconds: int = 0) -> datetime:
        return datetime.combine(when, time.fromisoformat(hhmm_), tzinfo=UTC) + timedelta(seconds=seconds)

    assert not is_open(s, at(utc_open, -1), tz)
    assert is_open(s, at(utc_open), tz)
    assert is_open(s, at(utc_close, -1), tz)
    assert not is_open(s, at(utc_close), tz)
    assert next_change(s, at(utc_open), tz) == at(utc_close)


def test_fall_back_overlap_is_open_twice():
    s = schedule([{"days": ["sun"], "start": "02:00", "end": "03:00"}])
    tz = "Europe/Berlin"  # 2025-10-26 03:00 CEST -> 02:00 CET
    assert not is_open(s, datetime(2025, 10, 25, 23, 59, tzinfo=UTC), tz)  # 01:59 CEST
    assert is_open(s, datetime(2025, 10, 26, 0, 30, tzinfo=UTC), tz)   # 02:30 CEST
    assert is_open(s, datetime(2025, 10, 26, 1, 30, tzinfo=UTC), tz)   # 02:30 CET, the second time
    assert not is_open(s, datetime(2025, 10, 26, 2, 0, tzinfo=UTC), tz)  # 03:00 CET
    assert next_change(s, datetime(2025, 10, 25, 12, 0, tzinfo=UTC), tz) == datetime(2025, 10, 26, 0, 0, tzinfo=UTC)
    assert next_change(s, datetime(2025, 10, 26, 0, 0, tzinfo=UTC), tz) == datetime(2025, 10, 26, 2, 0, tzinfo=UTC)


def test_spring_forward_gap_never_opens_that_day():
    s = schedule([{"days": ["sun"], "start": "02:00", "end": "03:00"}])
    tz = "America/New_York"  # 2025-03-09 02:00 EST -> 03:00 EDT: 02:xx never happens
    assert not is_open(s, datetime(2025, 3, 9, 6, 59, 59, tzinfo=UTC), tz)
    assert not is_open(s, datetime(2025, 3, 9, 7, 0, tzinfo=UTC), tz)
    # The next opening is the following Sunday at 02:00 EDT.
    assert next_change(s, datetime(2025, 3, 9, 5, 0, tzinfo=UTC), tz) == datetime(2025, 3, 16, 6, 0, tzinfo=UTC)


def test_midnight_boundaries_and_whole_days():
    tz = "Europe/Moscow"
    s = schedule([{"days": ["fri"], "start": "18:00", "end": "24:00"}, {"days": ["sat"], "start": "00:00", "end": "00:00"}])
    fri_1800 = datetime(2025, 1, 17, 15, 0, tzinfo=UTC)
    assert is_open(s, fri_1800, tz)
    # Friday evening runs into the whole Saturday: one change, at Sunday 00:00 local.
    assert next_change(s, fri_1800, tz) == datetime(2025, 1, 18, 21, 0, tzinfo=UTC)
    always = schedule([{"days": list(DAYS), "start": "00:00", "end": "00:00"}])
    assert next_change(always, fri_1800, tz) is None and is_open(always, fri_1800, tz)
    assert next_change(schedule(), fri_1800, tz) is None


# --- exceptions: holidays, moved working days, short days -------------------------------------------

def local(tz: str, y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(tz))


def test_holiday_moved_working_day_and_short_day():
    tz = "Europe/Moscow"
    s = schedule(OFFICE, [
        {"date": "2025-01-08", "open": False},                          # a Wednesday holiday
        {"date": "2024-12-28", "open": True},                           # a working Saturday: the standard day
        {"date": "2025-03-07", "open": True, "shorten_minutes": 60},    # a short Friday
        {"date": "2025-05-03", "open": True, "periods": [{"start": "10:00", "end": "14:00"}]},  # own hours
    ])
    assert not is_open(s, local(tz, 2025, 1, 8, 12), tz)
    assert is_open(s, local(tz, 2025, 1, 9, 12), tz)
    assert is_open(s, local(tz, 2024, 12, 28, 9), tz) and not is_open(s, local(tz, 2024, 12, 28, 18), tz)
    assert not is_open(s, local(tz, 2024, 12, 21, 12), tz)  # an ordinary Saturday
    assert is_open(s, local(tz, 2025, 3, 7, 16, 59), tz) and not is_open(s, local(tz, 2025, 3, 7, 17), tz)
    assert is_open(s, local(tz, 2025, 3, 6, 17, 30), tz)  # Thursday: full day
    assert not is_open(s, local(tz, 2025, 5, 3, 9, 59), tz) and is_open(s, local(tz, 2025, 5, 3, 13, 59), tz)
    assert not is_open(s, local(tz, 2025, 5, 3, 14), tz)
    assert next_change(s, local(tz, 2025, 1, 7, 20), tz) == local(tz, 2025, 1, 9, 9)


def test_moved_working_day_uses_that_weekdays_own_hours_when_it_has_some():
    tz = "Europe/Berlin"
    s = schedule([*OFFICE, {"days": ["sat"], "start": "10:00", "end": "16:00"}],
                 [{"date": "2025-06-07", "open": True, "shorten_minutes": 120}])
    assert is_open(s, local(tz, 2025, 6, 7, 10), tz) and is_open(s, local(tz, 2025, 6, 7, 13, 59), tz)
    assert not is_open(s, local(tz, 2025, 6, 7, 14), tz) and not is_open(s, local(tz, 2025, 6, 7, 9), tz)


def test_open_day_without_any_weekly_hours_is_open_all_day():
    tz = "Europe/Moscow"
    s = schedule([], [{"date": "2025-01-01", "open": True}])
    assert is_open(s, local(tz, 2025, 1, 1, 0), tz) and is_open(s, local(tz, 2025, 1, 1, 23, 59), tz)
    assert not is_open(s, local(tz, 2025, 1, 2, 12), tz)


def test_shortening_removes_open_time_from_the_end_across_periods():
    tz = "UTC"
    s = schedule([{"days": ["fri"], "start": "09:00", "end": "13:00"}, {"days": ["fri"], "start": "14:00", "end": "14:30"}],
                 [{"date": "2025-03-07", "open": True, "shorten_minutes": 60}])
    assert is_open(s, local(tz, 2025, 3, 7, 12, 29), tz) and not is_open(s, local(tz, 2025, 3, 7, 12, 30), tz)
    assert not is_open(s, local(tz, 2025, 3, 7, 14, 10), tz)


# --- production calendar ---------------------------------------------------------------------------

def test_calendar_rows_become_exceptions_and_merge():
    rows = [calendar_exception(f"rows[{i}]", r) for i, r in enumerate([
        {"date": "2025-01-01", "type": "holiday", "note": "New Year"},
        {"date": "2025-11-01", "type": "workday"},
        {"date": "2025-03-07", "type": "short"},
        {"date": "2025-05-03", "type": "workday", "periods": [{"start": "10:00", "end": "14:00"}]},
    ])]
    assert rows[0] == {"date": "2025-01-01", "open": False, "note": "New Year"}
    assert rows[1] == {"date": "2025-11-01", "open": True}
    assert rows[2] == {"date": "2025-03-07", "open": True, "shorten_minutes": schedules.SHORT_DAY_MINUTES}
    merged = merge_calendar([{"date": "2025-01-01", "open": True}, {"date": "2024-12-31", "open": False}], rows)
    assert [x["date"] for x in merged] == ["2024-12-31", "2025-01-01", "2025-03-07", "2025-05-03", "2025-11-01"]
    assert merged[1]["open"] is False  # the imported day replaces the existing exception


@pytest.mark.parametrize("row, field", [
    ({"date": "2025-01-01", "type": "vacation"}, "rows[2].type"),
    ({"date": "2025-13-01", "type": "holiday"}, "rows[2].date"),
    ({"date": "2025-01-01"}, "rows[2].type"),
    ({"date": "2025-01-01", "type": "holiday", "periods": [{"start": "09:00", "end": "10:00"}]}, "rows[2].periods"),
    ({"date": "2025-01-01", "type": "workday", "periods": [{"start": "19:00", "end": "10:00"}]}, "rows[2].periods[0].end"),
    ({"date": "2025-01-01", "type": "holiday", "extra": 1}, "rows[2].extra"),
])
def test_bad_calendar_rows_name_the_row(row, field):
    with pytest.raises(Invalid) as err:
        calendar_exception("rows[2]", row)
    assert err.value.field == field, err.value.detail
