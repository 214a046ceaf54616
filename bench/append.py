"""Events appended per second by ``ConfigApplication.save()``, against plain INSERT and COPY.

The aggregates (new extensions, one ``Created`` event each, ~0.8 kB of JSON) are built
before the clock starts; the timed part is the library's save: encoding the events
(JSON transcoder) and the recorder's transaction (table lock, NOTIFY, INSERT … RETURNING
notification ids, commit). Two modes: one event per save (one transaction each) and
``batch_size`` aggregates per save.

Baselines write the very same stored-event rows (pre-encoded) into a table shaped like
``config_events`` (same columns, primary key and notification-id index): one autocommit
``INSERT`` per row, and one binary ``COPY`` of all rows.
"""

from __future__ import annotations

import time
import uuid

from .common import Figure, Server, connect, say

EVENTS_DDL = """
CREATE TABLE bench_events (
    originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, state bytea,
    notification_id bigserial, PRIMARY KEY (originator_id, originator_version));
CREATE UNIQUE INDEX bench_events_notification_id_idx ON bench_events (notification_id ASC);
"""


def extension_doc(tenant_code: str, number: int) -> dict:
    """An extension as the API stores it (one SIP device)."""
    return {
        "number": str(number), "name": f"Extension {number}",
        "devices": [{
            "id": str(uuid.uuid4()), "type": "sip", "ring_time": 20, "forward": {"mode": "none", "target": None},
            "enabled": True, "username": f"{tenant_code}-{number}-{uuid.uuid4().hex[:4]}",
            "password": uuid.uuid4().hex[:24], "allowed_networks": [], "nat": True,
        }],
        "owner_user_id": None, "ring_strategy": "parallel", "voicemail": False, "outbound_caller_id": None,
    }


def meta(tenant_id: str | None) -> dict:
    return {"actor_id": str(uuid.uuid4()), "actor_login": "bench", "actor_role": "operator", "ip": "127.0.0.1",
            "request_id": uuid.uuid4().hex, "tenant_id": tenant_id}


def new_extensions(count: int, start: int = 0) -> list:
    from pbxflow.domain.objects import DirectoryObject

    tenant_id = str(uuid.uuid4())
    return [DirectoryObject.new("extension", tenant_id, extension_doc("bench", 200000 + start + i), meta(tenant_id))
            for i in range(count)]


INSERT_SQL = "INSERT INTO bench_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
COPY_SQL = "COPY bench_events (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"


def run(server: Server, *, single: int, batched: int, batch_size: int, rounds: int = 4) -> list[Figure]:
    """``rounds`` alternations of the four measurements, so all see the same machine load."""
    from pbxflow.application import ConfigApplication

    say(f"[2] Events appended: {single:,} saves of 1 event; {batched:,} events in saves of {batch_size}; "
        f"alternating with the baselines in {rounds} rounds")
    secs = {"save1": 0.0, "insert": 0.0, "saveN": 0.0, "copy": 0.0}
    with server.database("append") as db:
        app = ConfigApplication(env=db.eventsourcing_env())
        try:
            with connect(db, autocommit=True) as conn:
                conn.execute(EVENTS_DDL)
                for agg in new_extensions(20, start=10_000_000):  # warm-up: pools, prepared statements
                    app.save(agg)
                for i in range(20):
                    conn.execute(INSERT_SQL, (uuid.uuid4(), 1, "warm-up", b"{}"))
                for r in range(rounds):
                    n1 = single // rounds + (1 if r < single % rounds else 0)
                    nb = batched // rounds + (1 if r < batched % rounds else 0)
                    # The same kind of rows for the baselines, encoded by the app's mapper (not timed).
                    rows = [(se.originator_id, se.originator_version, se.topic, se.state)
                            for se in (app.mapper.to_stored_event(agg.collect_events()[0])
                                       for agg in new_extensions(max(n1, nb), start=20_000_000 + r * 1_000_000))]

                    aggs = new_extensions(n1, start=r * 1_000_000)
                    started = time.perf_counter()
                    for agg in aggs:
                        app.save(agg)
                    secs["save1"] += time.perf_counter() - started

                    started = time.perf_counter()
                    for row in rows[:n1]:
                        conn.execute(INSERT_SQL, row)
                    secs["insert"] += time.perf_counter() - started

                    aggs = new_extensions(nb, start=r * 1_000_000 + 500_000)
                    started = time.perf_counter()
                    for i in range(0, nb, batch_size):
                        app.save(*aggs[i:i + batch_size])
                    secs["saveN"] += time.perf_counter() - started

                    conn.execute("TRUNCATE bench_events")
                    started = time.perf_counter()
                    with conn.transaction(), conn.cursor() as cur, cur.copy(COPY_SQL) as copy:
                        copy.set_types(["uuid", "int8", "text", "bytea"])
                        for row in rows[:nb]:
                            copy.write_row(row)
                    secs["copy"] += time.perf_counter() - started
                    conn.execute("TRUNCATE bench_events")
                    say(f"    round {r + 1}/{rounds}: {n1:,} + {nb:,} events appended, same rows by INSERT and COPY")
                size = conn.execute("SELECT avg(length(state))::int FROM config_events").fetchone()[0]
        finally:
            app.close()
    rate = {"save1": single / secs["save1"], "insert": single / secs["insert"],
            "saveN": batched / secs["saveN"], "copy": batched / secs["copy"]}
    say(f"    pbxflow save(), 1 event per save: {rate['save1']:,.0f} events/s; baseline INSERT 1 row/txn: {rate['insert']:,.0f} rows/s")
    say(f"    pbxflow save(), {batch_size} events per save: {rate['saveN']:,.0f} events/s; baseline COPY: {rate['copy']:,.0f} rows/s")
    return [
        Figure("events appended: save(), 1 event per save", rate["save1"], "events/s",
               "INSERT 1 row/txn", rate["insert"], note=f"{single:,} events of ~{size} bytes, one client"),
        Figure(f"events appended: save(), {batch_size} events per save", rate["saveN"], "events/s",
               f"COPY (binary), {batched // rounds:,} rows/txn", rate["copy"], note=f"{batched:,} events of ~{size} bytes, one client"),
    ]
