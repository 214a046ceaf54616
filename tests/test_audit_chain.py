"""Tamper evidence of the action history: per-tenant hash chains and ``pbxflow audit verify``."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from pbxflow import audit_chain, cli
from pbxflow.context import SYSTEM
from pbxflow.runtime import Runtime


def populate(runtime) -> dict:
    """Two tenants with several changes each, and platform-level objects."""
    ids = {}
    for key in ("a", "b"):
        ids[key] = runtime.app.create(SYSTEM, "tenant", None, {"name": f"Chain {key}"}).id
    for key in ("a", "b"):
        for n in range(201, 205):
            ext = runtime.app.create(SYSTEM, "extension", ids[key], {"number": str(n), "name": f"E{n}", "devices": [{"type": "sip"}]})
            runtime.app.update(SYSTEM, "extension", ids[key], ext.id, None, {"name": f"Renamed {n}"})
    runtime.app.create(SYSTEM, "trunk", None, {"name": "Main", "host": "sip.example.net", "username": "u", "password": "s3cret"})
    runtime.catch_up()
    return ids


def rows(runtime, tenant_id=None) -> list[dict]:
    with psycopg.connect(runtime.db.conninfo(), row_factory=dict_row) as conn:
        if tenant_id is None:
            return conn.execute("SELECT * FROM rm_audit ORDER BY notification_id").fetchall()
        return conn.execute("SELECT * FROM rm_audit WHERE tenant_id = %s ORDER BY notification_id", (tenant_id,)).fetchall()


def sql(runtime, query: str, params=()) -> None:
    with psycopg.connect(runtime.db.conninfo(), autocommit=True) as conn:
        conn.execute(query, params)


def verify(runtime) -> audit_chain.Report:
    with psycopg.connect(runtime.db.conninfo()) as conn:
        return audit_chain.verify(conn)


def run_cli(runtime, monkeypatch, capsys) -> tuple[int, str]:
    db = runtime.db
    monkeypatch.setenv("DATABASE_URL", f"postgresql://{db.user}@/{db.dbname}?host={db.host}&port={db.port}")
    monkeypatch.setattr("logging.basicConfig", lambda **kw: None)  # keep the root logger off the captured stream
    code = cli.main(["audit", "verify"])
    return code, capsys.readouterr().out


def test_untouched_history_verifies(runtime, monkeypatch, capsys):
    ids = populate(runtime)
    everything = rows(runtime)
    assert all(r["hash"] and len(r["hash"]) == 64 for r in everything)
    chains = {}
    for r in everything:
        key = audit_chain.chain_key(r["tenant_id"])
        assert r["prev_hash"] == chains.get(key)
        chains[key] = r["hash"]
    assert {ids["a"], ids["b"], None} <= set(chains)
    report = verify(runtime)
    assert report.ok and report.rows == len(everything) and report.chains == len(chains)
    code, out = run_cli(runtime, monkeypatch, capsys)
    assert code == 0 and "intact" in out and f"{len(everything)} rows" in out


def test_edited_row_is_found(runtime, monkeypatch, capsys):
    ids = populate(runtime)
    chain = rows(runtime, ids["a"])
    target = chain[len(chain) // 2]["notification_id"]
    sql(runtime, """UPDATE rm_audit SET diff = '{"name": ["x", "y"]}' WHERE notification_id = %s""", (target,))
    report = verify(runtime)
    assert [(b.tenant_id, b.position) for b in report.breaks] == [(ids["a"], target)]
    assert "content changed" in report.breaks[0].reason
    code, out = run_cli(runtime, monkeypatch, capsys)
    assert code == 1 and f"tenant {ids['a']}" in out and f"position {target}" in out


@pytest.mark.parametrize("column,value", [("actor_login", "someone-else"), ("at", "2001-01-01T00:00:00Z"),
                                          ("object_name", "Other"), ("action", "delete")])
def test_any_edited_column_is_found(runtime, column, value):
    ids = populate(runtime)
    target = rows(runtime, ids["b"])[-2]["notification_id"]
    sql(runtime, f"UPDATE rm_audit SET {column} = %s WHERE notification_id = %s", (value, target))
    assert [(b.tenant_id, b.position) for b in verify(runtime).breaks] == [(ids["b"], target)]


def test_deleted_middle_row_is_found(runtime, monkeypatch, capsys):
    ids = populate(runtime)
    chain = rows(runtime, ids["b"])
    i = len(chain) // 2
    before, deleted, after = (chain[j]["notification_id"] for j in (i - 1, i, i + 1))
    sql(runtime, "DELETE FROM rm_audit WHERE notification_id = %s", (deleted,))
    report = verify(runtime)
    assert len(report.breaks) == 1
    br = report.breaks[0]
    assert (br.tenant_id, br.position, br.previous) == (ids["b"], after, before)
    assert "missing" in br.reason
    code, out = run_cli(runtime, monkeypatch, capsys)
    assert code == 1 and f"position {after}" in out


def test_reordered_and_moved_rows_are_found(runtime):
    ids = populate(runtime)
    chain = rows(runtime, ids["a"])
    p, q = chain[2]["notification_id"], chain[4]["notification_id"]
    # Swap two rows' positions (through a free one: the position is the primary key).
    sql(runtime, "UPDATE rm_audit SET notification_id = -1 WHERE notification_id = %s", (p,))
    sql(runtime, "UPDATE rm_audit SET notification_id = %s WHERE notification_id = %s", (p, q))
    sql(runtime, "UPDATE rm_audit SET notification_id = %s WHERE notification_id = -1", (q,))
    assert [(b.tenant_id, b.position) for b in verify(runtime).breaks] == [(ids["a"], p)]
    # A row moved into another tenant's chain breaks both chains.
    moved = rows(runtime, ids["b"])[1]["notification_id"]
    sql(runtime, "UPDATE rm_audit SET tenant_id = %s WHERE notification_id = %s", (ids["a"], moved))
    breaks = {b.tenant_id: b.position for b in verify(runtime).breaks}
    assert breaks[ids["b"]] > moved and breaks[ids["a"]] == min(p, moved)


def test_replay_rebuilds_identical_hashes(runtime):
    populate(runtime)
    live = [(r["notification_id"], r["prev_hash"], r["hash"]) for r in rows(runtime)]  # written event by event
    probe = Runtime(runtime.db, run_projections=False)
    try:
        probe.view.reset(probe.app.name)
        assert rows(runtime) == []
        probe.view.catch_up(probe.app, batch_size=7)  # batched, chains spanning batches
    finally:
        probe.close()
    assert [(r["notification_id"], r["prev_hash"], r["hash"]) for r in rows(runtime)] == live
    assert verify(runtime).ok


def test_rows_from_before_the_chains_get_their_hashes(runtime):
    populate(runtime)
    live = [(r["notification_id"], r["prev_hash"], r["hash"]) for r in rows(runtime)]
    sql(runtime, "UPDATE rm_audit SET prev_hash = NULL, hash = NULL")
    assert not verify(runtime).ok
    probe = Runtime(runtime.db, run_projections=False)  # creating the view's tables migrates
    probe.close()
    assert [(r["notification_id"], r["prev_hash"], r["hash"]) for r in rows(runtime)] == live
    # New rows continue the chains.
    t = runtime.app.create(SYSTEM, "tenant", None, {"name": "After migration"})
    runtime.wait(t.notification_id)
    assert verify(runtime).ok
