"""The compiled time condition agrees with schedule_eval.is_open for any schedule and instant.

The dialplan's conditions are evaluated here the way Asterisk's expression parser would
(integers, ``&``, ``|``, comparisons) from the local date, weekday and HHMM that
``STRFTIME(EPOCH, zone)`` gives; the real Asterisk runs the same text in the agreement tests.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from pbxflow.domain.schedules import SCHEDULE
from pbxflow.routing import graph as g
from pbxflow.routing.components import Components
from pbxflow.schedule_eval import DAYS, is_open
from projections.asterisk.scheme import compile_scheme

SID = "5c1e0000-0000-0000-0000-000000000001"
SCHEDULE_ID = "5c1e0000-0000-0000-0000-0000000000aa"
ZONES = ["Europe/Moscow", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Lord_Howe"]

clock = st.integers(0, 23 * 60 + 59).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")
periods = st.lists(st.fixed_dictionaries({
    "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
    "start": clock, "end": clock,
}).filter(lambda p: p["end"] > p["start"] or (p["start"], p["end"]) == ("00:00", "00:00")), max_size=4)
dates = st.dates(min_value=datetime(2026, 1, 1).date(), max_value=datetime(2027, 12, 31).date())
closed_day = st.fixed_dictionaries({"date": dates.map(str), "open": st.just(False)})
open_day = st.fixed_dictionaries({"date": dates.map(str), "open": st.just(True)}, optional={
    "shorten_minutes": st.integers(0, 180),
    "periods": st.lists(st.fixed_dictionaries({"start": clock, "end": clock}).filter(lambda p: p["end"] > p["start"]),
                        min_size=1, max_size=2),
})
exceptions = st.lists(closed_day | open_day, max_size=4, unique_by=lambda x: x["date"])


def _expr(text: str, env: dict[str, int]) -> bool:
    for name, value in env.items():
        text = text.replace("${" + name + "}", str(value))
    assert "$" not in text, text
    py = text.replace("&", " and ").replace("|", " or ")
    py = re.sub(r"(?<![<>=!])=(?!=)", "==", py)
    return bool(eval(py, {"__builtins__": {}}))  # only digits, comparisons and and/or remain


def run_time_condition(text: str, ctx: str, local: datetime) -> str:
    """Follow the compiled node-tc like Asterisk would; returns the node it goes to."""
    env = {"PBXFLOW_DAY": int(local.strftime("%Y%m%d")), "PBXFLOW_WD": local.isoweekday(),
           "PBXFLOW_HM": local.hour * 100 + local.minute}
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("exten => node-tc,1,")))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" same => n,"):
            break
        body.append(line[len(" same => n,"):])
    dates_ctx = f"{ctx}-dates-tc"
    for app in body:
        if "PBXFLOW_HOPS" in app:
            continue  # the hop count (a first visit never reaches the limit)
        m = re.fullmatch(r"GotoIf\(\$\{DIALPLAN_EXISTS\(([^,]+),\$\{PBXFLOW_DAY\},1\)\}\?.*\)", app)
        if m:
            for line in text.splitlines():
                d = re.fullmatch(r"exten => (\d{8}),1,GotoIf\(\$\[(.*)\]\?([^:]+):([^)]+)\)", line)
                if d and int(d.group(1)) == env["PBXFLOW_DAY"] and m.group(1) == dates_ctx:
                    return (d.group(3) if _expr(d.group(2), env) else d.group(4)).split(",")[1]
            continue
        m = re.fullmatch(r"GotoIf\(\$\[(.*)\]\?([^)]+)\)", app)
        if m:
            if _expr(m.group(1), env):
                return m.group(2).split(",")[1]
            continue
        m = re.fullmatch(r"Goto\(([^)]+)\)", app)
        if m:
            return m.group(1).split(",")[1]
    raise AssertionError("the time condition fell through")


@settings(max_examples=200, deadline=None)
@given(periods, exceptions, st.sampled_from(ZONES), st.data())
def test_compiled_time_condition_agrees_with_is_open(periods, exceptions, zone, data):
    # Half the instants fall on an exception date (local), the rest anywhere.
    if exceptions and data.draw(st.booleans()):
        day = datetime.fromisoformat(data.draw(st.sampled_from([x["date"] for x in exceptions])))
        local = day.replace(tzinfo=ZoneInfo(zone)) + timedelta(minutes=data.draw(st.integers(0, 24 * 60 - 1)))
        instant = local.astimezone(timezone.utc)
    else:
        instant = data.draw(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))).replace(tzinfo=timezone.utc)
    schedule = SCHEDULE.normalise({"name": "S", "periods": periods, "exceptions": exceptions}, tenant=None, current=None)
    nodes = g.from_graph({"nodes": [
        {"id": "in", "type": "entry", "params": {"numbers": ["500"]}},
        {"id": "tc", "type": "time_condition", "params": {"schedule_id": SCHEDULE_ID}},
        {"id": "yes", "type": "hangup"}, {"id": "no", "type": "hangup", "params": {"cause": "busy"}},
    ], "edges": [{"from": "in", "port": "next", "to": "tc"}, {"from": "tc", "port": "open", "to": "yes"},
                 {"from": "tc", "port": "closed", "to": "no"}]})
    comps = Components(tenant_code="tz", timezone=zone, schedules={SCHEDULE_ID: {**schedule, "id": SCHEDULE_ID}})
    text = compile_scheme("tz", SID, 1, nodes, comps)
    local = instant.astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    went = run_time_condition(text, "t-tz-s-5c1e00000000-r1", local)
    assert went == ("node-yes" if is_open(schedule, local, zone) else "node-no")
