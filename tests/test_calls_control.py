"""Call control through the API against the real Asterisk (F-CAL-4, F-CAL-5): click-to-call,
hang up, supervisor listen; SIPp phones answer, the calls ingestion follows the calls."""

from __future__ import annotations

import pytest
from conftest import login
from sipp import allocate, wait_for
from test_asterisk_calls import apply, channels, from_header, make_ext, make_tenant, register, up_channels_of
from test_calls_asterisk import NODE_OPTIONS, history

from pbxflow.context import SYSTEM

pytestmark = pytest.mark.asterisk


@pytest.fixture
def calls(runtime, asterisk, monkeypatch):
    """Ingestion on the sandbox, and the API's AMI control pointed at it (PBXFLOW_AMI_URL)."""
    monkeypatch.setenv("PBXFLOW_AMI_URL", asterisk.ami_url)
    svc = runtime.calls_service()
    ingestion = svc.start_ingestion([asterisk.ami_url], node_options=NODE_OPTIONS, linger=0.01)
    wait_for(lambda: ingestion.ingestor.stats.reconciles >= 1, 20, 0.05, "the ingestion to connect and reconcile")
    yield svc
    ingestion.close()
    svc.ingestion = None


def make_user(runtime, tenant_id: str, login_name: str, role: str) -> str:
    r = runtime.app.create(SYSTEM, "user", tenant_id, {"login": login_name, "name": login_name, "password": f"{login_name}-pw-1",
                                                       "role": role})
    runtime.wait(r.notification_id)
    return r.id


def own(runtime, tenant_id: str, ext_id: str, user_id: str) -> None:
    r = runtime.app.update(SYSTEM, "extension", tenant_id, ext_id, None, {"owner_user_id": user_id})
    runtime.wait(r.notification_id)


def live_call(svc, tenant_id: str, state: str = "talking") -> dict:
    scope = svc.read.scope(tenant_id)
    return wait_for(lambda: next((c for c in svc.read.active(scope) if c["state"] == state), None), 15, 0.1,
                    f"a {state} call in the active calls")


def test_click_to_call_rings_the_users_phone_first_then_the_target(runtime, asterisk, reloader, phones, calls, client):
    t = make_tenant(runtime, "Click to call")
    a = make_ext(runtime, t.id, "201", "Anna")
    b = make_ext(runtime, t.id, "202", "Boris")
    user = make_user(runtime, t.id, "anna", "user")
    own(runtime, t.id, a.id, user)
    make_user(runtime, t.id, "boris", "user")  # owns nothing
    apply(runtime, asterisk, reloader)
    pa, pb = allocate(), allocate()
    register(asterisk, phones, a, pa)
    register(asterisk, phones, b, pb)
    anna = login(client, "anna", "anna-pw-1")
    boris = login(client, "boris", "boris-pw-1")

    # Someone else's extension, a number in the wrong shape, an extension of nobody: refused.
    r = client.post(f"/api/tenants/{t.id}/calls/originate", json={"extension_id": a.id, "to": "202"}, headers=boris)
    assert r.status_code == 403, r.text
    r = client.post(f"/api/tenants/{t.id}/calls/originate", json={"extension_id": a.id, "to": "20x"}, headers=anna)
    assert r.status_code == 422 and "to" in r.json()["fields"], r.text
    r = client.post(f"/api/tenants/{t.id}/calls/originate", json={"from": "299", "to": "202"}, headers=anna)
    assert r.status_code == 404 and "from" in r.json()["detail"], r.text

    uas_a = phones.uas("uas_answer_updates.xml", pa, hold_ms=6000)
    uas_b = phones.uas("uas_answer.xml", pb, hold_ms=2000)
    r = client.post(f"/api/tenants/{t.id}/calls/originate", json={"extension_id": a.id, "to": "202"}, headers=anna)
    assert r.status_code == 202, r.text
    out = r.json()
    assert (out["from"], out["to"], out["extension_id"]) == ("201", "202", a.id) and out["originate_id"]

    ra, rb = uas_a.wait(), uas_b.wait()
    assert ra.rc == 0, ra.describe()
    assert rb.rc == 0, rb.describe()
    # Anna's phone rang first and showed the number it is about to call; Boris's showed Anna.
    # Anna's phone then learns who answered (re-INVITEs with the connected line).
    invite_a, *updates = ra.received("INVITE")
    [invite_b] = rb.received("INVITE")
    assert "<sip:202@" in from_header(invite_a), invite_a
    assert any('"Boris"' in u for u in updates), updates
    assert "<sip:201@" in from_header(invite_b) and "Anna" in from_header(invite_b), invite_b
    assert rb.sent("BYE") and ra.received("BYE"), (ra.describe(), rb.describe())  # Boris hung up, Anna was hung up
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")

    [row] = history(calls, t.id, 1)
    assert row["id"] == out["call_id"]
    assert (row["result"], row["caller"], row["answered_by"]["number"]) == ("answered", "201", "202"), row
    detail = client.get(f"/api/tenants/{t.id}/calls/{out['call_id']}").json()
    texts = [s["text"] for s in detail["protocol"]]
    assert f"click-to-call: {a.username} answered, now calling the number" in texts, texts
    assert texts.index("answered by 202") > texts.index(f"click-to-call: {a.username} answered, now calling the number")

    # The same through the number of the extension, by a tenant admin: Anna's phone does not
    # answer this time, so Boris is never rung.
    admin = make_user(runtime, t.id, "boss", "tenant_admin")
    assert admin
    boss = login(client, "boss", "boss-pw-1")
    uas_a = phones.uas("uas_busy.xml", pa)
    uas_b = phones.uas("uas_answer.xml", pb, timeout=8)
    r = client.post(f"/api/tenants/{t.id}/calls/originate", json={"from": "+201", "to": "202"}, headers=boss)
    assert r.status_code == 202, r.text
    assert uas_a.wait().rc == 0
    rb = uas_b.wait()
    assert not rb.received("INVITE"), rb.describe()


@pytest.mark.parametrize("mode,options", [("listen", "qES"), ("whisper", "qESw"), ("barge", "qESB")])
def test_hangup_and_listen_on_a_live_call(runtime, asterisk, reloader, phones, calls, client, mode, options):
    t = make_tenant(runtime, "Supervised")
    a = make_ext(runtime, t.id, "201", "Agent caller")
    b = make_ext(runtime, t.id, "202", "Agent callee")
    s = make_ext(runtime, t.id, "209", "Supervisor desk")
    sup = make_user(runtime, t.id, "sup", "supervisor")
    own(runtime, t.id, s.id, sup)
    make_user(runtime, t.id, "plain", "user")
    other = make_tenant(runtime, "Other tenant")
    make_ext(runtime, other.id, "201", "Other 201")
    make_user(runtime, other.id, "other-admin", "tenant_admin")
    apply(runtime, asterisk, reloader)
    pb, ps = allocate(), allocate()
    register(asterisk, phones, b, pb)
    register(asterisk, phones, s, ps)
    supervisor = login(client, "sup", "sup-pw-1")
    plain = login(client, "plain", "plain-pw-1")
    stranger = login(client, "other-admin", "other-admin-pw-1")

    # A calls B; B answers and would hold for 30 s.
    uas_b = phones.uas("uas_answer.xml", pb, hold_ms=30000, timeout=45)
    call_a = phones.start_uac_call("202", a.username, a.password, allocate())
    wait_for(lambda: up_channels_of(asterisk, a.username, b.username), 15, 0.1, "the call to be up")
    live = live_call(calls, t.id)
    base = f"/api/tenants/{t.id}/active-calls/{live['id']}"

    # Another tenant's admin learns nothing; a plain user may not; a bad mode is named.
    for path, body in ((f"{base}/hangup", None), (f"{base}/spy", {"mode": "listen", "extension_id": s.id})):
        r = client.post(path, json=body, headers=stranger)
        assert r.status_code == 404, r.text
        r = client.post(path.replace(t.id, other.id), json=body, headers=stranger)
        assert r.status_code == 404, r.text  # this call is not in the other tenant
        r = client.post(path, json=body, headers=plain)
        assert r.status_code == 403, r.text
    r = client.post(f"{base}/spy", json={"mode": "shout", "extension_id": s.id}, headers=supervisor)
    assert r.status_code == 422 and "mode" in r.json()["fields"], r.text
    r = client.post(f"{base}/spy", json={"mode": "listen", "extension_id": a.id}, headers=supervisor)
    assert r.status_code == 403, r.text  # not the supervisor's own extension

    # Listen (barge): the supervisor's phone rings, answers, and is bridged into ChanSpy on the call.
    uas_s = phones.uas("uas_answer_updates.xml", ps, hold_ms=30000, timeout=45)
    r = client.post(f"{base}/spy", json={"mode": mode, "extension_id": s.id}, headers=supervisor)
    assert r.status_code == 202, r.text
    spied = r.json()
    assert spied["mode"] == mode and spied["channel"].startswith(f"PJSIP/{t.data['code']}-"), spied

    def spying():
        return [c for c in channels(asterisk) if c["app"] == "ChanSpy"] and up_channels_of(asterisk, s.username)

    wait_for(spying, 15, 0.2, "a ChanSpy channel and the supervisor's phone up")
    [spy] = [c for c in channels(asterisk) if c["app"] == "ChanSpy"]
    assert spy["name"].startswith("Local/209@pbxflow-originate"), spy
    assert "ChanSpy" in asterisk.cli("core show channels")
    assert f"Data: {spied['channel']},{options}" in asterisk.cli(f"core show channel {spy['name']}")
    assert spied["channel"].startswith(f"PJSIP/{b.username}-") or spied["channel"].startswith(f"PJSIP/{a.username}-")

    # Hang up through the API: both phones and the supervisor get their BYE, at once.
    r = client.post(f"{base}/hangup", headers=supervisor)
    assert r.status_code == 202, r.text
    # (the first hangup ends the bridge; the other channels are then gone already)
    assert r.json()["hung_up"] and set(r.json()["hung_up"]) <= {c["name"] for c in live["channels"]}, r.json()
    ua, ub, us = call_a.wait(), uas_b.wait(), uas_s.wait()
    assert ua.rc == 0 and ua.received("BYE"), ua.describe()
    assert ub.rc == 0 and ub.received("BYE") and not ub.sent("BYE"), ub.describe()
    assert us.rc == 0 and us.received("BYE") and not us.sent("BYE"), us.describe()  # ChanSpy exits with the spied channel
    wait_for(lambda: not channels(asterisk), 10, 0.2, "the channels to close")
    rows = history(calls, t.id, 2)
    ended = next(x for x in rows if x["id"] == live["id"])
    assert ended["result"] == "answered" and ended["duration"] < 25, ended

    # The call is over: hanging it up again is a conflict, not a 500.
    r = client.post(f"{base}/hangup", headers=supervisor)
    assert r.status_code == 409, r.text
