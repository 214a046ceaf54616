"""Replay rate: rebuilding the directory read model from a large event store.

1. A store of ``events`` valid events is generated (``store.py``; the faster of
   batched ``app.save()`` and ``COPY`` is chosen after timing both on a sample).
2. Baseline: plain psycopg reads all rows of ``config_events`` (keyset pages of
   10,000, as the library's subscription does in pages of 500) and writes one row per
   event (ids, topic, the state as ``jsonb``) with ``COPY``.
3. Per-event replay: ``DirectoryView.reset`` then the library's ``ProjectionRunner``
   with ``DirectoryProjection`` — what ``pbxflow serve`` runs: one transaction per event
   (read-model rows + audit row + tracking). After ``per_event_budget`` seconds, when
   the whole replay would take longer than ``per_event_limit`` (15 min), it is stopped
   and its rate extrapolated to the whole store (labelled EXTRAPOLATED).
4. Batched replay: ``DirectoryView.reset`` then ``DirectoryView.catch_up`` — ``batch``
   events per transaction, tracking committed with each batch.
5. Checks: both replays give identical read-model rows (the whole read model when the
   per-event replay finished, else the audit rows it reached); row counts match the
   generated history; after the batched catch-up the ``ProjectionRunner`` resumes
   exactly after it (one new event is projected once).
"""

from __future__ import annotations

import time

from . import store as store_mod
from .common import Figure, Progress, Server, connect, say


def _view(db):
    """A ``DirectoryView`` on the database (tables created), as ``Runtime`` makes it."""
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    from projections.directory import DirectoryProjection, DirectoryView

    factory = InfrastructureFactory.construct(env=Environment(DirectoryProjection.name, db.eventsourcing_env()))
    return factory, factory.tracking_recorder(DirectoryView)


def _runner(db):
    from eventsourcing.projection import ProjectionRunner

    from pbxflow.application import ConfigApplication
    from projections.directory import DirectoryProjection, DirectoryView

    return ProjectionRunner(application_class=ConfigApplication, projection_class=DirectoryProjection,
                            view_class=DirectoryView, env=db.eventsourcing_env())


def baseline(db, head: int, page: int = 10_000) -> float:
    """Events/s for: read every stored event, write one jsonb row per event with COPY."""
    with connect(db, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_replay")
        conn.execute("CREATE TABLE bench_replay (notification_id bigint PRIMARY KEY, originator_id uuid NOT NULL,"
                     " originator_version bigint NOT NULL, topic text NOT NULL, state jsonb NOT NULL)")
    progress = Progress("baseline read+COPY", head)
    started = time.perf_counter()
    done, last = 0, 0
    with connect(db, autocommit=True) as rd, connect(db) as wr:
        while True:
            rows = rd.execute("SELECT notification_id, originator_id, originator_version, topic, state FROM config_events"
                              " WHERE notification_id > %s ORDER BY notification_id LIMIT %s", (last, page)).fetchall()
            if not rows:
                break
            with wr.cursor() as cur, cur.copy("COPY bench_replay FROM STDIN") as copy:
                for nid, oid, version, topic, state in rows:
                    copy.write_row((nid, oid, version, topic, bytes(state).decode()))
            wr.commit()
            last = rows[-1][0]
            done += len(rows)
            progress.update(done)
    elapsed = time.perf_counter() - started
    progress.finish(done)
    with connect(db, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_replay")
    assert done == head, (done, head)
    return done / elapsed


def per_event(db, view, app_name: str, head: int, budget: float, limit: float) -> tuple[int, float]:
    """The ProjectionRunner from an empty view: (events done, seconds).

    After ``budget`` seconds it stops if the whole replay would take longer than ``limit``.
    """
    view.reset(app_name)
    progress = Progress("per-event replay (ProjectionRunner)", head)
    started = time.perf_counter()
    runner = _runner(db)
    runner.__enter__()
    try:
        while True:
            done = view.max_tracking_id(app_name) or 0
            now = time.perf_counter()
            progress.update(done)
            if done >= head:
                break
            if now - started > budget and done and head / (done / (now - started)) > limit:
                break
            if runner.is_interrupted.is_set():
                runner.run_forever(timeout=0)  # re-raises the projection's error
                raise RuntimeError("the projection runner stopped")
            time.sleep(0.05)
        elapsed = now - started
    finally:
        runner.__exit__(None, None, None)
    progress.finish(done)
    return done, elapsed


def batched(view, app, head: int, batch: int) -> tuple[int, float]:
    view.reset(app.name)
    progress = Progress(f"batched replay (catch_up, {batch}/txn)", head)
    started = time.perf_counter()
    view.catch_up(app, batch_size=batch, progress=progress.update)
    elapsed = time.perf_counter() - started
    done = view.max_tracking_id(app.name) or 0
    progress.finish(done)
    return done, elapsed


AUDIT_SUM = ("SELECT count(*), md5(string_agg(md5(a::text), '' ORDER BY notification_id))"
             " FROM rm_audit a WHERE notification_id <= %s")
OBJECTS_SUM = "SELECT count(*), md5(string_agg(md5(o::text), '' ORDER BY id)) FROM rm_objects o"


def checksums(db, upto: int, with_objects: bool) -> dict:
    with connect(db) as conn:
        out = {"audit": tuple(conn.execute(AUDIT_SUM, (upto,)).fetchone())}
        if with_objects:
            out["objects"] = tuple(conn.execute(OBJECTS_SUM).fetchone())
    return out


def handoff(db, view, app) -> None:
    """After catch_up, the runner resumes exactly after it: one new event, projected once."""
    from .append import meta
    from pbxflow.domain.objects import DirectoryObject

    before = checksums(db, 1 << 62, with_objects=False)["audit"][0]
    runner = _runner(db)
    runner.__enter__()
    try:
        tenant = DirectoryObject.new("tenant", None, {"name": "After the replay", "code": "zzafter"}, meta(None))
        nid = max(r.notification.id for r in app.save(tenant))
        view.wait(app.name, nid, timeout=30)
    finally:
        runner.__exit__(None, None, None)
    after = checksums(db, 1 << 62, with_objects=False)["audit"][0]
    if after != before + 1 or (view.max_tracking_id(app.name) or 0) != nid:
        raise AssertionError(f"hand-off to the ProjectionRunner: audit rows {before} -> {after}, tracking vs {nid}")


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def run(server: Server, *, events: int, batch: int, per_event_budget: float, per_event_limit: float = 900.0) -> list[Figure]:
    from pbxflow.application import ConfigApplication

    say(f"[3] Replay: directory read model rebuilt from a store of {events:,} events")
    with server.database("replay") as db:
        app = ConfigApplication(env=db.eventsourcing_env())
        factory, view = _view(db)
        try:
            stats = store_mod.build(db, app, events)
            for line in store_mod.describe(stats, events):
                say(f"    store: {line}")
            head = app.recorder.max_notification_id() or 0
            decoded = store_mod.check_decodable(app)
            with connect(db) as conn:
                size_mb = conn.execute("SELECT pg_total_relation_size('config_events') / 1e6").fetchone()[0]
            say(f"    store: head {head:,}, {size_mb:,.0f} MB with indexes; {decoded:,} sampled events decode with the app's mapper")
            assert head == stats.counts.events, (head, stats.counts.events)

            base_before = baseline(db, head)
            say(f"    baseline: {base_before:,.0f} events/s (read all rows + COPY jsonb rows); run again after the replays")

            done, secs = per_event(db, view, app.name, head, per_event_budget, per_event_limit)
            pe_rate = done / secs
            finished = done >= head
            if finished:
                say(f"    per-event replay: {head:,} events in {secs:,.1f} s = {pe_rate:,.0f} events/s")
            else:
                say(f"    per-event replay: stopped after {secs:,.0f} s at {done:,} of {head:,} events = {pe_rate:,.0f} events/s; "
                    f"EXTRAPOLATED full replay: {_duration(head / pe_rate)}")
            reference = checksums(db, done, with_objects=finished)

            bdone, bsecs = batched(view, app, head, batch)
            b_rate = bdone / bsecs
            say(f"    batched replay: {bdone:,} events in {bsecs:,.1f} s = {b_rate:,.0f} events/s "
                f"({b_rate / pe_rate:.1f}x the per-event replay)")

            base_after = baseline(db, head)
            base_rate = (base_before + base_after) / 2
            say(f"    baseline again: {base_after:,.0f} events/s; mean {base_rate:,.0f} events/s")

            # Checks.
            assert bdone == head, (bdone, head)
            mine = checksums(db, done, with_objects=finished)
            if mine != reference:
                raise AssertionError(f"batched and per-event replays differ: {mine} vs {reference}")
            with connect(db) as conn:
                objects = conn.execute("SELECT count(*) FROM rm_objects").fetchone()[0]
                audit = conn.execute("SELECT count(*) FROM rm_audit").fetchone()[0]
            if (objects, audit) != (stats.counts.live_objects, stats.counts.object_events):
                raise AssertionError(f"read model has {objects} objects / {audit} audit rows, expected "
                                     f"{stats.counts.live_objects} / {stats.counts.object_events}")
            handoff(db, view, app)
            compared = "whole read model" if finished else f"audit rows up to event {done:,}"
            say(f"    checks: identical results of both replays ({compared}); {objects:,} objects and {audit:,} audit rows "
                "as generated; runner resumes exactly after catch_up")
        finally:
            factory.close()
            app.close()

    pe_label = f"replay, 1 txn per event (ProjectionRunner), {head:,}-event store"
    pe_note = (f"measured on all {head:,} events" if finished else
               f"EXTRAPOLATED: ran {secs:,.0f} s over the first {done:,} events; the full replay would take ~{_duration(head / pe_rate)}")
    return [
        Figure(pe_label, pe_rate, "events/s", "read all + COPY jsonb rows", base_rate, note=pe_note,
               detail=f"{secs:,.0f} s for {done:,}" if finished else f"EXTRAPOLATED {head / pe_rate:,.0f} s",
               baseline_detail=f"{base_before:,.0f} before, {base_after:,.0f} after"),
        Figure(f"replay, batched catch_up ({batch}/txn), {head:,}-event store", b_rate, "events/s",
               "read all + COPY jsonb rows", base_rate, detail=f"{bsecs:,.1f} s",
               baseline_detail=f"{head / base_rate:,.1f} s",
               note=f"{head:,} events in {bsecs:,.1f} s; identical read model"),
        Figure(f"store generation (mostly {stats.chosen}), {head:,} events", stats.counts.events / stats.seconds, "events/s",
               detail=f"{stats.seconds:,.0f} s", note="; ".join(store_mod.describe(stats, head))),
    ]
