"""Projection versioning: a read model written by another VERSION of the view is rebuilt on start."""

from __future__ import annotations

import logging

import psycopg
from psycopg.rows import dict_row

from pbxflow.context import SYSTEM
from pbxflow.runtime import Runtime
from projections.directory import DirectoryView


class NextVersion(DirectoryView):
    VERSION = DirectoryView.VERSION + 1


def snapshot(db) -> dict:
    with psycopg.connect(db.conninfo(), row_factory=dict_row) as conn:
        return {
            "objects": conn.execute("SELECT * FROM rm_objects ORDER BY id").fetchall(),
            "audit": conn.execute("SELECT * FROM rm_audit ORDER BY notification_id").fetchall(),
        }


def sql(db, query, params=()):
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def stored(db) -> list:
    return sql(db, "SELECT name, version FROM projection_versions ORDER BY name")


def populate(rt) -> None:
    t = rt.app.create(SYSTEM, "tenant", None, {"name": "Versioned"}).id
    for n in range(201, 209):
        e = rt.app.create(SYSTEM, "extension", t, {"number": str(n), "name": f"E{n}", "devices": [{"type": "sip"}]})
        rt.app.update(SYSTEM, "extension", t, e.id, None, {"name": f"F{n}"})
    rt.app.delete(SYSTEM, "extension", t, e.id, None)
    rt.catch_up()


REBUILD = "rebuilding it"


def test_a_new_version_rebuilds_identical_rows(embedded_database, caplog):
    db = embedded_database
    caplog.set_level(logging.INFO)
    rt = Runtime(db)
    try:
        populate(rt)
    finally:
        rt.close()
    assert REBUILD not in caplog.text  # a fresh store records its version, nothing to rebuild
    assert stored(db) == [("directory", DirectoryView.VERSION)]
    before = snapshot(db)
    assert len(before["objects"]) > 5 and len(before["audit"]) > 15
    # Marks that only a rebuild removes: a hand-edited row and a stray one.
    sql(db, "UPDATE rm_objects SET title = 'stale' WHERE kind = 'extension'")
    sql(db, "INSERT INTO rm_audit SELECT notification_id + 100000, at, actor_id, actor_login, actor_role, ip, request_id,"
            " tenant_id, object_type, object_id, object_name, action, version, diff, prev_hash, hash FROM rm_audit"
            " ORDER BY notification_id LIMIT 1")

    caplog.clear()
    rt = Runtime(db, view_class=NextVersion)
    try:
        assert f"version {DirectoryView.VERSION} of its projection, this is version {NextVersion.VERSION}: {REBUILD}" in caplog.text
        assert "rebuilt at version" in caplog.text
        assert snapshot(db) == before
        assert stored(db) == [("directory", NextVersion.VERSION)]
        # The view keeps following new events after the rebuild.
        t = rt.app.create(SYSTEM, "tenant", None, {"name": "After"})
        rt.wait(t.notification_id)
        assert rt.read.get("tenant", t.id, None)["title"]
    finally:
        rt.close()

    # Same version again: no rebuild (a hand edit survives the restart).
    sql(db, "UPDATE rm_objects SET title = 'kept' WHERE kind = 'extension'")
    caplog.clear()
    rt = Runtime(db, view_class=NextVersion)
    rt.close()
    assert REBUILD not in caplog.text
    assert {r[0] for r in sql(db, "SELECT title FROM rm_objects WHERE kind = 'extension'")} == {"kept"}


def test_a_store_from_before_versions_counts_as_version_1(embedded_database, caplog):
    db = embedded_database
    rt = Runtime(db)
    try:
        populate(rt)
    finally:
        rt.close()
    before = snapshot(db)
    sql(db, "DELETE FROM projection_versions")
    caplog.set_level(logging.INFO)
    rt = Runtime(db)  # VERSION 1: nothing to rebuild
    rt.close()
    assert REBUILD not in caplog.text and stored(db) == [("directory", 1)]
    sql(db, "DELETE FROM projection_versions")
    rt = Runtime(db, view_class=NextVersion)
    rt.close()
    assert REBUILD in caplog.text and snapshot(db) == before


def test_an_interrupted_rebuild_starts_again(embedded_database, caplog):
    db = embedded_database
    rt = Runtime(db)
    try:
        populate(rt)
    finally:
        rt.close()
    before = snapshot(db)

    class Failing(NextVersion):
        def catch_up(self, app, **kw):
            raise RuntimeError("killed mid-rebuild")

    try:
        Runtime(db, view_class=Failing)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failing rebuild did not fail")
    assert stored(db) == [("directory", DirectoryView.VERSION)] and snapshot(db)["objects"] == []
    caplog.set_level(logging.INFO)
    rt = Runtime(db, view_class=NextVersion)
    rt.close()
    assert REBUILD in caplog.text and snapshot(db) == before
