"""More real calls through the sandbox, ingested over AMI: a call answered through a group
(queue), a blind transfer (the callee REFERs the caller to a third phone), and the tenant's
live event stream (SSE) following a real call from ringing to its history row.
"""

from __future__ import annotations

import json
import threading

import pytest
from sipp import OK, allocate, wait_for
from test_asterisk_calls import apply, channels, make_ext, make_tenant, register
from test_asterisk_components import create
from test_calls_api import read_stream
from test_calls_asterisk import calls, history, protocol, steps  # noqa: F401  (calls is a fixture)

pytestmark = pytest.mark.asterisk


def test_call_answered_through_a_group_has_its_queue_steps(runtime, asterisk, reloader, phones, calls, tmp_path):
    t = make_tenant(runtime, "Queue history")
    caller = make_ext(runtime, t.id, "201", "Caller")
    member = make_ext(runtime, t.id, "202", "Agent Two")
    create(runtime, "group", t.id, {"name": "Support", "number": "500", "strategy": "ring_all", "ring_time": 10,
                                    "max_wait": 30, "members": [{"extension_id": member.id, "priority": 1}]})
    apply(runtime, asterisk, reloader)
    ports = allocate()
    register(asterisk, phones, member, ports)
    uas = phones.uas("uas_answer.xml", ports, hold_ms=1500)
    call = phones.staying_call("500", caller).wait()
    assert call.rc == OK and call.received("BYE"), call.describe()
    assert uas.wait().rc == OK
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")

    [row] = history(calls, t.id, 1)
    assert (row["direction"], row["result"], row["caller"], row["called"]) == ("internal", "answered", "201", "500")
    assert row["answered_by"]["number"] == "202" and row["answered_by"]["name"] == "Agent Two"
    assert row["billable_seconds"] >= 1
    names = steps(calls, t.id, row["id"])
    queue = f"t-{t.data['code']}-q500"
    assert names.index("queue_join") < names.index("agent_called") < names.index("agent_connect") < names.index("end")
    [join] = [s for s in protocol(calls, t.id, row["id"]) if s["step"] == "queue_join"]
    assert join["queue"] == queue and join["position"] == 1


def test_blind_transfer_is_one_call_with_a_transfer_step(runtime, asterisk, reloader, phones, calls, tmp_path):
    t = make_tenant(runtime, "Transfers")
    caller = make_ext(runtime, t.id, "201", "Caller")
    first = make_ext(runtime, t.id, "202", "Reception")
    second = make_ext(runtime, t.id, "203", "Accounts")
    apply(runtime, asterisk, reloader)
    p_first, p_second = allocate(), allocate()
    register(asterisk, phones, first, p_first)
    register(asterisk, phones, second, p_second)
    transferring = phones.start("uas_refer.xml", p_first, timeout=30, options=("-aa",), target="203").wait_ready()
    accounts = phones.uas("uas_answer.xml", p_second, hold_ms=1500)
    call = phones.staying_call("202", caller).wait()
    assert call.rc == OK and call.received("BYE"), call.describe()
    assert transferring.wait().rc == OK
    assert accounts.wait().rc == OK
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")

    [row] = history(calls, t.id, 1)  # one call: the caller's, from 201 to 202 and then to 203
    assert (row["caller"], row["called"], row["result"]) == ("201", "202", "answered")
    assert row["answered_by"]["number"] == "202"
    proto = protocol(calls, t.id, row["id"])
    names = [s["step"] for s in proto]
    [transfer] = [s for s in proto if s["step"] == "transfer"]
    assert transfer["kind"] == "blind" and transfer["to"] == "203", transfer
    # After the transfer, 203 is dialled and answers; the row stays the caller's one call.
    after = proto[names.index("transfer"):]
    dial_to_203 = [s for s in after if s["step"] == "dial" and "203" in s["text"]]
    assert dial_to_203, [s["text"] for s in after]
    [rang_203] = [s for s in after if s["step"] == "dial_end"]
    assert rang_203["status"] == "ANSWER" and rang_203["text"].startswith("rang 203 for "), rang_203
    assert names[-1] == "end" and proto[-1]["text"] == "call ended: answered"


def test_event_stream_follows_a_real_call(client, runtime, asterisk, reloader, phones, calls):
    t = make_tenant(runtime, "Live stream")
    caller = make_ext(runtime, t.id, "201", "Caller")
    target = make_ext(runtime, t.id, "202", "Callee")
    other = make_tenant(runtime, "Quiet neighbour")
    o1, o2 = make_ext(runtime, other.id, "201", "N1"), make_ext(runtime, other.id, "202", "N2")
    apply(runtime, asterisk, reloader)
    ports, o_ports = allocate(), allocate()
    register(asterisk, phones, target, ports)
    register(asterisk, phones, o2, o_ports)
    out: list[dict] = []
    reader = threading.Thread(target=lambda: out.extend(read_stream(client, f"/api/tenants/{t.id}/events", 12)))
    reader.start()
    try:
        # Both tenants call at the same time; only the first tenant's call may show up.
        uas = phones.uas("uas_answer.xml", ports, hold_ms=2000)
        o_uas = phones.uas("uas_answer.xml", o_ports, hold_ms=2000)
        mine = phones.start_uac_call("202", caller.username, caller.password, allocate())
        theirs = phones.start_uac_call("202", o1.username, o1.password, allocate())
        assert mine.wait().rc == OK and theirs.wait().rc == OK
        assert uas.wait().rc == OK and o_uas.wait().rc == OK
        [row] = history(calls, t.id, 1)
    finally:
        reader.join()
    assert out and out[0]["event"] == "snapshot"
    live = [json.loads(e["data"]) for e in out if e["event"] == "call"]
    ended = [json.loads(e["data"]) for e in out if e["event"] == "call_end"]
    assert {c["id"] for c in live} == {row["id"]}, live
    assert "talking" in {c["state"] for c in live} and all(c["caller"] == "201" for c in live)
    assert [c["id"] for c in ended] == [row["id"]]
    presence = [json.loads(e["data"]) for e in out if e["event"] == "presence"]
    assert presence and {p["device"] for p in presence} <= {caller.username, target.username}
    [theirs_row] = history(calls, other.id, 1)
    assert theirs_row["id"] != row["id"]
