"""The real Asterisk decides a compiled time condition as is_open does, at any instant.

Asterisk's clock cannot be moved for a call, so the compiled node is run here step by
step with Asterisk itself doing the work over AMI: ``STRFTIME`` turns the instant into the
local date, weekday and HHMM in the tenant's zone (its own zoneinfo, DST included), and
``EVAL`` computes each ``GotoIf`` expression with those values put in. The branch taken
must be the one ``schedule_eval.is_open`` gives (hypothesis over schedules, exceptions,
zones and instants, near period edges and on exception dates). Real calls through a
published time condition are in tests/test_scheme_calls.py.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pbxflow.ami import AmiNode
from pbxflow.domain.schedules import SCHEDULE
from pbxflow.routing import graph as g
from pbxflow.routing.components import Components
from pbxflow.schedule_eval import DAYS, is_open
from projections.asterisk.scheme import compile_scheme

pytestmark = pytest.mark.asterisk

SID = "5c1e0000-0000-0000-0000-000000000002"
SCHEDULE_ID = "5c1e0000-0000-0000-0000-0000000000ab"
ZONES = ["Europe/Moscow", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]

minute = st.integers(0, 23 * 60 + 59)
clock = minute.map(lambda m: f"{m // 60:02d}:{m % 60:02d}")
periods = st.lists(st.fixed_dictionaries({
    "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True), "start": clock, "end": clock,
}).filter(lambda p: p["end"] > p["start"] or (p["start"], p["end"]) == ("00:00", "00:00")), min_size=1, max_size=3)
dates = st.dates(min_value=datetime(2026, 1, 1).date(), max_value=datetime(2027, 12, 31).date()).map(str)
exceptions = st.lists(
    st.fixed_dictionaries({"date": dates, "open": st.just(False)})
    | st.fixed_dictionaries({"date": dates, "open": st.just(True)}, optional={"shorten_minutes": st.integers(0, 120)}),
    max_size=3, unique_by=lambda x: x["date"])


def compiled(schedule: dict, zone: str) -> tuple[list[str], dict[str, str]]:
    """The time condition's applications, and its exception dates' GotoIf lines by date."""
    nodes = g.from_graph({"nodes": [
        {"id": "in", "type": "entry", "params": {"numbers": ["500"]}},
        {"id": "tc", "type": "time_condition", "params": {"schedule_id": SCHEDULE_ID}},
        {"id": "yes", "type": "hangup"}, {"id": "no", "type": "hangup", "params": {"cause": "busy"}},
    ], "edges": [{"from": "in", "port": "next", "to": "tc"}, {"from": "tc", "port": "open", "to": "yes"},
                 {"from": "tc", "port": "closed", "to": "no"}]})
    comps = Components(tenant_code="tz", timezone=zone, schedules={SCHEDULE_ID: {**schedule, "id": SCHEDULE_ID}})
    lines = compile_scheme("tz", SID, 1, nodes, comps).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("exten => node-tc,1,"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" same => n,"):
            break
        body.append(line[len(" same => n,"):])
    by_date = {m.group(1): m.group(2) for m in (re.fullmatch(r"exten => (\d{8}),1,(GotoIf\(.*\))", x) for x in lines) if m}
    return body, by_date


class Evaluator:
    """Asterisk's own functions and expressions, through AMI Getvar (no channel needed)."""

    def __init__(self, node: AmiNode, loop: asyncio.AbstractEventLoop):
        self.node, self.loop = node, loop

    def getvar(self, expression: str) -> str:
        reply = self.loop.run_until_complete(self.node.action({"Action": "Getvar", "Variable": expression}, timeout=10))
        assert reply.success, reply
        return str(reply.get("Value") or "")

    def branch(self, body: list[str], by_date: dict[str, str], epoch: int) -> str:
        env: dict[str, str] = {}
        for app in body:
            if "PBXFLOW_HOPS" in app or app.startswith("UserEvent("):
                continue
            m = re.fullmatch(r"Set\((PBXFLOW_\w+)=(.*)\)", app)
            if m:
                env[m.group(1)] = self.eval(m.group(2).replace("${EPOCH}", str(epoch)), env)
                continue
            m = re.fullmatch(r"GotoIf\(\$\{DIALPLAN_EXISTS\([^,]+,\$\{PBXFLOW_DAY\},1\)\}\?.*\)", app)
            if m:
                if env["PBXFLOW_DAY"] in by_date:
                    return self.branch_line(by_date[env["PBXFLOW_DAY"]], env)
                continue
            if app.startswith("GotoIf("):
                went = self.branch_line(app, env)
                if went:
                    return went
                continue
            m = re.fullmatch(r"Goto\([^,]+,([^,]+),1\)", app)
            assert m, app
            return m.group(1)
        raise AssertionError("fell through")

    def branch_line(self, app: str, env: dict[str, str]) -> str:
        m = re.fullmatch(r"GotoIf\(\$\[(.*)\]\?([^:)]+)(?::([^)]+))?\)", app)
        assert m, app
        taken = self.eval(f"$[{m.group(1)}]", env) not in ("", "0")
        target = m.group(2) if taken else m.group(3)
        return target.split(",")[1] if target else ""

    def eval(self, text: str, env: dict[str, str]) -> str:
        for name, value in env.items():
            text = text.replace("${" + name + "}", value)
        assert "PBXFLOW" not in text, text
        return self.getvar(f"EVAL({text})")


@pytest.fixture(scope="module")
def evaluator(asterisk):
    loop = asyncio.new_event_loop()
    node = AmiNode(asterisk.ami_url, events="off")
    loop.run_until_complete(node.__aenter__())
    loop.run_until_complete(node.wait_connected(60))
    yield Evaluator(node, loop)
    loop.run_until_complete(node.__aexit__(None, None, None))
    loop.close()


def test_asterisk_local_time_matches_python(evaluator):
    # A DST change in Berlin and one in New York, and Lord Howe's half-hour shift.
    for zone, utc in (("Europe/Berlin", "2026-03-29T00:59:00"), ("Europe/Berlin", "2026-03-29T01:00:00"),
                      ("America/New_York", "2026-11-01T05:30:00"), ("America/New_York", "2026-11-01T06:30:00"),
                      ("Australia/Lord_Howe", "2026-04-04T14:59:00"), ("Australia/Lord_Howe", "2026-04-04T15:00:00")):
        instant = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
        local = instant.astimezone(ZoneInfo(zone))
        got = evaluator.getvar(f"STRFTIME({int(instant.timestamp())},{zone},%Y%m%d %u %H%M)")
        assert got == local.strftime("%Y%m%d %u %H%M"), (zone, utc)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(periods, exceptions, st.sampled_from(ZONES), st.data())
def test_asterisk_takes_the_branch_is_open_gives(evaluator, periods, exceptions, zone, data):
    schedule = SCHEDULE.normalise({"name": "S", "periods": periods, "exceptions": exceptions}, tenant=None, current=None)
    body, by_date = compiled(schedule, zone)
    # Mostly a period's edge (a minute either side) on one of its weekdays; else an exception
    # date, or anywhere.
    where = data.draw(st.sampled_from(["edge", "edge", "exception", "anywhere"]))
    day = datetime.fromisoformat(data.draw(dates))
    at_minute = data.draw(minute)
    if where == "edge":
        p = data.draw(st.sampled_from(periods))
        weekday = DAYS.index(data.draw(st.sampled_from(p["days"])))
        day += timedelta(days=(weekday - day.weekday()) % 7)
        hhmm = data.draw(st.sampled_from([p["start"], p["end"]]))
        at_minute = min(max(int(hhmm[:2]) * 60 + int(hhmm[3:]) + data.draw(st.sampled_from([-1, 0, 1])), 0), 24 * 60 - 1)
    elif where == "exception" and exceptions:
        day = datetime.fromisoformat(data.draw(st.sampled_from([x["date"] for x in exceptions])))
    day = day.strftime("%Y-%m-%d")
    local = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone)) + timedelta(minutes=at_minute)
    instant = local.astimezone(timezone.utc)
    went = evaluator.branch(body, by_date, int(instant.timestamp()))
    assert went == ("node-yes" if is_open(schedule, instant, zone) else "node-no"), (local.isoformat(), schedule)
