"""The call state machine (projections.calls.model) and event identity, without a database.

The events come from pbxflow.calls.synthetic, shaped like the sandbox's Asterisk 22
traffic; the ingestion filter (pbxflow.calls.ingest.keep) is applied as in production.
"""

from __future__ import annotations

import copy

import pytest

from pbxflow.calls.events import canonical_headers, event_id, record
from pbxflow.calls.ingest import keep
from pbxflow.calls.synthetic import CallScript, Clock
from projections.calls.model import CallBook, call_id, endpoint_of, public_summary

NODE = "pbx1:5038"


def run(events: list[dict], book: CallBook | None = None, node: str = NODE):
    book = book or CallBook()
    for h in events:
        if keep(h["Event"], h):
            book.apply(node, h["Event"], float(h["Timestamp"]), h)
    return book, book.take_effects()


def steps(row: dict) -> list[str]:
    return [s["step"] for s in row["protocol"]]


@pytest.mark.parametrize(("outcome", "voicemail", "result", "answered_by"), [
    ("answered", False, "answered", "202"),
    ("busy", False, "busy", None),
    ("noanswer", False, "no answer", None),
    ("noanswer", True, "voicemail", None),
    ("unavailable", False, "failed", None),
])
def test_internal_call_results(outcome, voicemail, result, answered_by):
    script = CallScript("acme")
    linkedid = script.call("201", "202", outcome, voicemail=voicemail, talk=3.0, ring=5.0)
    book, eff = run(script.events)
    [row] = eff.finished
    assert row["id"] == call_id(NODE, linkedid)
    assert (row["tenant"], row["direction"], row["result"], row["answered_by"]) == ("acme", "internal", result, answered_by)
    assert (row["caller"], row["called"], row["did"]) == ("201", "202", None)
    assert not book.calls and not book.index, "an ended call leaves nothing live"
    assert not eff.active and row["id"] not in {p.get("id") for _, k, p in eff.feed if k == "call"}
    assert row["duration"] == round(row["ended"] - row["started"])
    if outcome == "answered":
        assert row["billable"] == 3 and row["duration"] == 8  # 5 s ringing, 3 s talking
        assert steps(row) == ["start", "dial", "answered", "dial_end", "hangup", "hangup", "end"]
        dial_end = row["protocol"][3]
        assert (dial_end["status"], dial_end["seconds"], dial_end["to"]) == ("ANSWER", 5.0, "202")
    elif voicemail:
        assert row["voicemail"] == "202" and row["billable"] == 3
        assert "voicemail" in steps(row)
    else:
        assert row["billable"] == 0 and row["answered"] is None


def test_live_state_and_feed_of_a_call_in_progress():
    script = CallScript("acme")
    script.call("201", "202", "answered")
    cut = next(i for i, h in enumerate(script.events) if h["Event"] == "BridgeEnter") + 2
    book, eff = run(script.events[:cut])
    [state] = eff.active.values()
    summary = public_summary(state)
    assert (summary["state"], summary["caller"], summary["answered_by"]) == ("talking", "201", "202")
    assert [k for _, k, _ in eff.feed if k == "call"] == ["call"], "one feed entry per call per batch"
    # Nothing new about the call: no feed entry; the rest ends it.
    book.apply(NODE, "Newstate", 0.0, {"Uniqueid": "nobody"})
    assert not book.take_effects().feed
    _, eff = run(script.events[cut:], book)
    assert [r["result"] for r in eff.finished] == ["answered"]
    assert ("acme", "call_end") in {(t, k) for t, k, _ in eff.feed}


def test_presence_follows_device_states_once_per_change():
    script = CallScript("acme")
    script.call("201", "202", "answered")
    book, eff = run(script.events)
    assert {p["device"]: p["state"] for p in eff.presence.values()} == {script.device("201"): "free", script.device("202"): "free"}
    ringing = [p for t, k, p in eff.feed if k == "presence" and p["state"] == "ringing"]
    assert [p["number"] for p in ringing] == ["202"]
    book.apply(NODE, "DeviceStateChange", 1.0, {"Device": f"PJSIP/{script.device('202')}", "State": "NOT_INUSE"})
    assert not book.take_effects().presence, "the same state again is no change"


def test_tenant_falls_back_to_the_device_code():
    script = CallScript("acme")
    script.call("201", "202", "busy")
    events = copy.deepcopy(script.events)
    for h in events:
        h.pop("ChanVariable", None)
    _, eff = run(events)
    assert eff.finished[0]["tenant"] == "acme"


def test_reconcile_creates_unknown_and_ends_missing_channels():
    clock = Clock()
    script = CallScript("acme", clock=clock)
    script.call("201", "202", "answered", talk=10)
    events = script.events
    up_to = next(i for i, h in enumerate(events) if h["Event"] == "BridgeEnter") + 2
    book, _ = run(events[:up_to])
    [call] = book.calls.values()
    # The AMI session dropped; the call hung up meanwhile; another call started and is ringing.
    clock.tick(20)
    other = CallScript("acme", clock=clock)
    other.call("205", "206", "answered")
    ringing = next(i for i, h in enumerate(other.events) if h["Event"] == "DialState") + 1
    live = {}
    for h in other.events[:ringing]:
        if h.get("Uniqueid") and "Channel" in h:
            live[h["Uniqueid"]] = {**{k: v for k, v in h.items() if k not in ("Event", "Privilege", "Timestamp")},
                                   "Duration": "00:00:01"}
    before = clock.now + 1
    book.apply(NODE, "pbxflow.Reconcile", before, {"before": before, "channels": list(live.values()),
                                                   "devices": [{"Device": f"PJSIP/{script.device('202')}", "State": "NOT_INUSE"}]})
    eff = book.take_effects()
    [ended] = eff.finished
    assert ended["id"] == call["id"] and ended["result"] == "answered" and ended["reconciled"]
    assert ended["ended"] == before and steps(ended)[-3:] == ["lost", "lost", "end"]
    [found] = book.calls.values()
    assert found["reconciled"] and found["caller"] == "205" and public_summary(found)["state"] == "routing"
    assert eff.presence[f"{NODE}|{script.device('202')}"]["state"] == "free"
    # The rest of the found call arrives as events and ends it normally.
    _, eff = run(other.events[ringing:], book)
    assert [(r["result"], r["answered_by"], r["reconciled"]) for r in eff.finished] == [("answered", "206", True)]


def test_a_late_channel_list_does_not_bring_back_an_ended_call():
    script = CallScript("acme")
    script.call("201", "202", "answered")
    snapshot = {}
    for h in script.events:
        if h["Event"] == "BridgeEnter":
            break
        if h.get("Uniqueid") and "Channel" in h:
            snapshot[h["Uniqueid"]] = {k: v for k, v in h.items() if k not in ("Event", "Privilege", "Timestamp")}
    book, eff = run(script.events)
    assert len(eff.finished) == 1
    stale = float(script.events[0]["Timestamp"]) + 1  # a second ingester's list, taken mid-call, appended late
    book.apply(NODE, "pbxflow.Reconcile", stale, {"before": stale, "channels": list(snapshot.values())})
    eff = book.take_effects()
    assert not book.calls and not eff.finished and not eff.active
    fresh = CallBook()
    fresh.finished_check = lambda cid: cid == call_id(NODE, script.events[0]["Linkedid"])  # asked of the history table
    fresh.apply(NODE, "pbxflow.Reconcile", stale, {"before": stale, "channels": list(snapshot.values())})
    assert not fresh.calls


def test_replay_gives_the_same_rows():
    script = CallScript("acme")
    for outcome in ("answered", "busy", "noanswer", "unavailable"):
        script.call("201", "202", outcome)
    assert run(script.events)[1].finished == run(copy.deepcopy(script.events))[1].finished


def test_event_identity():
    h = canonical_headers([("Event", "Hangup"), ("Timestamp", "1790000000.000001"), ("Uniqueid", "1.1"), ("content", "")])
    assert "content" not in h
    assert event_id("a:1", h) == event_id("a:1", dict(h)), "deterministic"
    assert event_id("a:1", h) != event_id("b:1", h), "per node"
    assert event_id("a:1", h) != event_id("a:1", {**h, "Timestamp": "1790000000.000002"})
    r = record("a:1", h, received=5.0, fallback="session-1")
    assert r.at == 1790000000.000001 and r.originator_id == event_id("a:1", h), "a timestamped event needs no fallback"
    bare = {"Event": "Hangup", "Uniqueid": "1.1"}
    assert record("a:1", bare, received=5.0, fallback="s1:1").originator_id != record("a:1", bare, received=5.0, fallback="s1:2").originator_id
    assert record("a:1", bare, received=5.0, fallback="s1:1").at == 5.0


def test_channel_names():
    assert endpoint_of("PJSIP/acme-201-x9k2-0000000a") == ("acme-201-x9k2", "device")
    assert endpoint_of("PJSIP/trunk-0a1b2c3d-00000001") == ("trunk-0a1b2c3d", "trunk")
    assert endpoint_of("Local/74951234567@t-acme-outbound-00000001;2") == (None, "local")
    assert endpoint_of("PJSIP/somebody-00000001") == ("somebody", "other")


def test_ingestion_filter():
    assert keep("Newchannel", {}) and keep("DeviceStateChange", {}) and keep("UserEvent", {})
    assert not keep("VarSet", {}) and not keep("Cdr", {}) and not keep("TestEvent", {})
    assert keep("Newexten", {"Application": "VoiceMail"}) and not keep("Newexten", {"Application": "Set"})


def test_reconcile_takes_the_first_channel_as_origin_whatever_the_list_order():
    script = CallScript("acme")
    script.call("201", "202", "answered", talk=10)
    up_to = next(i for i, h in enumerate(script.events) if h["Event"] == "BridgeEnter") + 2
    live = {}
    for h in script.events[:up_to]:
        if h.get("Uniqueid") and "Channel" in h:
            live[h["Uniqueid"]] = {**{k: v for k, v in h.items() if k not in ("Event", "Privilege", "Timestamp")},
                                   "Duration": "00:00:02"}
    before = float(script.events[up_to]["Timestamp"])
    book = CallBook()
    book.apply(NODE, "pbxflow.Reconcile", before, {"before": before, "channels": list(reversed(live.values()))})
    [call] = book.calls.values()
    summary = public_summary(call)
    assert (summary["caller"], summary["called"], summary["answered_by"]) == ("201", "202", "202")
