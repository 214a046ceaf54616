"""Killing the server (SIGKILL) and restarting it loses no acknowledged command and
duplicates no read-model row.

The real ``pbxflow serve`` runs as a subprocess on a fresh database. An
acknowledged command is one that got its 201 (or, for writes made directly
through the application, whose ``save`` returned): it is in the event store,
and after a restart the projection must show it exactly once. Commands cut
off by the kill may or may not have been stored; whichever happened, the read
model must agree with the store.
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
from psycopg.rows import dict_row

from pbxflow.application import ConfigApplication
from pbxflow.context import Actor
from pbxflow.database import Database
from pbxflow.domain.objects import DirectoryObject
from support_server import ServerProcess

THREADS = 4
PER_THREAD = 150  # far more than can finish before the kill
KILL_AFTER = 40  # acknowledged creates before the SIGKILL


@pytest.fixture
def pbx(database, tmp_path):
    """A server process on a fresh database (on each PostgreSQL under test); stopped afterwards."""
    proc = ServerProcess(database, tmp_path)
    yield proc
    proc.stop()


def extension(number: str) -> dict:
    return {"number": number, "name": f"Ext {number}", "devices": [{"type": "sip"}]}


def create_tenant(server: ServerProcess, headers: dict) -> str:
    with server.client(headers=headers) as c:
        r = c.post("/api/tenants", json={"name": "Crash test"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def listed_extensions(server: ServerProcess, headers: dict, tenant_id: str) -> dict[str, str]:
    with server.client(headers=headers) as c:
        r = c.get(f"/api/tenants/{tenant_id}/extensions", params={"limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    numbers = [item["number"] for item in body["items"]]
    assert len(numbers) == len(set(numbers)), "a number is listed twice"
    return {item["number"]: item["id"] for item in body["items"]}


def store_state(db: Database) -> tuple[list[tuple[int, object]], dict[uuid.UUID, DirectoryObject]]:
    """Every stored event, and every directory object as the event store rebuilds it."""
    app = ConfigApplication(env=db.eventsourcing_env())
    try:
        notes = app.recorder.select_notifications(start=1, limit=1_000_000)
        events = [(n.id, app.mapper.to_domain_event(n)) for n in notes]
        ids = {e.originator_id for _, e in events if isinstance(e, DirectoryObject.Event)}
        return events, {oid: app.repository.get(oid) for oid in ids}
    finally:
        app.close()


def assert_view_matches_store(server: ServerProcess) -> dict:
    """The read model is exactly the store's events, each projected once; returns the rows."""
    events, objects = store_state(server.db)
    head = events[-1][0]
    directory_events = {nid for nid, e in events if isinstance(e, DirectoryObject.Event)}
    created = [e.originator_id for _, e in events if isinstance(e, DirectoryObject.Created)]

    with server.connect() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = {r["id"]: r for r in cur.execute("SELECT * FROM rm_objects").fetchall()}
        audit = cur.execute("SELECT * FROM rm_audit ORDER BY notification_id").fetchall()
        tracked = cur.execute("SELECT notification_id FROM directory_tracking WHERE application_name = 'Config'").fetchone()
        stored_head = cur.execute("SELECT max(notification_id) AS n FROM config_events").fetchone()["n"]
        directory_count = cur.execute(
            "SELECT count(*) AS n FROM config_events WHERE topic LIKE 'pbxflow.domain.objects:DirectoryObject.%'").fetchone()["n"]

    assert stored_head == head
    # The projection follows object events only (claims change no row): it has reached the last one.
    last_object_event = max(directory_events)
    assert tracked is not None and last_object_event <= tracked["notification_id"] <= head, f"projection at {tracked}, store at {head}"
    # rm_audit: one row per DirectoryObject event, no more, no less.
    assert len(audit) == directory_count == len(directory_events)
    assert {r["notification_id"] for r in audit} == directory_events
    creates = [r["object_id"] for r in audit if r["action"] == "create"]
    assert sorted(creates) == sorted(created) and len(set(creates)) == len(creates), "an object has two 'create' rows"
    # rm_objects: exactly the live objects, at their stored version and data.
    live = {oid: o for oid, o in objects.items() if not o.deleted}
    assert set(rows) == set(live)
    for oid, o in live.items():
        row = rows[oid]
        assert (row["kind"], row["version"], row["data"]) == (o.kind, o.version, o.data), oid
        assert (str(row["tenant_id"]) if row["tenant_id"] else None) == o.tenant_id
    numbers = [(r["tenant_id"], r["data"]["number"]) for r in rows.values() if r["kind"] == "extension"]
    assert len(numbers) == len(set(numbers)), "an extension number appears twice in a tenant"
    return {"objects": rows, "audit": audit, "head": head, "tracked": tracked["notification_id"]}


def test_kill_mid_burst_loses_no_acknowledged_command(pbx):
    server = pbx
    server.start()
    server.wait_ready(caught_up=True)
    headers = server.login()
    tenant_id = create_tenant(server, headers)

    acknowledged: dict[str, str] = {}  # number -> id, for every 201
    unexpected: list = []
    lock = threading.Lock()

    def burst(k: int) -> None:
        with server.client(headers=headers) as c:
            for i in range(PER_THREAD):
                number = f"{k + 2}{i:03d}"  # thread k: k+2000 ... ; 4 digits fit the default plan
                try:
                    r = c.post(f"/api/tenants/{tenant_id}/extensions", json=extension(number))
                except httpx.TransportError:  # the server is gone: this one is unacknowledged
                    return
                if r.status_code != 201:
                    unexpected.append((number, r.status_code, r.text))
                    return
                with lock:
                    acknowledged[number] = r.json()["id"]

    threads = [threading.Thread(target=burst, args=(k,), daemon=True) for k in range(THREADS)]
    for t in threads:
        t.start()
    while len(acknowledged) < KILL_AFTER and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    assert not unexpected, unexpected
    assert all(t.is_alive() for t in threads), "the burst ended before the kill"
    server.kill()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive()
    assert not unexpected, unexpected
    assert KILL_AFTER <= len(acknowledged) < THREADS * PER_THREAD

    server.start()
    health = server.wait_ready(caught_up=True)
    assert health["status"] == "ok" and health["lag"] == 0, health
    headers = server.login()

    listed = listed_extensions(server, headers, tenant_id)
    lost = {n: i for n, i in acknowledged.items() if listed.get(n) != i}
    assert not lost, f"acknowledged but missing after the restart: {lost}"
    view = assert_view_matches_store(server)
    # Extensions cut off by the kill are either fully there or not at all.
    in_view = {r["data"]["number"]: str(oid) for oid, r in view["objects"].items() if r["kind"] == "extension"}
    assert in_view == listed


def test_kill_while_projection_is_behind_resumes_exactly_once(pbx):
    server = pbx
    server.start()
    server.wait_ready(caught_up=True)
    headers = server.login()
    tenant_id = create_tenant(server, headers)
    before_burst = assert_view_matches_store(server)

    # Hold the projection: it cannot insert audit rows while this lock is held (reads still work).
    with server.connect() as blocker:
        blocker.autocommit = False
        blocker.execute("LOCK TABLE rm_audit IN EXCLUSIVE MODE")

        app = ConfigApplication(env=server.db.eventsourcing_env())
        actor = Actor(id=None, login="crash-test", role="system", ip="127.0.0.1")
        stored = {}
        try:
            for i in range(30):
                result = app.create(actor, "extension", tenant_id, extension(f"{3000 + i}"))
                stored[result.data["number"]] = result.id  # acknowledged: save() returned
            head = app.head_position()  # the last object event: what the read model must reach
        finally:
            app.close()

        # The server has been notified of the burst and is stuck in its first event's transaction.
        with server.connect() as probe:
            deadline = time.monotonic() + 60
            while not probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query ILIKE 'INSERT INTO %rm_audit%'"
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the projection never tried to apply the burst"
                time.sleep(0.02)
            health = server.health()
            assert health["events"] == head and health["lag"] > 0, health
            server.kill()
        blocker.rollback()

        blocker.autocommit = True
        server.wait_disconnected(blocker)
        with blocker.cursor(row_factory=dict_row) as cur:
            tracked = cur.execute("SELECT notification_id FROM directory_tracking WHERE application_name = 'Config'").fetchone()["notification_id"]
            objects = cur.execute("SELECT id FROM rm_objects").fetchall()
            audit = cur.execute("SELECT * FROM rm_audit ORDER BY notification_id").fetchall()
    # The half-applied event left nothing: the view is exactly as before the burst.
    assert tracked == before_burst["tracked"] < head
    assert {r["id"] for r in objects} == set(before_burst["objects"])
    assert audit == before_burst["audit"]

    server.start()
    health = server.wait_ready(caught_up=True)
    assert health["status"] == "ok" and health["lag"] == 0 and health["events"] == head, health
    after = assert_view_matches_store(server)
    # Resumed right after the tracked position: the old rows untouched, each new event once.
    assert after["audit"][: len(audit)] == audit
    assert all(tracked < r["notification_id"] <= head for r in after["audit"][len(audit):])
    assert len([r for r in after["audit"] if r["action"] == "create" and r["object_type"] == "extension"]) == len(stored)
    listed = listed_extensions(server, server.login(), tenant_id)
    assert listed == stored
