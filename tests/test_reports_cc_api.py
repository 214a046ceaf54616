"""Contact-centre report routes over the real database: synthetic queue calls (AMI events shaped
like app_queue's) appended to the calls store, projected by the calls projection and the
operator-states projection, read back through the API; tenant scoping; exports."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from pbxflow.calls.synthetic import CallScript, Channel, Clock
from pbxflow.reports import agent_states as ag
from test_calls_api import extension, ingest, tenant

ZONE = "Asia/Kolkata"


class QueueScript(CallScript):
    """Queue calls from a trunk caller to group ``number``, rung on one member."""

    def queue_call(self, group: str, member: str, outcome: str, *, ring: float = 0.4, talk: float = 1.2,
                   wait: float = 0.6) -> dict:
        queue = f"t-{self.tenant}-q{group}"
        seq = len(self.events)
        a = Channel(f"PJSIP/trunk-0000abcd-{seq:08x}", self._uid(), "", "74957654321", "Client", f"t-{self.tenant}-ext",
                    group, ("4", "Ring"))
        a.linkedid, a.tenant = a.uid, self.tenant
        self._emit("Newchannel", a)
        a.state = ("6", "Up")
        self._emit("Newstate", a)
        self._emit("Newexten", a, Application="Queue", AppData=f"{queue},t,,,120", Extension=group)
        self._emit("QueueCallerJoin", a, Queue=queue, Position="1", Count="1")
        dev = self.device(member)
        b = Channel(f"PJSIP/{dev}-{seq + 1:08x}", self._uid(), a.linkedid, member, f"Ext {member}", f"t-{self.tenant}-ext",
                    "s")
        b.tenant = self.tenant
        self._emit("Newchannel", b)
        agent = {"Queue": queue, "MemberName": member, "Interface": f"PJSIP/{dev}", "DestChannel": b.name,
                 "DestUniqueid": b.uid}
        called = self._emit("AgentCalled", a, **agent)
        self._emit("DeviceStateChange", Device=f"PJSIP/{dev}", State="RINGING")
        marks = {"called": float(called["Timestamp"])}
        if outcome == "abandoned":
            self._emit("QueueCallerAbandon", a, seconds=wait, Queue=queue, Position="1", OriginalPosition="1",
                       HoldTime=str(int(wait)))
            self._emit("QueueCallerLeave", a, Queue=queue, Position="1", Count="0")
            self._emit("Hangup", b, **{"Cause": "26", "Cause-txt": "Answered elsewhere"})
            self._emit("Hangup", a, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
            self._emit("DeviceStateChange", Device=f"PJSIP/{dev}", State="NOT_INUSE")
            return marks
        b.state = ("6", "Up")
        self._emit("Newstate", b, seconds=ring)
        self._emit("QueueCallerLeave", a, Queue=queue, Position="1", Count="0")  # (app_queue: before the connect)
        connect = self._emit("AgentConnect", a, HoldTime=str(int(ring)), RingTime=str(int(ring)), **agent)
        marks["connect"] = float(connect["Timestamp"])
        self._emit("DeviceStateChange", Device=f"PJSIP/{dev}", State="INUSE")
        hang = self._emit("Hangup", a, seconds=talk, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
        marks["hangup"] = float(hang["Timestamp"])
        self._emit("Hangup", b, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
        self._emit("AgentComplete", a, Reason="caller", TalkTime=str(int(talk)), HoldTime=str(int(ring)), **agent)
        self._emit("DeviceStateChange", Device=f"PJSIP/{dev}", State="NOT_INUSE")
        return marks

    def pause(self, member: str, paused: bool, reason: str = "") -> None:
        self._emit("QueueMemberPause", seconds=0.3, Queue=f"t-{self.tenant}-q500", MemberName=member,
                   Interface=f"PJSIP/{self.device(member)}", Paused="1" if paused else "0", PausedReason=reason)


@pytest.fixture
def centre(client, runtime):
    out = {}
    for key, name in (("a", "CC Alpha"), ("b", "CC Beta")):
        t = tenant(client, name)
        r = client.patch(f"/api/tenants/{t['id']}", json={"timezone": ZONE}, headers={"If-Match": r_etag(client, t["id"])})
        assert r.status_code == 200, r.text
        exts = {n: extension(client, t["id"], n, f"{name} {n}") for n in ("201", "202")}
        g = client.post(f"/api/tenants/{t['id']}/groups", json={
            "name": "Support", "number": "500", "wrapup": 1, "members": [{"extension_id": exts["201"]["id"]}]})
        assert g.status_code == 201, g.text
        out[key] = {"tenant": t, "exts": exts, "group": g.json()}
    runtime.calls_service()
    return out


def r_etag(client, tid: str) -> str:
    r = client.get(f"/api/tenants/{tid}")
    return r.headers.get("ETag", "*")


def local_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(ZONE)).date().isoformat()


def test_queue_history_through_the_projections_gives_the_reports(client, runtime, centre):
    a = centre["a"]
    code, tid = a["tenant"]["code"], a["tenant"]["id"]
    script = QueueScript(code, clock=Clock(now=time.time()), devices={n: e["devices"][0]["username"] for n, e in a["exts"].items()})
    script._emit("DeviceStateChange", Device=f"PJSIP/{script.device('201')}", State="NOT_INUSE")
    answered = script.queue_call("500", "201", "answered")
    script.clock.tick(1.5)  # past the wrap-up (1 s)
    abandoned = script.queue_call("500", "201", "abandoned")
    script.pause("201", True, "lunch")
    last = float(script.events[-1]["Timestamp"])
    ingest(runtime, script.events)
    while time.time() <= last + 0.05:  # the report is cut at "now": let the scripted time pass
        time.sleep(0.05)
    day = local_day(answered["called"])
    period = {"preset": "custom", "from": day, "to": (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()}

    r = client.get(f"/api/tenants/{tid}/reports/operators", params={**period, "operator": "201"})
    assert r.status_code == 200, r.text
    rows = {row["key"]: row for row in r.json()["rows"]}
    assert r.json()["period"]["zone"] == ZONE
    assert set(rows) == {"500", "total"} and rows["500"]["name"] == "Support"
    g = rows["500"]
    assert (g["offered"], g["answered"], g["missed"]) == (2, 1, 0)
    assert g["talk_seconds"] == pytest.approx(answered["hangup"] - answered["connect"], abs=1e-3)
    assert g["avg_reaction_seconds"] == pytest.approx(answered["connect"] - answered["called"], abs=1e-3)
    assert rows["total"]["wrap_up_seconds"] == pytest.approx(1.0, abs=1e-3)

    r = client.get(f"/api/tenants/{tid}/reports/groups/comparison", params={**period, "qos_seconds": 5})
    cmp = {row["key"]: row for row in r.json()["rows"]}
    assert (cmp["500"]["received"], cmp["500"]["answered"], cmp["500"]["lost"], cmp["500"]["lost_pct"]) == (2, 1, 1, 50.0)
    assert cmp["500"]["service_level_pct"] == 50.0

    r = client.get(f"/api/tenants/{tid}/reports/queue-calls", params=period)
    calls = r.json()["rows"]
    assert [c["outcome"] for c in calls] == ["answered", "abandoned"]
    assert calls[0]["ended_by"] == "caller" and calls[0]["operator"] == "201" and calls[1]["operator"] is None
    assert calls[1]["wait"] == pytest.approx(0.6, abs=0.01)

    r = client.get(f"/api/tenants/{tid}/reports/groups/{a['group']['id']}/operators", params=period)
    ops = {row["key"]: row for row in r.json()["rows"]}
    assert ops["201"]["answered"] == 1 and ops["total"]["answered"] == 1

    r = client.get(f"/api/tenants/{tid}/reports/groups/chronology", params={**period, "interval": "15", "parameter": "calls"})
    body = r.json()
    assert body["rows"][-1]["total"] == {"answered": 1, "lost": 1, "total": 2}
    assert sum(row["total"]["total"] for row in body["rows"][:-1]) == 2
    assert len(body["rows"]) - 1 == 2 * 96  # two local days of 15-minute intervals

    # Operator states: the projection's answer is the pure timeline of the same events.
    r = client.get(f"/api/tenants/{tid}/reports/operator-states", params={**period, "operator": "201"})
    assert r.status_code == 200, r.text
    (op,) = r.json()["operators"]
    states = [s["state"] for s in op["timeline"]]
    facts = [f for f in (ag.agent_event(h["Event"], float(h["Timestamp"]), h, lambda q: 1.0) for h in script.events) if f]
    start = datetime.fromisoformat(op["timeline"][0]["start"]).timestamp()
    end = datetime.fromisoformat(op["timeline"][-1]["end"]).timestamp()
    want = ag.timeline(facts, op["device"], start, end)
    assert states == [s.state for s in want]
    assert states == ["offline", "waiting", "ringing", "in_call", "wrap_up", "waiting", "ringing", "waiting", "break"]
    assert sum(op["summary"].values()) == pytest.approx(end - start, abs=1e-3)
    assert op["summary"]["wrap_up"] == pytest.approx(1.0, abs=1e-3)

    # Exports carry the JSON's rows.
    x = client.get(f"/api/tenants/{tid}/reports/groups/comparison", params={**period, "qos_seconds": 5, "format": "xlsx"})
    assert x.status_code == 200 and "attachment" in x.headers["content-disposition"]
    sheet = list(openpyxl.load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in sheet[1:]] == ["500", "total"] and sheet[1][1:4] == (2, 1, 1)
    c = client.get(f"/api/tenants/{tid}/reports/queue-calls", params={**period, "format": "csv"})
    assert c.status_code == 200 and len(c.content.decode("utf-8-sig").strip().splitlines()) == 3

    # Forecast from the measured load: 2 calls over two days, AHT = the answered call's talk.
    r = client.get(f"/api/tenants/{tid}/reports/forecast", params={**period, "group": a["group"]["id"], "max_operators": 3})
    f = r.json()
    assert f["measured"]["calls"] == 2 and f["measured"]["arrival_per_hour"] == pytest.approx(2 / 48)
    assert f["rows"][0]["stable"] is True
    r = client.get(f"/api/tenants/{tid}/reports/forecast", params={"arrival_per_hour": 360, "aht_seconds": 100,
                                                                  "max_operators": 12})
    rows = r.json()["rows"]
    assert [x["stable"] for x in rows] == [False] * 10 + [True] * 2 and "unstable" in rows[9]["note"]

    # Tenant scoping: the other tenant has none of it; its admin cannot read this tenant.
    b = centre["b"]
    r = client.get(f"/api/tenants/{b['tenant']['id']}/reports/operators", params={**period, "operator": "201"})
    assert r.status_code == 200 and r.json()["rows"] == [{**r.json()["rows"][0], "key": "total"}]
    assert r.json()["rows"][0]["offered"] == 0
    r = client.get(f"/api/tenants/{b['tenant']['id']}/reports/operator-states", params={**period, "operator": "201"})
    assert r.json()["operators"] == []
    r = client.get(f"/api/tenants/{b['tenant']['id']}/reports/queue-calls", params=period)
    assert r.json()["rows"] == []

    # Replay: the operator-states read model rebuilt from the first event says the same.
    svc = runtime.calls_service()
    svc.operator_states.reset(svc.app.name)
    again = client.get(f"/api/tenants/{tid}/reports/operator-states", params={**period, "operator": "201"}).json()
    assert [s["state"] for s in again["operators"][0]["timeline"]] == states

    # Two writers at once (threads here, processes in a deployment), small batches: each batch once.
    from concurrent.futures import ThreadPoolExecutor

    from projections.reports.operator_states import OperatorStatesView

    svc.operator_states.reset(svc.app.name)
    writers = [OperatorStatesView.on(svc._factory.datastore) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        read = list(pool.map(lambda v: v.process(svc.app, batch_size=7), writers))
    assert sum(read) == svc.app.recorder.max_notification_id()
    again = client.get(f"/api/tenants/{tid}/reports/operator-states", params={**period, "operator": "201"}).json()
    assert [s["state"] for s in again["operators"][0]["timeline"]] == states


CC_ROUTES = ("operators?operator=201", "operators?operator=202", "queue-calls", "groups/comparison?qos_seconds=1",
             "groups/chronology?interval=15&parameter=calls", "groups/chronology?interval=60&parameter=avg_talk",
             "forecast?max_operators=3&group={group}", "groups/{group}/operators", "line-occupancy?interval=15")


def test_queue_calls_read_model_equals_the_history_and_survives_rebuilds(client, runtime, centre):
    """The ``reports_queue_calls`` rows are the stays a recomputation from the history's protocols
    finds (the same pure extraction), and every contact-centre answer is the same after the reports
    view's rebuild and after a rebuild of the calls projection under it (other batch boundaries)."""
    from pbxflow.reports.cc_api import Directory
    from pbxflow.reports.service import reports_service

    answers = {}
    for key in ("a", "b"):
        t = centre[key]
        script = QueueScript(t["tenant"]["code"], clock=Clock(now=time.time() + 1),
                             devices={n: e["devices"][0]["username"] for n, e in t["exts"].items()})
        for i in range(9 if key == "a" else 3):
            script.queue_call("500", ("201", "202")[i % 2], ("answered", "abandoned", "answered")[i % 3],
                              ring=0.3 + i / 10, talk=1 + i, wait=0.2 + i / 7)
            script.clock.tick(7 + i)
        ingest(runtime, script.events)
    day = local_day(time.time())
    period = {"preset": "custom", "from": day, "to": (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()}
    start, end = (datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(ZONE)),
                  (datetime.fromisoformat(day) + timedelta(days=2)).replace(tzinfo=ZoneInfo(ZONE)))
    reports = reports_service(runtime)

    def read_all() -> dict:
        out = {}
        for key in ("a", "b"):
            tid, gid = centre[key]["tenant"]["id"], centre[key]["group"]["id"]
            for route in CC_ROUTES:
                path, _, query = route.format(group=gid).partition("?")
                params = {**period, **dict(p.split("=") for p in query.split("&") if p)}
                r = client.get(f"/api/tenants/{tid}/reports/{path}", params=params)
                assert r.status_code == 200, (route, r.text, out)
                out[(key, route)] = r.json()
        return out

    answers = read_all()
    for key, stays in (("a", 9), ("b", 3)):
        d = Directory(runtime.pool, centre[key]["tenant"]["id"], catch_up=reports.catch_up)
        table = sorted((q.as_dict() for q in d.queue_calls(start, end)), key=lambda q: (q["joined"], q["call_id"]))
        again = sorted((q.as_dict() for q in d.history_queue_calls(start, end)), key=lambda q: (q["joined"], q["call_id"]))
        assert table == again and len(table) == stays
        assert {q["outcome"] for q in table} == {"answered", "abandoned"}
    assert [r["outcome"] for r in answers[("a", "queue-calls")]["rows"]] == ["answered", "abandoned", "answered"] * 3
    assert answers[("b", "groups/comparison?qos_seconds=1")]["rows"][0]["received"] == 3

    reports.view.rebuild()
    assert read_all() == answers
    calls = runtime.calls_service()
    calls.view.reset(calls.app.name)
    calls.view.process(calls.app, batch_size=7)
    assert read_all() == answers
    assert reports.view.process() == 0  # exactly once
    with runtime.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM reports_queue_calls").fetchone()[0] == 12


def test_background_catch_up_advances_the_read_models_without_a_request(client, runtime, centre):
    """With the background follower (as ``pbxflow serve`` starts it), ingested calls reach the queue
    calls table and the operator states with no report request in between."""
    from pbxflow.reports.service import reports_service
    from sipp import wait_for

    reports = reports_service(runtime)
    calls = runtime.calls_service()
    follower = reports.start_background(poll_interval=60)  # (so only the calls projection's batches wake it)
    try:
        wait_for(lambda: follower.rounds >= 1, 10, what="the follower's first round")
        a = centre["a"]
        script = QueueScript(a["tenant"]["code"], clock=Clock(now=time.time()),
                             devices={n: e["devices"][0]["username"] for n, e in a["exts"].items()})
        script.queue_call("500", "201", "answered")
        position = ingest(runtime, script.events)
        head = calls.app.recorder.max_notification_id()

        def queue_rows() -> int:
            with runtime.pool.connection() as conn:
                return conn.execute("SELECT count(*) FROM reports_queue_calls WHERE tenant_code = %s",
                                    (a["tenant"]["code"],)).fetchone()[0]

        wait_for(lambda: queue_rows() == 1, 15, what="the queue call in the reports read model")
        assert reports.view.position() > 0 and position
        states = reports.operator_states()
        wait_for(lambda: (states.max_tracking_id(calls.app.name) or 0) >= head, 15, what="the operator states")
        device = script.device("201")
        with runtime.pool.connection() as conn:
            assert conn.execute("SELECT count(*) FROM reports_operator_states WHERE device = %s",
                                (device,)).fetchone()[0] >= 2
        assert reports.catch_up() == 0 and reports.catch_up_states() == 0  # a request finds nothing left to do
        assert follower.error is None
    finally:
        reports.stop_background()
    assert reports.follower is None and follower.wake not in calls.view.batch_listeners
