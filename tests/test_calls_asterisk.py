"""Calls through the real Asterisk (asterisk/sandbox) with SIPp phones, ingested over AMI.

The calls ingestion (pbxflow.calls.ingest) runs against the sandbox's AMI like
``pbxflow serve`` runs it; each call placed with SIPp must give the right history row
(direction, result, times, who answered) and protocol, and only in its own tenant.
"""

from __future__ import annotations

import pytest
from sipp import allocate, wait_for
from test_asterisk_calls import apply, channels, make_ext, make_tenant, register, up_channels_of

from pbxflow.context import SYSTEM

pytestmark = pytest.mark.asterisk

NODE_OPTIONS = dict(connect_timeout=5.0, action_timeout=10.0, backoff_initial=0.1, backoff_max=1.0, stable_after=0.0)


@pytest.fixture
def calls(runtime, asterisk):
    svc = runtime.calls_service()
    ingestion = svc.start_ingestion([asterisk.ami_url], node_options=NODE_OPTIONS, linger=0.01)
    wait_for(lambda: ingestion.ingestor.stats.reconciles >= 1, 20, 0.05, "the ingestion to connect and reconcile")
    yield svc
    ingestion.close()
    svc.ingestion = None


def history(svc, tenant_id: str, count: int, timeout: float = 20.0) -> list[dict]:
    """The tenant's call history (oldest first) once it has ``count`` rows."""
    scope = svc.read.scope(tenant_id)

    def rows():
        total, items = svc.read.history(scope, limit=100)
        return list(reversed(items)) if total >= count else None

    return wait_for(rows, timeout, 0.1, f"{count} history rows")


def protocol(svc, tenant_id: str, call_id: str) -> list[dict]:
    return svc.read.call(svc.read.scope(tenant_id), call_id)["protocol"]


def steps(svc, tenant_id: str, call_id: str) -> list[str]:
    return [s["step"] for s in protocol(svc, tenant_id, call_id)]


def test_completed_busy_and_unanswered_calls(runtime, asterisk, reloader, phones, calls):
    t = make_tenant(runtime, "Calls history")
    caller = make_ext(runtime, t.id, "201", "Caller One")
    target = make_ext(runtime, t.id, "202", "Callee Two", ring_time=5)
    other = make_tenant(runtime, "Someone else")
    o1 = make_ext(runtime, other.id, "201", "Other One")
    make_ext(runtime, other.id, "202", "Other Two")  # registered nowhere: unavailable
    apply(runtime, asterisk, reloader)
    ports = allocate()
    register(asterisk, phones, target, ports)

    uas = phones.uas("uas_answer.xml", ports, hold_ms=1500)
    result = phones.uac_call("202", caller.username, caller.password, allocate())
    assert result.rc == 0, result.describe()
    uas.wait()
    uas = phones.uas("uas_busy.xml", ports)
    assert phones.uac_call("202", caller.username, caller.password, allocate(), expect=486).rc == 0
    uas.wait()
    uas = phones.uas("uas_noanswer.xml", ports)
    assert phones.uac_call("202", caller.username, caller.password, allocate(), expect=480).rc == 0
    uas.wait()
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")

    answered, busy, missed = history(calls, t.id, 3)
    assert (answered["direction"], answered["result"], answered["caller"], answered["caller_name"], answered["called"]) == (
        "internal", "answered", "201", "Caller One", "202")
    assert answered["answered_by"]["number"] == "202" and answered["answered_by"]["name"] == "Callee Two"
    assert answered["answered_by"]["extension_id"] == target.id and answered["answered_by"]["device"] == target.username
    assert 1 <= answered["billable_seconds"] <= answered["duration"] <= 8
    assert answered["answered_at"] and answered["reconciled"] is False
    assert steps(calls, t.id, answered["id"]) == ["start", "dial", "answered", "dial_end", "hangup", "hangup", "end"]

    assert (busy["result"], busy["answered_by"], busy["billable_seconds"]) == ("busy", None, 0)
    busy_steps = protocol(calls, t.id, busy["id"])
    assert [s["status"] for s in busy_steps if s["step"] == "dial_end"] == ["BUSY"]

    assert (missed["result"], missed["answered_by"]) == ("no answer", None)
    [rang] = [s for s in protocol(calls, t.id, missed["id"]) if s["step"] == "dial_end"]
    assert rang["status"] == "NOANSWER" and 4.5 <= rang["seconds"] <= 7, rang
    assert rang["text"].startswith("rang 202 for ") and rang["text"].endswith(": no answer")

    # The other tenant (same extension numbers) has none of these calls; its own call is its own.
    assert calls.read.history(calls.read.scope(other.id))[0] == 0
    assert phones.uac_call("202", o1.username, o1.password, allocate(), expect=480).rc == 0  # 202 of `other` is offline
    [theirs] = history(calls, other.id, 1)
    assert (theirs["caller"], theirs["result"]) == ("201", "failed")
    assert calls.read.history(calls.read.scope(t.id))[0] == 3


def test_unanswered_call_goes_to_voicemail(runtime, asterisk, reloader, phones, calls):
    t = make_tenant(runtime, "Voicemail calls")
    caller = make_ext(runtime, t.id, "201", "Caller")
    target = make_ext(runtime, t.id, "202", "Has voicemail", ring_time=5)
    runtime.app.update(SYSTEM, "extension", t.id, target.id, None, {"voicemail": True})
    box = runtime.app.create(SYSTEM, "voicemail_box", t.id, {"name": "Box 202", "mailbox": "202", "owner_type": "extension",
                                                              "owner_id": target.id})
    runtime.wait(box.notification_id)
    apply(runtime, asterisk, reloader)
    ports = allocate()
    register(asterisk, phones, target, ports)
    uas = phones.uas("uas_noanswer.xml", ports)
    # Voicemail answers; the caller says nothing and hangs up after 15 s (the scenario's wait).
    result = phones.uac_call("202", caller.username, caller.password, allocate(), timeout=60)
    assert result.rc == 0, result.describe()
    uas.wait()
    [row] = history(calls, t.id, 1, timeout=30)
    assert (row["result"], row["voicemail"], row["answered_by"]) == ("voicemail", "202", None)
    assert row["billable_seconds"] >= 10 and row["duration"] >= row["billable_seconds"] + 2
    texts = [s["text"] for s in protocol(calls, t.id, row["id"])]
    assert "went to voicemail 202" in texts and texts[-1] == "call ended: voicemail"
    assert any(x.startswith("rang 202 for ") and x.endswith(": no answer") for x in texts), texts


def test_ingestion_started_mid_call_finds_it_and_sees_it_end(runtime, asterisk, reloader, phones):
    """A restart of the ingestion during a call: the node's channel list brings the call
    back (live, talking), its hangup ends it; presence comes from the node's device list."""
    t = make_tenant(runtime, "Mid-call")
    caller = make_ext(runtime, t.id, "201", "Caller")
    target = make_ext(runtime, t.id, "202", "Callee")
    apply(runtime, asterisk, reloader)
    ports = allocate()
    register(asterisk, phones, target, ports)
    uas = phones.uas("uas_answer.xml", ports, hold_ms=6000)
    call = phones.start_uac_call("202", caller.username, caller.password, allocate())
    wait_for(lambda: up_channels_of(asterisk, caller.username, target.username), 15, 0.1, "the call to be up")
    svc = runtime.calls_service()
    ingestion = svc.start_ingestion([asterisk.ami_url], node_options=NODE_OPTIONS)
    try:
        scope = svc.read.scope(t.id)
        [live] = wait_for(lambda: svc.read.active(scope), 15, 0.1, "the live call")
        assert (live["state"], live["caller"], live["called"], live["answered_by"]) == ("talking", "201", "202", "202")
        presence = {p["number"]: p["state"] for p in svc.read.presence(scope)}
        assert presence["202"] == "talking"
        assert call.wait().rc == 0 and uas.wait().rc == 0
        [row] = history(svc, t.id, 1)
        assert (row["result"], row["reconciled"], row["answered_by"]["number"]) == ("answered", True, "202")
        assert row["duration"] >= 5
        assert not svc.read.active(scope)
        wait_for(lambda: {p["number"]: p["state"] for p in svc.read.presence(scope)}.get("202") == "free", 10, 0.1,
                 "202 to be free again")
    finally:
        ingestion.close()
        svc.ingestion = None


def test_inbound_call_through_a_routing_scheme(runtime, asterisk, reloader, phones, calls):
    """A DID's scheme rings 202 (busy), then 203 (answers): the protocol shows the scheme's
    nodes and both dial attempts; the row is inbound, with the DID and the trunk's caller."""
    from pbxflow import scheme_service
    from projections.asterisk.scheme import scheme_key

    trunk_ports = allocate()
    trunk = runtime.app.create(SYSTEM, "trunk", None, {"name": "Operator", "host": "127.0.0.1", "port": trunk_ports.sip,
                                                        "username": "pbxflow-trunk", "password": "trunk-secret-1"})
    runtime.wait(trunk.notification_id)
    t = make_tenant(runtime, "Scheme calls")
    did = "+74955550101"
    r = runtime.app.create(SYSTEM, "number", None, {"number": did})
    runtime.wait(r.notification_id)
    runtime.wait(runtime.app.allocate_number(SYSTEM, t.id, did).notification_id)
    first, second = make_ext(runtime, t.id, "202", "First"), make_ext(runtime, t.id, "203", "Second")
    graph = {"nodes": [{"id": "in", "type": "entry", "params": {"numbers": [did]}},
                       {"id": "first", "type": "dial", "params": {"extension_id": first.id, "ring_time": 5}},
                       {"id": "second", "type": "dial", "params": {"extension_id": second.id, "ring_time": 10}}],
             "edges": [{"from": "in", "port": "next", "to": "first"}, {"from": "first", "port": "busy", "to": "second"}]}
    sid = runtime.app.create(SYSTEM, "scheme", t.id, {"name": "Reception", "graph": graph})
    runtime.wait(sid.notification_id)
    _, rev = scheme_service.publish(runtime, SYSTEM, t.id, sid.id, None, "calls test")
    runtime.wait(rev.notification_id)
    apply(runtime, asterisk, reloader)
    p1, p2 = allocate(), allocate()
    register(asterisk, phones, first, p1)
    register(asterisk, phones, second, p2)
    busy = phones.uas("uas_busy.xml", p1)
    answer = phones.uas("uas_answer.xml", p2, hold_ms=1000)
    result = phones.trunk_call(did.lstrip("+"), trunk_ports, caller="74990001122")
    assert result.rc == 0, result.describe()
    busy.wait()
    answer.wait()
    [row] = history(calls, t.id, 1)
    assert (row["direction"], row["result"], row["did"], row["caller"]) == ("in", "answered", did, "74990001122")
    assert (row["answered_by"]["number"], row["answered_by"]["name"], row["scheme"]) == ("203", "Second", scheme_key(sid.id))
    steps_ = protocol(calls, t.id, row["id"])
    assert [s["node"] for s in steps_ if s["step"] == "node"] == ["in", "first", "second"]
    assert {s["revision"] for s in steps_ if s["step"] == "node"} == {rev.data["number"]}
    assert [(s["to"], s["status"]) for s in steps_ if s["step"] == "dial_end"] == [("202", "BUSY"), ("203", "ANSWER")]
    texts = [s["text"] for s in steps_]
    assert any(x.startswith(f"routing scheme {scheme_key(sid.id)} r{rev.data['number']}: node first") for x in texts), texts
