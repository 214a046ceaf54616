"""Sample call traffic for the demo tenant (``pbxflow serve --demo-calls``): inbound calls on two
lines (answered, missed, busy; some overlapping), call-backs and internal calls over up to the
last two days since the tenant was made, so a demo shows a filled dashboard, call history and
line occupancy. A tenant made a moment ago gets them a couple of seconds apart, starting now.

The calls go in as the AMI events a node would have sent (``reports.synthetic``), through the
same store and projections as real ones; ``serve --demo-calls`` gives them only to a demo tenant
without calls. ``python -m pbxflow.reports.demo_calls`` appends a batch to any tenant of a running
pbxflow (the reports e2e spec does).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from ..calls.events import Appender, canonical_headers, record
from ..calls.ingest import keep
from ..calls.synthetic import CallScript, Clock
from .synthetic import inbound, outbound

NODE = "demo:0"
LINES = ("+74951230001", "+74951230002")
CALLS = 110
DAYS = 2
MIN_SLOT = 2.0  # seconds per call at least: a tenant made a moment ago gets its calls packed tight


def demo_traffic(code: str, devices: dict[str, str], start: float, end: float, seed: int = 7,
                 boot: int = 1_790_000_000) -> list[dict]:
    """AMI events of the demo calls, spread over [start, end) (the same arguments give the same
    calls). Ring and talk times scale with the room each call has, so calls overlap a little.
    ``boot``: the Asterisk boot id in the unique ids; another one for every batch, or call ids repeat."""
    rnd = random.Random(seed)
    numbers = sorted(devices)
    slot = max(MIN_SLOT, (end - start) / CALLS)
    events: list[dict] = []
    for k in range(CALLS):
        script = CallScript(code, clock=Clock(now=start + k * slot + rnd.uniform(0, slot * 0.5)), devices=devices,
                            noise=False, boot=boot)
        caller = f"+7999{rnd.randrange(10_000_000):07d}"
        ring = min(20.0, max(1.0, rnd.uniform(0.05, 0.3) * slot))
        talk = min(600.0, max(3.0, rnd.uniform(0.2, 2.5) * slot))
        kind = rnd.random()
        if kind < 0.7:
            outcome = rnd.choices(("answered", "noanswer", "busy"), (6, 3, 1))[0]
            inbound(script, rnd.choice(LINES), caller, rnd.choice(numbers), outcome, ring=ring, talk=talk)
        elif kind < 0.85:
            outbound(script, rnd.choice(numbers), caller, rnd.choice(("answered", "noanswer")))
        else:
            a, b = rnd.sample(numbers, 2) if len(numbers) > 1 else (numbers[0], numbers[0])
            script.call(a, b, "answered", talk=talk, ring=ring)
        events += script.events
    return events


def seed_demo_calls(runtime, tenant_id: str) -> int:
    """Append the demo calls to the tenant unless it has calls already; answers how many events went in."""
    tenant = runtime.read.get("tenant", tenant_id, None)
    code = tenant["data"]["code"]
    svc = runtime.calls_service()
    with runtime.pool.connection() as conn:
        if conn.execute("SELECT 1 FROM calls_history WHERE tenant_code = %s LIMIT 1", (code,)).fetchone():
            return 0
    extensions = [row["data"] for row in runtime.read.list("extension", tenant_id, limit=20).items]
    devices = {e["number"]: e["devices"][0]["username"] for e in extensions
               if e.get("devices") and e["devices"][0].get("username")}
    if not devices:
        return 0
    # Reports hide calls from before a tenant existed (its code may be a deleted tenant's), so the
    # calls start after its creation: a demo made just now gets them packed from now on.
    now = time.time()
    start = max(tenant["created_at"].timestamp() + 1, now - DAYS * 86400)
    recorded = _recorded(demo_traffic(code, devices, start, now, boot=time.time_ns() // 1000))
    result = Appender(svc.app).append(recorded)
    svc.wait(result.position)
    return len(recorded)


def _recorded(events: list[dict]) -> list:
    return [record(NODE, canonical_headers(h.items()), received=time.time()) for h in events if keep(h["Event"], h)]


def seed_demo_tenant(runtime) -> int:
    """The demo calls for the demo tenant (``demo.DEMO_NAME``), if there is one."""
    from ..demo import DEMO_NAME

    runtime.catch_up()
    tenants = runtime.read.list("tenant", None, limit=500).items
    demo = next((t for t in tenants if t["data"].get("name") == DEMO_NAME), None)
    return seed_demo_calls(runtime, str(demo["id"])) if demo else 0


def main(argv: list[str] | None = None) -> None:
    """Append demo calls to a tenant of a running pbxflow's store (DATABASE_URL, else the embedded
    PostgreSQL under PBXFLOW_DATA_DIR); its projections take them in. For tests and demos."""
    from .. import database
    from ..calls.events import CallsApplication
    from ..settings import Settings

    p = argparse.ArgumentParser(prog="python -m pbxflow.reports.demo_calls", description=main.__doc__)
    p.add_argument("code", help="the tenant's code")
    p.add_argument("devices", help='the SIP usernames of its extensions: {"201": "<username>", …}')
    p.add_argument("--since", type=float, required=True,
                   help="epoch seconds the calls start from: not before the tenant was made (reports hide those)")
    a = p.parse_args(argv)
    devices = json.loads(a.devices)
    if not isinstance(devices, dict) or not devices:
        p.error("devices: a JSON object of extension number → SIP username")
    db = database.resolve(os.environ.get("DATABASE_URL"), Settings.from_env().data_dir)
    app = CallsApplication(env=db.eventsourcing_env())
    try:
        now = time.time()
        recorded = _recorded(demo_traffic(a.code, devices, min(a.since, now), now, boot=time.time_ns() // 1000))
        print(Appender(app).append(recorded).position or 0)
    finally:
        app.close()


if __name__ == "__main__":
    main()
