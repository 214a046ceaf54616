"""Verified replay (F-AUD-4): ``pbxflow replay --verify`` rebuilds into fresh tables and compares."""

from __future__ import annotations

import psycopg

from pbxflow import cli, replay_verify
from pbxflow.context import SYSTEM


def use(runtime) -> dict:
    ids = {"t": runtime.app.create(SYSTEM, "tenant", None, {"name": "Verify"}).id}
    exts = [runtime.app.create(SYSTEM, "extension", ids["t"], {"number": str(n), "name": f"E{n}", "devices": [{"type": "sip"}]}).id
            for n in range(201, 211)]
    runtime.app.update(SYSTEM, "extension", ids["t"], exts[0], None, {"name": "Renamed"})
    runtime.app.delete(SYSTEM, "extension", ids["t"], exts[1], None)
    runtime.app.create(SYSTEM, "trunk", None, {"name": "Main", "host": "sip.example.net", "username": "u", "password": "s3cret"})
    runtime.catch_up()
    ids["ext"] = exts[2]
    return ids


def sql(runtime, query, params=()):
    with psycopg.connect(runtime.db.conninfo(), autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def tables(runtime) -> set[str]:
    return {r[0] for r in sql(runtime, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def run(runtime):
    messages = []
    result = replay_verify.verify(runtime.app, runtime.db.eventsourcing_env(), runtime.view, batch_size=5,
                                  progress=messages.append)
    return result, messages


def run_cli(runtime, monkeypatch, capsys):
    db = runtime.db
    monkeypatch.setenv("DATABASE_URL", f"postgresql://{db.user}@/{db.dbname}?host={db.host}&port={db.port}")
    monkeypatch.setattr("logging.basicConfig", lambda **kw: None)
    import tempfile

    monkeypatch.setenv("PBXFLOW_DATA_DIR", tempfile.mkdtemp(prefix="pbxflow-verify-"))  # no generated config here
    code = cli.main(["replay", "--verify"])
    return code, capsys.readouterr().out


def test_identical_after_normal_use(runtime, monkeypatch, capsys):
    use(runtime)
    before = tables(runtime)
    result, messages = run(runtime)
    assert result.identical, [str(t) for t in result.tables]
    assert result.position == runtime.view.max_tracking_id(runtime.app.name)
    objects, audit = result.tables
    assert objects.live_rows == objects.rebuilt_rows > 10 and audit.live_rows == audit.rebuilt_rows > 10
    assert any("comparing rm_audit" in m for m in messages)
    assert tables(runtime) == before  # the verify tables are gone
    code, out = run_cli(runtime, monkeypatch, capsys)
    assert code == 0 and "identical" in out and "DIFFERENT" not in out
    assert "rm_objects: identical" in out and "events" in out
    assert tables(runtime) == before


def test_hand_edited_rows_are_named(runtime, monkeypatch, capsys):
    ids = use(runtime)
    sql(runtime, """UPDATE rm_objects SET data = jsonb_set(data, '{name}', '"Edited"') WHERE id = %s""", (ids["ext"],))
    position = sql(runtime, "SELECT max(notification_id) FROM rm_audit WHERE tenant_id = %s", (ids["t"],))[0][0]
    sql(runtime, "UPDATE rm_audit SET actor_login = 'nobody' WHERE notification_id = %s", (position,))
    result, _ = run(runtime)
    assert not result.identical
    objects, audit = result.tables
    assert objects.changed == [ids["ext"]] and not objects.missing and not objects.extra
    assert audit.changed == [str(position)]
    code, out = run_cli(runtime, monkeypatch, capsys)
    assert code == 1 and "DIFFERENT" in out and ids["ext"] in out and str(position) in out


def test_deleted_and_added_live_rows_are_named(runtime):
    ids = use(runtime)
    sql(runtime, "DELETE FROM rm_objects WHERE id = %s", (ids["ext"],))
    sql(runtime, "INSERT INTO rm_audit SELECT notification_id + 100000, at, actor_id, actor_login, actor_role, ip, request_id,"
                 " tenant_id, object_type, object_id, object_name, action, version, diff, prev_hash, hash FROM rm_audit"
                 " ORDER BY notification_id LIMIT 1")
    result, _ = run(runtime)
    objects, audit = result.tables
    assert objects.missing == [ids["ext"]] and objects.live_rows == objects.rebuilt_rows - 1
    assert len(audit.extra) == 1 and int(audit.extra[0]) > 100000
    assert not result.identical


def test_plain_replay_then_verify(runtime, monkeypatch, capsys):
    use(runtime)
    db = runtime.db
    monkeypatch.setenv("DATABASE_URL", f"postgresql://{db.user}@/{db.dbname}?host={db.host}&port={db.port}")
    monkeypatch.setattr("logging.basicConfig", lambda **kw: None)
    assert cli.main(["replay"]) == 0
    assert "replayed" in capsys.readouterr().out
    assert sql(runtime, "SELECT version FROM projection_versions WHERE name = 'directory'") == [(1,)]
    code, out = run_cli(runtime, monkeypatch, capsys)
    assert code == 0 and "identical" in out
