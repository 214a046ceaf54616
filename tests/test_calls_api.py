"""The calls API: history, protocol, active calls, presence and the live event stream,
always scoped to one tenant. Calls are AMI events appended to the calls store as the
ingestion would (pbxflow.calls.events), shaped by pbxflow.calls.synthetic."""

from __future__ import annotations

import json
import threading
import time

import pytest

from conftest import login
from pbxflow.calls.events import Appender, canonical_headers, record
from pbxflow.calls.ingest import keep
from pbxflow.calls.synthetic import CallScript, Clock

NODE = "pbx1:5038"


def ingest(runtime, events: list[dict], node: str = NODE) -> int:
    """Append the call events (idempotently) and wait until the read models have them."""
    svc = runtime.calls_service()
    recorded = [record(node, canonical_headers(h.items()), received=time.time()) for h in events if keep(h["Event"], h)]
    result = Appender(svc.app).append(recorded)
    svc.wait(result.position)
    return result.position or 0


def tenant(client, name: str) -> dict:
    r = client.post("/api/tenants", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()


def extension(client, tid: str, number: str, name: str) -> dict:
    r = client.post(f"/api/tenants/{tid}/extensions", json={"number": number, "name": name, "devices": [{"type": "sip"}]})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def world(client, runtime):
    out = {}
    for key, name in (("a", "Alpha"), ("b", "Beta")):
        t = tenant(client, name)
        out[key] = {"tenant": t, "exts": {n: extension(client, t["id"], n, f"{name} {n}") for n in ("201", "202")}}
    clock = Clock(now=time.time())  # calls from before a tenant existed are not its calls
    for item in out.values():
        item["script"] = CallScript(item["tenant"]["code"], clock=clock,
                                    devices={n: e["devices"][0]["username"] for n, e in item["exts"].items()})
    r = client.post(f"/api/tenants/{out['a']['tenant']['id']}/users",
                    json={"login": "sup-a", "name": "Supervisor", "password": "sup-a-password", "role": "supervisor"})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/tenants/{out['a']['tenant']['id']}/users",
                    json={"login": "user-a", "name": "User", "password": "user-a-password", "role": "user"})
    assert r.status_code == 201, r.text
    return out


def test_history_is_per_tenant_with_filters_and_paging(client, runtime, world):
    a, b = world["a"], world["b"]
    for outcome in ("answered", "busy", "noanswer", "answered"):
        a["script"].call("201", "202", outcome, talk=4, ring=2)
    b["script"].call("202", "201", "answered")
    position = ingest(runtime, a["script"].events + b["script"].events)
    ta, tb = a["tenant"]["id"], b["tenant"]["id"]

    r = client.get(f"/api/tenants/{ta}/calls", params={"position": position})
    assert r.status_code == 200, r.text
    assert int(r.headers["X-Calls-Position"]) >= position
    body = r.json()
    assert body["total"] == 4
    assert [c["result"] for c in body["items"]] == ["answered", "no answer", "busy", "answered"]  # newest first
    first = body["items"][-1]
    assert (first["direction"], first["caller"], first["called"], first["duration"], first["billable_seconds"]) == (
        "internal", "201", "202", 6, 4)
    assert first["answered_by"] == {"number": "202", "name": "Alpha 202", "device": a["exts"]["202"]["devices"][0]["username"],
                                    "extension_id": a["exts"]["202"]["id"]}
    assert first["started_at"] < first["answered_at"] < first["ended_at"]

    [other] = client.get(f"/api/tenants/{tb}/calls").json()["items"]
    assert (other["caller"], other["answered_by"]["name"]) == ("202", "Beta 201")
    assert other["id"] not in {c["id"] for c in body["items"]}

    assert client.get(f"/api/tenants/{ta}/calls", params={"result": "busy"}).json()["total"] == 1
    assert client.get(f"/api/tenants/{ta}/calls", params={"direction": "in"}).json()["total"] == 0
    assert client.get(f"/api/tenants/{ta}/calls", params={"number": "202"}).json()["total"] == 4
    assert client.get(f"/api/tenants/{ta}/calls", params={"number": "999"}).json()["total"] == 0
    page = client.get(f"/api/tenants/{ta}/calls", params={"limit": 2, "offset": 1}).json()
    assert [c["id"] for c in page["items"]] == [c["id"] for c in body["items"][1:3]]
    later = client.get(f"/api/tenants/{ta}/calls", params={"from": body["items"][0]["started_at"]}).json()
    assert later["total"] == 1

    # Another tenant's admin sees nothing of A, not even that it exists.
    headers = login(client, "sup-a", "sup-a-password")
    assert client.get(f"/api/tenants/{ta}/calls", headers=headers).json()["total"] == 4
    assert client.get(f"/api/tenants/{tb}/calls", headers=headers).status_code == 404
    assert client.get(f"/api/tenants/{tb}/calls/{other['id']}", headers=headers).status_code == 404
    assert client.get(f"/api/tenants/{ta}/calls/{other['id']}").status_code == 404  # B's call through A's path
    assert client.get(f"/api/tenants/{ta}/calls", headers=login(client, "user-a", "user-a-password")).status_code == 403


def test_call_protocol_in_words(client, runtime, world):
    a = world["a"]
    a["script"].call("201", "202", "noanswer", voicemail=True, ring=20, talk=7)
    ingest(runtime, a["script"].events)
    ta = a["tenant"]["id"]
    [item] = client.get(f"/api/tenants/{ta}/calls").json()["items"]
    assert (item["result"], item["voicemail"], item["billable_seconds"]) == ("voicemail", "202", 7)
    call = client.get(f"/api/tenants/{ta}/calls/{item['id']}").json()
    assert call["active"] is False
    texts = [s["text"] for s in call["protocol"]]
    assert texts[0] == "call from 201 to 202"
    assert "ringing 202" in texts
    assert "rang 202 for 20 s: no answer" in texts
    assert "went to voicemail 202" in texts
    assert texts[-1] == "call ended: voicemail"
    offsets = [s["offset"] for s in call["protocol"]]
    assert offsets == sorted(offsets) and offsets[0] == 0
    assert client.get(f"/api/tenants/{ta}/calls/not-a-uuid").status_code == 404


def test_active_calls_and_presence(client, runtime, world):
    a, b = world["a"], world["b"]
    a["script"].call("201", "202", "answered", talk=30)
    events = a["script"].events
    talking = next(i for i, h in enumerate(events) if h["Event"] == "BridgeEnter") + 2
    ingest(runtime, events[:talking])
    ta, tb = a["tenant"]["id"], b["tenant"]["id"]
    [live] = client.get(f"/api/tenants/{ta}/active-calls").json()["items"]
    assert (live["state"], live["caller"], live["called"], live["answered_by"]) == ("talking", "201", "202", "202")
    assert len(live["channels"]) == 2
    assert client.get(f"/api/tenants/{tb}/active-calls").json() == {"total": 0, "items": []}
    detail = client.get(f"/api/tenants/{ta}/calls/{live['id']}").json()
    assert detail["active"] is True and [s["step"] for s in detail["protocol"]][:2] == ["start", "dial"]

    presence = {p["number"]: p for p in client.get(f"/api/tenants/{ta}/presence").json()["items"]}
    assert presence["201"]["state"] == "talking" and presence["202"]["state"] == "talking"
    assert presence["202"]["devices"][0]["device"] == a["exts"]["202"]["devices"][0]["username"]
    assert {p["state"] for p in client.get(f"/api/tenants/{tb}/presence").json()["items"]} == {"unknown"}

    ingest(runtime, events[talking:])
    assert client.get(f"/api/tenants/{ta}/active-calls").json()["total"] == 0
    presence = {p["number"]: p["state"] for p in client.get(f"/api/tenants/{ta}/presence").json()["items"]}
    assert presence == {"201": "free", "202": "free"}


def read_stream(client, path: str, seconds: int, headers=None) -> list[dict]:
    """All server-sent events of a stream that closes after ``seconds``."""
    out, current = [], {}
    with client.stream("GET", path, params={"seconds": seconds}, headers=headers or {}) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if not line:
                if current:
                    out.append(current)
                current = {}
                continue
            field, _, value = line.partition(": ")
            if field in ("event", "id", "data"):
                current[field] = value
    if current:
        out.append(current)
    return out


def test_event_stream_shows_only_the_tenants_own_calls(client, runtime, world):
    a, b = world["a"], world["b"]
    a["script"].call("201", "202", "answered", talk=1)
    b["script"].call("201", "202", "answered", talk=1)
    b["script"].call("202", "201", "busy")

    def cut(events):
        return next(i for i, h in enumerate(events) if h["Event"] == "BridgeEnter") + 2

    ea, eb = a["script"].events, b["script"].events

    def later():
        time.sleep(0.8)
        ingest(runtime, ea[:cut(ea)] + eb[:cut(eb)])  # both talking
        time.sleep(0.3)
        ingest(runtime, ea[cut(ea):] + eb[cut(eb):])

    worker = threading.Thread(target=later)
    worker.start()
    try:
        events = read_stream(client, f"/api/tenants/{a['tenant']['id']}/events", 3,
                             headers=login(client, "sup-a", "sup-a-password"))
    finally:
        worker.join()
    assert events[0]["event"] == "snapshot"
    snapshot = json.loads(events[0]["data"])
    assert snapshot["active"] == [] and {p["number"] for p in snapshot["presence"]} == {"201", "202"}
    kinds = [e["event"] for e in events[1:]]
    assert "call" in kinds and kinds.count("call_end") == 1 and "presence" in kinds
    ids = [int(e["id"]) for e in events[1:]]
    assert ids == sorted(ids)
    a_devices = {e["devices"][0]["username"] for e in a["exts"].values()}
    a_calls = {c["id"] for c in client.get(f"/api/tenants/{a['tenant']['id']}/calls").json()["items"]}
    for e in events[1:]:
        payload = json.loads(e["data"])
        if e["event"] == "presence":
            assert payload["device"] in a_devices
        else:
            assert payload["id"] in a_calls, f"another tenant's call in the stream: {payload}"


def test_event_stream_scope(client, world):
    tb = world["b"]["tenant"]["id"]
    headers = login(client, "sup-a", "sup-a-password")
    assert client.get(f"/api/tenants/{tb}/events", params={"seconds": 1}, headers=headers).status_code == 404
    r = client.get(f"/api/tenants/{world['a']['tenant']['id']}/events", params={"seconds": 1},
                   headers=login(client, "user-a", "user-a-password"))
    assert r.status_code == 403


def test_status_for_operators(client, runtime, world):
    a = world["a"]
    a["script"].call("201", "202", "busy")
    ingest(runtime, a["script"].events)
    status = client.get("/api/calls/status").json()
    assert status["events"] >= 1 and status["lag"] == 0 and status["ingestion"] is None
    assert client.get("/api/calls/status", headers=login(client, "sup-a", "sup-a-password")).status_code == 403
