"""The calls ingestion against fake AMI nodes (tests/calls_fake.py): exactly once, reconnects,
restarts, back-pressure. The store and read models are real (embedded PostgreSQL).

"Exactly once" is checked on the store itself: the set of stored event ids equals the set
of call events the node produced (nothing lost), and the store's key makes every id unique
(nothing twice); the history has one row per call.
"""

from __future__ import annotations

import asyncio

import pytest
from calls_fake import ChannelFake, wait_until

from pbxflow.calls.events import CONNECTED, DISCONNECTED, RECONCILE, canonical_headers, event_id
from pbxflow.calls.ingest import CallIngestor, keep
from pbxflow.calls.synthetic import CallScript

FAST = dict(connect_timeout=2.0, action_timeout=5.0, ping_interval=60.0, backoff_initial=0.05, backoff_max=0.3,
            backoff_jitter=0.1, stable_after=60.0)


def expected_ids(node: str, events: list[dict]) -> set:
    return {event_id(node, canonical_headers(h.items())) for h in events if keep(h["Event"], h)}


def stored(svc) -> list[tuple]:
    with svc.app.recorder.datastore.get_connection() as conn:
        rows = conn.execute("SELECT originator_id, topic FROM calls_events ORDER BY notification_id").fetchall()
    return [r["originator_id"] for r in rows]


def stored_names(svc) -> list[str]:
    out = []
    for n in svc.app.recorder.select_notifications(start=None, limit=1_000_000):
        out.append(svc.app.mapper.to_domain_event(n).name)
    return out


def rows(svc, sql: str, params=()) -> list[dict]:
    with svc.app.recorder.datastore.get_connection() as conn:
        return conn.execute(sql, params).fetchall()


async def caught_up(svc) -> None:
    await asyncio.to_thread(svc.catch_up, 30.0)


def ingestor(svc, fake, **kw) -> CallIngestor:
    return CallIngestor(svc.app, [fake.url], node_options={**FAST, **kw.pop("node_options", {})}, **kw)


@pytest.fixture
def svc(runtime):
    return runtime.calls_service()


@pytest.fixture
async def fake():
    server = await ChannelFake().start()
    yield server
    await server.stop()


def calls(script: CallScript, n: int, outcomes=("answered", "busy", "noanswer", "unavailable")) -> list[str]:
    return [script.call(f"{200 + i % 50}", f"{300 + i % 50}", outcomes[i % len(outcomes)], talk=2.0) for i in range(n)]


async def test_each_event_is_stored_once_also_when_delivered_twice(svc, fake):
    script = CallScript("acme", clock=fake.clock)
    calls(script, 8)
    ing = await ingestor(svc, fake).start()
    await ing.wait_connected(5)
    await wait_until(lambda: ing.stats.reconciles == 1, what="the first reconciliation")
    await fake.play(script.events)
    await fake.play(script.events)  # the same text again, e.g. from a second session
    want = expected_ids(fake.name, script.events)
    await wait_until(lambda: ing.stats.received >= 2 * len(want) + 2, what="both deliveries")
    await ing.close()
    ids = stored(svc)
    assert len(ids) == len(set(ids))
    assert want <= set(ids) and len(ids) == len(want) + 2  # + the Connected and Reconcile markers
    assert ing.stats.duplicates == len(want)
    await caught_up(svc)
    history = rows(svc, "SELECT result, count(*) AS n FROM calls_history GROUP BY result ORDER BY result")
    assert {r["result"]: r["n"] for r in history} == {"answered": 2, "busy": 2, "failed": 2, "no answer": 2}
    assert rows(svc, "SELECT count(*) AS n FROM calls_active")[0]["n"] == 0


async def test_two_ingesters_overlapping_restart_lose_and_duplicate_nothing(svc, fake):
    """A restart that starts the new ingester before the old one stops: the old one
    crashes (drops what it had queued) or stops mid-burst; every event is stored once."""
    script = CallScript("acme", clock=fake.clock)
    linked = calls(script, 120)
    events = script.events
    old = await ingestor(svc, fake, batch_size=50).start()
    await old.wait_connected(5)
    await fake.play(events[: len(events) // 3])
    await wait_until(lambda: old.stats.received >= len(expected_ids(fake.name, events[: len(events) // 3])), what="part one")
    await old.flush()  # the steady state before the restart: only the new burst is in flight
    new = await ingestor(svc, fake, batch_size=50).start()
    await new.wait_connected(5)
    await wait_until(lambda: new.stats.reconciles == 1, what="the new ingester's reconciliation")
    burst = asyncio.create_task(fake.play(events[len(events) // 3:], chunk=20))
    await wait_until(lambda: fake.played > len(events) // 2, what="half the burst")
    await old.abort()  # a crash: whatever it had read and not stored is gone with it
    await burst
    await wait_until(lambda: new.stats.received >= len(expected_ids(fake.name, events[len(events) // 3:])), what="the burst")
    await new.close()
    ids = stored(svc)
    assert len(ids) == len(set(ids)), "an event stored twice"
    assert expected_ids(fake.name, events) <= set(ids), "an event lost"
    await caught_up(svc)
    got = rows(svc, "SELECT linkedid FROM calls_history ORDER BY linkedid")
    assert sorted(r["linkedid"] for r in got) == sorted(linked)
    assert rows(svc, "SELECT count(*) AS n FROM calls_active")[0]["n"] == 0


async def test_graceful_stop_mid_burst_stores_what_was_read(svc, fake):
    script = CallScript("acme", clock=fake.clock)
    calls(script, 60)
    first = await ingestor(svc, fake, batch_size=25).start()
    await first.wait_connected(5)
    second = await ingestor(svc, fake, batch_size=25).start()
    await second.wait_connected(5)
    burst = asyncio.create_task(fake.play(script.events, chunk=10))
    await wait_until(lambda: first.stats.received > 100, what="the first events")
    await first.close()  # drains what its node had read, then stops
    assert first.pending == 0
    await burst
    await wait_until(lambda: second.stats.received >= len(expected_ids(fake.name, script.events)), what="the burst")
    await second.close()
    ids = stored(svc)
    assert len(ids) == len(set(ids)) and expected_ids(fake.name, script.events) <= set(ids)
    assert first.stats.inserted + second.stats.inserted == len(ids)


async def test_dropped_connection_mid_call_is_reconciled(svc, fake):
    script = CallScript("acme", clock=fake.clock)
    linkedid = script.call("201", "202", "answered", talk=30)
    events = script.events
    talking = next(i for i, h in enumerate(events) if h["Event"] == "BridgeEnter") + 2
    ing = await ingestor(svc, fake).start()
    await ing.wait_connected(5)
    await fake.play(events[:talking])
    await wait_until(lambda: ing.stats.received >= len(expected_ids(fake.name, events[:talking])), what="the call")
    await ing.flush()
    await caught_up(svc)
    [active] = rows(svc, "SELECT summary FROM calls_active")
    assert active["summary"]["state"] == "talking"

    await fake.stop_listening()
    await fake.drop_connections()
    await wait_until(lambda: not ing.nodes[0].connected, what="the drop")
    await fake.play(events[talking:])  # the call ends while nobody listens
    other = CallScript("acme", clock=fake.clock)
    other_id = other.call("205", "206", "answered")
    ringing = next(i for i, h in enumerate(other.events) if h["Event"] == "DialState") + 1
    await fake.play(other.events[:ringing])  # a new call starts, unseen
    await fake.start_listening()
    await wait_until(lambda: ing.stats.reconciles == 2, what="the reconciliation after the reconnect")
    await fake.play(other.events[ringing:])
    await wait_until(lambda: ing.stats.received >= len(expected_ids(fake.name, events[:talking] + other.events[ringing:])) + 5,
                     what="the rest of the second call")
    await ing.close()
    await caught_up(svc)
    ids = stored(svc)
    assert len(ids) == len(set(ids))
    names = stored_names(svc)
    assert names.count(RECONCILE) == 2 and names.count(CONNECTED) == 2 and names.count(DISCONNECTED) == 1
    first = rows(svc, "SELECT result, reconciled, answered_by, protocol FROM calls_history WHERE linkedid = %s", (linkedid,))
    assert [(r["result"], r["reconciled"], r["answered_by"]) for r in first] == [("answered", True, "202")]
    assert [s["step"] for s in first[0]["protocol"]][-3:] == ["lost", "lost", "end"]
    second = rows(svc, "SELECT result, reconciled, answered_by FROM calls_history WHERE linkedid = %s", (other_id,))
    assert [(r["result"], r["reconciled"], r["answered_by"]) for r in second] == [("answered", True, "206")]
    assert rows(svc, "SELECT count(*) AS n FROM calls_active")[0]["n"] == 0


async def test_restart_without_overlap_leaves_no_call_hanging(svc, fake):
    """Events sent while no ingester runs are lost to AMI; reconciliation closes the calls
    that ended meanwhile and picks up the ones still live, each once."""
    script = CallScript("acme", clock=fake.clock)
    done = calls(script, 10)
    half = script.call("201", "202", "answered", talk=20)
    talking = next(i for i, h in enumerate(script.events) if h["Event"] == "BridgeEnter" and h["Linkedid"] == half) + 2
    first = await ingestor(svc, fake).start()
    await first.wait_connected(5)
    await fake.play(script.events[:talking])
    await wait_until(lambda: first.stats.received >= len(expected_ids(fake.name, script.events[:talking])), what="part one")
    await first.close()
    await fake.play(script.events[talking:])  # nobody listening
    live = CallScript("acme", clock=fake.clock)
    live_id = live.call("210", "211", "answered", talk=5)
    up = next(i for i, h in enumerate(live.events) if h["Event"] == "BridgeEnter") + 2
    await fake.play(live.events[:up])
    second = await ingestor(svc, fake).start()
    await wait_until(lambda: second.stats.reconciles == 1, what="the reconciliation")
    await second.flush()
    await caught_up(svc)
    [active] = rows(svc, "SELECT summary FROM calls_active")
    assert active["summary"]["state"] == "talking" and active["summary"]["caller"] == "210"
    await fake.play(live.events[up:])
    await wait_until(lambda: second.stats.received >= len(expected_ids(fake.name, live.events[up:])) + 2, what="its end")
    await second.close()
    await caught_up(svc)
    got = {r["linkedid"]: r for r in rows(svc, "SELECT linkedid, result, reconciled FROM calls_history")}
    assert set(got) == set(done) | {half, live_id}
    assert (got[half]["result"], got[half]["reconciled"]) == ("answered", True)
    assert (got[live_id]["result"], got[live_id]["reconciled"]) == ("answered", True)
    assert not any(got[k]["reconciled"] for k in done)
    assert rows(svc, "SELECT count(*) AS n FROM calls_active")[0]["n"] == 0
    ids = stored(svc)
    assert len(ids) == len(set(ids))


async def test_back_pressure_keeps_memory_bounded(svc, fake):
    script = CallScript("acme", clock=fake.clock)
    calls(script, 150)
    ing = ingestor(svc, fake, batch_size=20, max_pending=60, node_options={"queue_size": 20})
    inner = ing.appender.append

    def slow(batch, encoded=None):
        import time

        time.sleep(0.02)  # a slow database
        return inner(batch, encoded)

    ing.appender.append = slow
    await ing.start()
    await ing.wait_connected(5)
    await fake.play(script.events, chunk=500)
    want = expected_ids(fake.name, script.events)
    await wait_until(lambda: ing.stats.received >= len(want), 60, what="every event")
    await ing.close()
    assert ing.stats.pending_high_water <= 60
    assert ing.stats.waits > 0 and ing.nodes[0].stats.read_pauses > 0, "the handler waited and reading paused"
    assert ing.nodes[0].stats.queue_high_water <= 20
    ids = stored(svc)
    assert want <= set(ids) and len(ids) == len(set(ids))


async def test_failed_appends_are_retried_not_dropped(svc, fake):
    from eventsourcing.persistence import OperationalError

    script = CallScript("acme", clock=fake.clock)
    calls(script, 5)
    ing = ingestor(svc, fake, batch_size=10)
    inner = ing.appender.append
    failures = {"left": 3}

    def flaky(batch, encoded=None):
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("the database went away")
        return inner(batch, encoded)

    ing.appender.append = flaky
    await ing.start()
    await ing.wait_connected(5)
    await fake.play(script.events)
    want = expected_ids(fake.name, script.events)
    await wait_until(lambda: ing.stats.received >= len(want), what="every event")
    await ing.flush(30)
    await ing.close()
    assert ing.stats.append_failures == 3
    ids = stored(svc)
    assert want <= set(ids) and len(ids) == len(set(ids))
    await caught_up(svc)
    assert rows(svc, "SELECT count(*) AS n FROM calls_history")[0]["n"] == 5


async def test_projection_resumes_after_a_restart_without_doing_anything_twice(runtime, fake):
    """The read models commit with their tracking row: a new process continues exactly after it."""
    from pbxflow.calls.service import CallsService

    script = CallScript("acme", clock=fake.clock)
    calls(script, 12)
    first = CallsService(runtime.db, runtime.pool, project=False)
    ing = await ingestor(first, fake).start()
    await ing.wait_connected(5)
    await fake.play(script.events)
    await wait_until(lambda: ing.stats.received >= len(expected_ids(fake.name, script.events)), what="every event")
    await ing.close()
    head = first.head()
    done = await asyncio.to_thread(first.view.process, first.app, batch_size=40, max_batches=2)
    assert 0 < done < head
    first.close()
    second = CallsService(runtime.db, runtime.pool, project=True)
    try:
        await asyncio.to_thread(second.catch_up, 30.0)
        history = rows(second, "SELECT linkedid, position FROM calls_history")
        assert len(history) == 12 == len({r["linkedid"] for r in history})
        feed = rows(second, "SELECT kind, count(*) AS n FROM calls_changes GROUP BY kind")
        assert {r["kind"]: r["n"] for r in feed}["call_end"] == 12
    finally:
        second.close()
