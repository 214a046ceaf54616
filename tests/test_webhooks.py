"""Webhooks (F-CAL-7): call events POSTed to tenants' URLs, signed, once per (webhook, event),
retried with backoff, logged. Calls are AMI events appended to the calls store as the
ingestion would; a local HTTP server in the test receives the deliveries. The worker runs
step by step (``run_once``) on an injected clock: no sleeping, no wall-clock assertions."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import login
from pbxflow.calls.events import Appender, canonical_headers, record
from pbxflow.calls.ingest import keep
from pbxflow.calls.synthetic import CallScript, Clock
from pbxflow.calls.webhooks import WebhookWorker

NODE = "pbx1:5038"


class Receiver:
    """An HTTP endpoint on 127.0.0.1 recording every request; answers from ``script`` (then 200)."""

    def __init__(self, script: list[int] | None = None):
        self.requests: list[dict] = []
        self.script = list(script or [])
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    code = outer.script.pop(0) if outer.script else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(script=None) -> Receiver:
        r = Receiver(script)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


class StepClock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def ingest(runtime, events: list[dict]) -> int:
    svc = runtime.calls_service()
    recorded = [record(NODE, canonical_headers(h.items()), received=time.time()) for h in events if keep(h["Event"], h)]
    result = Appender(svc.app).append(recorded)
    svc.wait(result.position)
    return result.position or 0


def make_tenant(client, name: str) -> dict:
    r = client.post("/api/tenants", json={"name": name})
    assert r.status_code == 201, r.text
    t = r.json()
    exts = {}
    for n in ("201", "202"):
        r = client.post(f"/api/tenants/{t['id']}/extensions", json={"number": n, "name": f"{name} {n}", "devices": [{"type": "sip"}]})
        assert r.status_code == 201, r.text
        exts[n] = r.json()
    script = CallScript(t["code"], clock=Clock(now=time.time()), devices={n: e["devices"][0]["username"] for n, e in exts.items()})
    return {"tenant": t, "exts": exts, "script": script}


def webhook(client, tid: str, url: str, **extra) -> dict:
    r = client.post(f"/api/tenants/{tid}/webhooks", json={"name": extra.pop("name", "CRM"), "url": url, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def deliveries(client, tid: str, wid: str, **params) -> dict:
    r = client.get(f"/api/tenants/{tid}/webhooks/{wid}/deliveries", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def worker(runtime, clock, **options) -> WebhookWorker:
    runtime.calls_service()  # the calls read models (and calls_hooks) exist
    return WebhookWorker(runtime.pool, clock=clock, **options)


def verify(secret: str, request: dict) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Pbxflow-Signature"])


def test_signed_deliveries_once_per_event_and_only_to_the_calls_tenant(client, runtime, receivers):
    a, b = make_tenant(client, "Alpha"), make_tenant(client, "Beta")
    ra, rb, r_end = receivers(), receivers(), receivers()
    ta, tb = a["tenant"]["id"], b["tenant"]["id"]
    wa = webhook(client, ta, ra.url)
    wb = webhook(client, tb, rb.url)
    w_end = webhook(client, ta, r_end.url, name="Ends only", events=["call_ended"], secret="s3cr3t-given-by-the-crm")
    assert len(wa["secret"]) >= 32 and wa["events"] == ["new_call", "answered", "leg_ended", "call_ended"]
    assert w_end["secret"] == "s3cr3t-given-by-the-crm"
    clock = StepClock()
    w = worker(runtime, clock)

    a["script"].call("201", "202", "answered", talk=4, ring=2)
    events = a["script"].events
    ingest(runtime, events)
    made, attempted = w.run_once()
    assert (made, attempted) == (6, 6)

    got = ra.bodies()
    assert [g["event"] for g in got] == ["new_call", "answered", "leg_ended", "leg_ended", "call_ended"]
    assert all(verify(wa["secret"], req) for req in ra.requests)
    assert not verify("another secret", ra.requests[0])
    ids = [req["headers"]["X-Pbxflow-Delivery"] for req in ra.requests]
    assert len(set(ids)) == 5 and ids == [g["id"] for g in got]
    assert [req["headers"]["X-Pbxflow-Event"] for req in ra.requests] == [g["event"] for g in got]
    assert {g["call"]["id"] for g in got} == {got[0]["call"]["id"]}
    assert all(g["tenant_id"] == ta and g["webhook_id"] == wa["id"] for g in got)
    new, answered, end = got[0], got[1], got[-1]
    assert (new["call"]["caller"], new["call"]["called"], new["call"]["direction"]) == ("201", "202", "internal")
    assert new["call"]["answered_at"] is None
    assert answered["answered_by"] == "202" and answered["call"]["answered_at"] is not None
    assert (end["result"], end["duration"], end["billable_seconds"]) == ("answered", 6, 4)
    assert {g["leg"]["device"] for g in got if g["event"] == "leg_ended"} == {e["devices"][0]["username"] for e in a["exts"].values()}
    assert datetime.fromisoformat(new["at"]) <= datetime.fromisoformat(end["at"])
    assert [g["event"] for g in r_end.bodies()] == ["call_ended"] and verify(w_end["secret"], r_end.requests[0])
    assert rb.requests == []  # tenant B never hears of tenant A's calls

    # Duplicates of the AMI events, a second run and a rebuild of the calls read models send nothing again.
    ingest(runtime, events)
    svc = runtime.calls_service()
    svc.view.reset(svc.app.name)
    svc.catch_up()
    assert w.run_once() == (0, 0)
    assert len(ra.requests) == 5 and len(r_end.requests) == 1

    b["script"].call("202", "201", "busy")
    ingest(runtime, b["script"].events)
    w.run_once()
    assert [g["event"] for g in rb.bodies()] == ["new_call", "leg_ended", "leg_ended", "call_ended"]
    assert rb.bodies()[-1]["result"] == "busy" and all(verify(wb["secret"], req) for req in rb.requests)
    assert len(ra.requests) == 5 and len(r_end.requests) == 1

    log = deliveries(client, ta, wa["id"])
    assert log["total"] == 5
    assert {(i["status"], i["attempts"], i["last_status"], i["next_attempt_at"]) for i in log["items"]} == {("delivered", 1, 200, None)}
    assert deliveries(client, tb, wb["id"])["total"] == 4
    # Another tenant's webhook through this tenant's path, or as that tenant's admin: not found.
    assert client.get(f"/api/tenants/{ta}/webhooks/{wb['id']}/deliveries").status_code == 404


def test_retries_with_growing_delays_then_delivered(client, runtime, receivers):
    a = make_tenant(client, "Alpha")
    rec = receivers([500, 500, 200])
    ta = a["tenant"]["id"]
    wh = webhook(client, ta, rec.url, events=["call_ended"])
    clock = StepClock()
    w = worker(runtime, clock)
    a["script"].call("201", "202", "noanswer")
    ingest(runtime, a["script"].events)
    start = clock.now

    assert w.run_once() == (1, 1)
    item = deliveries(client, ta, wh["id"])["items"][0]
    assert (item["status"], item["attempts"], item["last_status"], item["last_error"]) == ("pending", 1, 500, "HTTP 500")
    assert datetime.fromisoformat(item["next_attempt_at"]).timestamp() == pytest.approx(start + 1)
    assert w.run_once() == (0, 0)  # not due yet
    clock.now += 1
    assert w.run_once() == (0, 1)
    item = deliveries(client, ta, wh["id"])["items"][0]
    assert (item["status"], item["attempts"]) == ("pending", 2)
    assert datetime.fromisoformat(item["next_attempt_at"]).timestamp() == pytest.approx(start + 1 + 2)
    clock.now += 1
    assert w.run_once() == (0, 0)
    clock.now += 1
    assert w.run_once() == (0, 1)
    item = deliveries(client, ta, wh["id"], status="delivered")["items"][0]
    assert (item["status"], item["attempts"], item["last_status"], item["last_error"], item["next_attempt_at"]) == (
        "delivered", 3, 200, None, None)
    attempts = [datetime.fromisoformat(e["at"]).timestamp() for e in item["log"]]
    gaps = [round(b - a, 3) for a, b in zip(attempts, attempts[1:])]
    assert gaps == [1.0, 2.0]
    assert [e["status"] for e in item["log"]] == [500, 500, 200]
    # The same delivery each time: one id, the same bytes, valid signatures.
    assert len({r["headers"]["X-Pbxflow-Delivery"] for r in rec.requests}) == 1
    assert len({r["body"] for r in rec.requests}) == 1 and all(verify(wh["secret"], r) for r in rec.requests)
    clock.now += 1000
    assert w.run_once() == (0, 0) and len(rec.requests) == 3


def test_dead_receiver_and_client_errors_end_as_failed(client, runtime, receivers):
    a = make_tenant(client, "Alpha")
    ta = a["tenant"]["id"]
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    dead = webhook(client, ta, f"http://127.0.0.1:{dead_port}/hook", name="Dead", events=["call_ended"])
    rejecting = receivers([410])
    gone = webhook(client, ta, rejecting.url, name="Gone", events=["call_ended"])
    limited = receivers([429, 503])
    slow = webhook(client, ta, limited.url, name="Limited", events=["call_ended"])
    clock = StepClock()
    w = worker(runtime, clock, max_attempts=4, timeout=2.0)
    a["script"].call("201", "202", "answered")
    ingest(runtime, a["script"].events)

    delays = []
    for _ in range(4):
        w.run_once()
        item = deliveries(client, ta, dead["id"])["items"][0]
        if item["next_attempt_at"]:
            delays.append(datetime.fromisoformat(item["next_attempt_at"]).timestamp() - clock.now)
            clock.now = datetime.fromisoformat(item["next_attempt_at"]).timestamp()
    assert [round(d, 3) for d in delays] == [1.0, 2.0, 4.0]
    item = deliveries(client, ta, dead["id"])["items"][0]
    assert (item["status"], item["attempts"], item["last_status"], item["next_attempt_at"]) == ("failed", 4, None, None)
    assert "refused" in item["last_error"].lower() or "error" in item["last_error"].lower()
    assert deliveries(client, ta, dead["id"], status="failed")["total"] == 1
    assert deliveries(client, ta, dead["id"], status="pending")["total"] == 0

    item = deliveries(client, ta, gone["id"])["items"][0]  # 4xx other than 429: no retry
    assert (item["status"], item["attempts"], item["last_status"], item["last_error"]) == ("failed", 1, 410, "HTTP 410")
    item = deliveries(client, ta, slow["id"])["items"][0]  # 429 and 503 are retried
    assert (item["status"], item["attempts"], [e["status"] for e in item["log"]]) == ("delivered", 3, [429, 503, 200])


def test_disabled_and_later_webhooks_get_nothing_old(client, runtime, receivers):
    a = make_tenant(client, "Alpha")
    ta = a["tenant"]["id"]
    rec = receivers()
    wh = webhook(client, ta, rec.url, enabled=False)
    clock = StepClock()
    w = worker(runtime, clock)
    a["script"].call("201", "202", "answered")
    ingest(runtime, a["script"].events)
    assert w.run_once() == (0, 0)
    r = client.patch(f"/api/tenants/{ta}/webhooks/{wh['id']}", json={"enabled": True}, headers={"If-Match": str(wh["version"])})
    assert r.status_code == 200, r.text
    assert r.json()["secret"] == wh["secret"]  # kept across changes
    assert w.run_once() == (0, 0)  # events from before it was enabled are not replayed
    a["script"].call("202", "201", "answered")
    ingest(runtime, a["script"].events)
    assert w.run_once()[1] == 5
    assert len(rec.requests) == 5


def test_webhook_input_validation_and_secret_visibility(client, runtime):
    a = make_tenant(client, "Alpha")
    ta = a["tenant"]["id"]
    base = f"/api/tenants/{ta}/webhooks"
    for body, field in (({"name": "x", "url": "ftp://example.com/x"}, "url"),
                        ({"name": "x", "url": "javascript:alert(1)"}, "url"),
                        ({"name": "x", "url": "file:///etc/passwd"}, "url"),
                        ({"name": "x", "url": "https://user:pass@example.com/x"}, "url"),
                        ({"name": "x", "url": "https://token@example.com/x"}, "url"),
                        ({"name": "x", "url": "https:///nohost"}, "url"),
                        ({"name": "x", "url": "https://example.com:99999/"}, "url"),
                        ({"name": "x", "url": "https://exa mple.com/"}, "url"),
                        ({"name": "x", "url": "https://example.com/\n"}, "url"),
                        ({"name": "x"}, "url"),
                        ({"url": "https://example.com/"}, "name"),
                        ({"name": "x", "url": "https://example.com/", "events": []}, "events"),
                        ({"name": "x", "url": "https://example.com/", "events": ["hangup"]}, "events"),
                        ({"name": "x", "url": "https://example.com/", "events": ["answered", "answered"]}, "events"),
                        ({"name": "x", "url": "https://example.com/", "secret": "short"}, "secret"),
                        ({"name": "x", "url": "https://example.com/", "enabled": "yes"}, "enabled")):
        r = client.post(base, json=body)
        assert r.status_code == 422, (body, r.text)
        assert any(f.startswith(field) for f in r.json()["fields"]), (body, r.json())
    assert client.get(base).json()["total"] == 0

    wh = webhook(client, ta, "https://crm.example.com/pbx?x=1")
    r = client.post(f"/api/tenants/{ta}/users", json={"login": "aud", "name": "Aud", "password": "aud-password", "role": "auditor"})
    assert r.status_code == 201, r.text
    auditor = login(client, "aud", "aud-password")
    seen = client.get(f"{base}/{wh['id']}", headers=auditor)
    assert seen.status_code == 200 and "secret" not in seen.json()
    listed = client.get(base, headers=auditor)
    assert wh["secret"] not in listed.text
    assert client.get(f"/api/tenants/{ta}/webhooks/{wh['id']}/deliveries", headers=auditor).status_code == 200
    audit = client.get("/api/audit", params={"limit": 500})
    assert audit.status_code == 200 and wh["secret"] not in audit.text
    r = client.patch(f"{base}/{wh['id']}", json={"url": "gopher://example.com/"}, headers={"If-Match": str(wh["version"])})
    assert r.status_code == 422 and "url" in r.json()["fields"]


def test_background_worker_of_the_calls_service_delivers(client, runtime, receivers):
    """As `pbxflow serve` runs it: the thread wakes when the projection writes webhook events."""
    a = make_tenant(client, "Alpha")
    rec = receivers()
    webhook(client, a["tenant"]["id"], rec.url, events=["new_call", "call_ended"])
    svc = runtime.calls_service()
    w = svc.start_webhooks(poll_interval=30.0)  # a long poll: only the projection's wake-up makes it prompt
    a["script"].call("201", "202", "answered")
    ingest(runtime, a["script"].events)
    for _ in range(2000):
        if len(rec.requests) >= 2:
            break
        time.sleep(0.01)
    assert [b["event"] for b in rec.bodies()] == ["new_call", "call_ended"]
    assert w.error is None
