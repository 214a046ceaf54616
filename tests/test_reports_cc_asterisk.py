"""Contact-centre reports from real queue calls: the local Asterisk (asterisk/sandbox) with SIPp
phones, ingested over AMI. One queue call is answered by the member, one is abandoned while the
member's phone rings; the operator report, the queue-call list and the operator's state timeline
must say so."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sipp import OK, allocate, wait_for
from test_asterisk_calls import apply, channels, make_ext, make_tenant, register
from test_asterisk_components import create
from test_calls_asterisk import calls, history  # noqa: F401  (calls: the ingestion fixture)

from pbxflow.reports import agent_states as ag

pytestmark = pytest.mark.asterisk


def test_answered_and_abandoned_queue_calls_give_the_operator_report(runtime, client, asterisk, reloader, phones, calls):
    t = make_tenant(runtime, "Contact centre")
    caller = make_ext(runtime, t.id, "201", "Caller")
    member = make_ext(runtime, t.id, "202", "Agent Two")
    group = create(runtime, "group", t.id, {"name": "Support", "number": "500", "strategy": "ring_all", "ring_time": 30,
                                            "max_wait": 60, "wrapup": 2,
                                            "members": [{"extension_id": member.id, "priority": 1}]})
    apply(runtime, asterisk, reloader)
    ports = allocate()
    register(asterisk, phones, member, ports)

    # 1. Answered: the member picks up and hangs up after 1.5 s.
    uas = phones.uas("uas_answer.xml", ports, hold_ms=1500)
    call = phones.staying_call("500", caller).wait()
    assert call.rc == OK and call.received("BYE"), call.describe()
    assert uas.wait().rc == OK
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")
    time.sleep(2.5)  # past the group's wrap-up, so the member is rung again

    # 2. Abandoned: the member's phone rings, the caller hangs up while waiting.
    ringer = phones.uas("uas_noanswer.xml", ports, timeout=60)
    waiting = phones.staying_call("500", caller)
    wait_for(lambda: any(ch["name"].startswith(f"PJSIP/{member.username}-") and ch["state"] == "Ringing"
                         for ch in channels(asterisk)), 15, 0.1, "the member to ring")
    time.sleep(1.0)
    [leg] = [ch["name"] for ch in channels(asterisk) if ch["name"].startswith(f"PJSIP/{caller.username}-")]
    asterisk.cli(f"channel request hangup {leg}")
    waiting.wait()
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")
    ringer.kill()
    history(calls, t.id, 2)
    calls.catch_up()

    zone = ZoneInfo("Europe/Moscow")  # the tenant's (the default)
    today = datetime.now(zone).date()
    period = {"preset": "custom", "from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    tid = t.id

    r = client.get(f"/api/tenants/{tid}/reports/queue-calls", params=period)
    assert r.status_code == 200, r.text
    qcalls = r.json()["rows"]
    assert [q["outcome"] for q in qcalls] == ["answered", "abandoned"], [
        [s["step"] for s in calls.read.call(calls.read.scope(tid), q["call_id"])["protocol"]] for q in qcalls]
    assert qcalls[0]["operator"] == "202" and qcalls[0]["ended_by"] == "operator"
    assert 1.0 <= qcalls[0]["talk"] <= 5.0 and qcalls[0]["reaction"] > 0
    assert qcalls[1]["operator"] is None and qcalls[1]["wait"] >= 1.0

    r = client.get(f"/api/tenants/{tid}/reports/operators", params={**period, "operator": "202"})
    rows = {row["key"]: row for row in r.json()["rows"]}
    assert (rows["500"]["offered"], rows["500"]["answered"], rows["500"]["missed"]) == (2, 1, 0), rows
    assert rows["500"]["talk_seconds"] == pytest.approx(qcalls[0]["talk"])
    assert rows["500"]["avg_reaction_seconds"] == pytest.approx(qcalls[0]["reaction"])

    r = client.get(f"/api/tenants/{tid}/reports/groups/comparison", params=period)
    cmp = {row["key"]: row for row in r.json()["rows"]}
    assert (cmp["500"]["received"], cmp["500"]["answered"], cmp["500"]["lost"]) == (2, 1, 1)

    r = client.get(f"/api/tenants/{tid}/reports/operator-states", params={**period, "operator": "202"})
    [op] = r.json()["operators"]
    assert op["device"] == member.username
    states = [s["state"] for s in op["timeline"]]
    # Free after registering; rung, talking, resting (wrap-up), free; rung again, free when the caller gave up.
    i = states.index("ringing")
    assert states[i:i + 4] == ["ringing", "in_call", "wrap_up", "waiting"], states
    assert states[i + 4:i + 6] == ["ringing", "waiting"], states
    assert op["summary"]["wrap_up"] == pytest.approx(2.0, abs=0.05)
    # The read model's answer is the pure timeline of the stored events.
    app = calls.app
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=1_000_000)]
    facts = [f for f in (ag.agent_event(e.name, e.at, e.headers, lambda q: 2.0) for e in events) if f]
    start = datetime.fromisoformat(op["timeline"][0]["start"]).timestamp()
    end = datetime.fromisoformat(op["timeline"][-1]["end"]).timestamp()
    assert states == [s.state for s in ag.timeline(facts, member.username, start, end)]
