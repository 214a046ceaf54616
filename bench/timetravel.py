"""State-as-of latency (F-AUD-2) for a tenant with 10,000 events, and the baseline of reading
the tenant's current rows from the read model in the same run."""

from __future__ import annotations

import random
import statistics
import time

from pbxflow import timetravel
from pbxflow.context import SYSTEM
from pbxflow.runtime import Runtime

from .common import Figure, Server, say


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run(server: Server, *, events: int = 10_000, samples: int = 50) -> list[Figure]:
    say(f"state as of an instant: one tenant with ~{events:,} events, {samples} instants")
    with server.database("timetravel") as db:
        rt = Runtime(db)
        try:
            tenant = rt.app.create(SYSTEM, "tenant", None, {"name": "Time travel"})
            tid = tenant.id
            extensions = max(1, events // 20)
            ids = []
            for n in range(extensions):
                r = rt.app.create(SYSTEM, "extension", tid, {"number": str(20000 + n), "name": f"E{n}", "devices": [{"type": "sip"}]})
                ids.append(r.id)
            done = extensions
            rng = random.Random(7)
            while done < events:
                rt.app.update(SYSTEM, "extension", tid, rng.choice(ids), None, {"name": f"R{done}"})
                done += 1
                if done % 1000 == 0:
                    say(f"    built {done:,}/{events:,} events")
            rt.catch_up(timeout=600)
            bounds = rt.read._rows("SELECT min(at) AS a, max(at) AS b FROM rm_audit WHERE tenant_id = %s", [tenant_uuid(tid)])[0]
            span = (bounds["b"] - bounds["a"]).total_seconds()
            instants = [bounds["a"] + (bounds["b"] - bounds["a"]) * (i / (samples - 1)) for i in range(samples)]
            took, sizes = [], []
            for at in instants:
                started = time.perf_counter()
                state = timetravel.state_at(rt.app, rt.pool, tid, at)
                took.append((time.perf_counter() - started) * 1000)
                sizes.append(sum(len(v) for v in state["objects"].values()))
            base = []
            for _ in range(samples):
                started = time.perf_counter()
                rt.read.list("extension", tid, limit=500)
                base.append((time.perf_counter() - started) * 1000)
        finally:
            rt.close()
    median, p95 = statistics.median(took), _p95(took)
    say(f"    state_at: median {median:.1f} ms, p95 {p95:.1f} ms over {samples} instants across {span:.0f} s of history "
        f"(up to {max(sizes)} objects each); current read-model list: median {statistics.median(base):.1f} ms")
    return [Figure(name=f"state as of an instant, tenant with {events:,} events", value=1000 / median, unit="states/s",
                   baseline_name="current state from the read model (list 500 rows)", baseline=1000 / statistics.median(base),
                   detail=f"median {median:.1f} ms, p95 {p95:.1f} ms",
                   baseline_detail=f"median {statistics.median(base):.1f} ms",
                   note=f"{samples} instants spread over the history; {extensions} extensions × ~20 changes each")]


def tenant_uuid(tid: str):
    from uuid import UUID

    return UUID(tid)


if __name__ == "__main__":
    import sys

    from .common import print_table

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print_table(run(Server(), events=n))
