"""State as of any instant, diffs, revert and restore (F-AUD-2, F-AUD-3)."""

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxflow import timetravel
from pbxflow.context import SYSTEM
from pbxflow.domain import kinds
from pbxflow.errors import Conflict, DomainError


def _snapshot(runtime, tenant_id):
    """The live state of a tenant, in the shape state_at returns (from the store, not the read model)."""
    rows = runtime.read.list("tenant", None, limit=500).items
    state = {"tenant": None, "objects": {}}
    for row in runtime.read._rows("SELECT id FROM rm_objects WHERE tenant_id = %s OR id = %s", [row_id(tenant_id)] * 2):
        obj = runtime.app.repository.get(row["id"])
        view = {"id": str(obj.id), "kind": obj.kind, "version": obj.version, "tenant_id": obj.tenant_id, "data": kinds.mask_secrets(obj.data)}
        if str(obj.id) == tenant_id:
            state["tenant"] = view
        else:
            state["objects"].setdefault(obj.kind, []).append(view)
    del rows
    return state


def row_id(tid):
    from uuid import UUID

    return UUID(tid)


def _norm(state):
    return {"tenant": state["tenant"], "objects": {k: sorted(v, key=lambda o: o["id"]) for k, v in state["objects"].items() if v}}


commands = st.lists(st.tuples(st.sampled_from(["add", "rename", "renumber", "delete"]), st.integers(0, 5), st.integers(200, 260)), min_size=1, max_size=12)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(commands)
def test_state_at_every_instant_equals_the_state_then(runtime, script):
    tenant = runtime.app.create(SYSTEM, "tenant", None, {"name": "TT"})
    tid = tenant.id
    runtime.wait(tenant.notification_id)
    checkpoints = []
    live: list[str] = []
    for op, pick, number in script:
        try:
            if op == "add" or not live:
                r = runtime.app.create(SYSTEM, "extension", tid, {"number": str(number), "name": f"N{number}", "devices": [{"type": "sip"}]})
                live.append(r.id)
            elif op == "rename":
                r = runtime.app.update(SYSTEM, "extension", tid, live[pick % len(live)], None, {"name": f"R{number}"})
            elif op == "renumber":
                r = runtime.app.update(SYSTEM, "extension", tid, live[pick % len(live)], None, {"number": str(number)})
            else:
                r = runtime.app.delete(SYSTEM, "extension", tid, live.pop(pick % len(live)), None)
        except DomainError:
            continue
        if r.notification_id is None:
            continue
        runtime.wait(r.notification_id)
        at = runtime.read._rows("SELECT max(at) AS at FROM rm_audit WHERE notification_id <= %s", [r.notification_id])[0]["at"]
        checkpoints.append((at, _snapshot(runtime, tid)))
    for at, expected in checkpoints:
        got = timetravel.state_at(runtime.app, runtime.pool, tid, at)
        assert _norm(got) == _norm(expected)


def test_revert_then_reapply_is_identity(runtime):
    t = runtime.app.create(SYSTEM, "tenant", None, {"name": "R"})
    e = runtime.app.create(SYSTEM, "extension", t.id, {"number": "201", "name": "Before", "devices": [{"type": "sip"}]})
    ch = runtime.app.update(SYSTEM, "extension", t.id, e.id, None, {"name": "After", "number": "202"})
    runtime.wait(ch.notification_id)
    reverted = timetravel.revert_change(runtime.app, runtime.pool, SYSTEM, t.id, ch.position)
    runtime.wait(reverted.notification_id)
    assert reverted.data["name"] == "Before" and reverted.data["number"] == "201"
    # Re-apply: reverting the revert brings the change back.
    again = timetravel.revert_change(runtime.app, runtime.pool, SYSTEM, t.id, reverted.position)
    assert again.data == ch.data
    # The number claim followed: 202 is taken again, 201 is free.
    runtime.wait(again.notification_id)
    assert runtime.app.claim_owner(f"plan:{t.id}:202") == e.id
    assert runtime.app.claim_owner(f"plan:{t.id}:201") is None


def test_revert_refused_when_later_changes_conflict(runtime):
    t = runtime.app.create(SYSTEM, "tenant", None, {"name": "C"})
    e = runtime.app.create(SYSTEM, "extension", t.id, {"number": "201", "name": "A", "devices": [{"type": "sip"}]})
    first = runtime.app.update(SYSTEM, "extension", t.id, e.id, None, {"name": "B"})
    runtime.app.update(SYSTEM, "extension", t.id, e.id, None, {"name": "C"})
    runtime.catch_up()
    try:
        timetravel.revert_change(runtime.app, runtime.pool, SYSTEM, t.id, first.position)
    except Conflict as exc:
        assert exc.fields == ["name"]
    else:
        raise AssertionError("revert over a later change was not refused")


def test_api_state_diff_history_and_restore(client):
    tid = client.post("/api/tenants", json={"name": "Hist"}).json()["id"]
    ext = client.post(f"/api/tenants/{tid}/extensions", json={"number": "201", "name": "Old", "devices": [{"type": "sip"}]}).json()
    t1 = datetime.now(timezone.utc).isoformat()
    client.patch(f"/api/tenants/{tid}/extensions/{ext['id']}", json={"name": "New"})
    client.delete(f"/api/tenants/{tid}/extensions/{ext['id']}")

    then = client.get(f"/api/tenants/{tid}/state", params={"at": t1})
    assert then.status_code == 200, then.text
    exts = then.json()["objects"]["extension"]
    assert [e["data"]["name"] for e in exts] == ["Old"]
    assert exts[0]["data"]["devices"][0]["password"] == "***"
    assert "extension" not in client.get(f"/api/tenants/{tid}/state").json()["objects"]

    diff = client.get(f"/api/tenants/{tid}/state/diff", params={"from": t1}).json()
    assert [o["id"] for o in diff["removed"]] == [ext["id"]]

    hist = client.get(f"/api/tenants/{tid}/history/{ext['id']}").json()
    assert [h["action"] for h in hist["items"]] == ["create", "change", "delete"]
    assert hist["items"][1]["diff"]["name"] == ["Old", "New"]

    restored = client.post(f"/api/tenants/{tid}/history/{ext['id']}/restore", json={"at": t1})
    assert restored.status_code == 200, restored.text
    new = client.get(f"/api/tenants/{tid}/extensions/{restored.json()['id']}").json()
    assert new["name"] == "Old" and new["number"] == "201"

    assert client.get(f"/api/tenants/{tid}/state", params={"at": "2026-01-01T00:00:00"}).status_code == 422
    assert client.get(f"/api/tenants/{tid}/state", params={"at": "2000-01-01T00:00:00Z"}).status_code == 404
    other = client.post("/api/tenants", json={"name": "Other"}).json()["id"]
    assert client.get(f"/api/tenants/{other}/history/{ext['id']}").status_code == 404
    assert client.post(f"/api/tenants/{other}/revert", json={"position": 1}).status_code == 404


patches = st.fixed_dictionaries({}, optional={
    "name": st.text(alphabet="abcXYZ ;[]", min_size=1, max_size=12).filter(lambda s: s.strip()),
    "number": st.sampled_from(["202", "203", "204"]),
    "ring_strategy": st.sampled_from(["parallel", "sequential"]),
    "voicemail": st.booleans(),
}).filter(bool)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(patches)
def test_revert_followed_by_reapply_is_identity_for_any_change(runtime, patch):
    t = runtime.app.create(SYSTEM, "tenant", None, {"name": "P"})
    e = runtime.app.create(SYSTEM, "extension", t.id, {"number": "201", "name": "Start", "devices": [{"type": "sip"}]})
    try:
        changed = runtime.app.update(SYSTEM, "extension", t.id, e.id, None, patch)
    except DomainError:
        return
    if changed.position is None:
        return  # nothing changed, nothing to revert
    runtime.wait(changed.notification_id)
    reverted = timetravel.revert_change(runtime.app, runtime.pool, SYSTEM, t.id, changed.position)
    assert reverted.data == e.data
    runtime.wait(reverted.notification_id)
    again = timetravel.revert_change(runtime.app, runtime.pool, SYSTEM, t.id, reverted.position)
    assert again.data == changed.data
    runtime.wait(again.notification_id)
