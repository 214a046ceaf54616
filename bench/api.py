"""Commands per second through the HTTP API, against plain INSERTs at the same concurrency.

The real server runs in a child process (``python -m pbxflow.cli serve``, uvicorn,
projections in-process) on a fresh database. ``concurrency`` clients, each with its
own connection, create extensions (one SIP device each) in one tenant; every
command answers only after the read model shows it (read-your-writes), so the
latency is the one a user sees. Each such command appends 3 events (the extension
and two unique-key claims) and writes 2 read-model rows plus the tracking row.

Baseline: one plain ``INSERT`` per extension (autocommit, i.e. one transaction per
row) of the same JSON document into a table with the same uniqueness rules, by as
many threads as there were clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from .common import Figure, Server, connect, database_url, latency_ms, percentile, say

PASSWORD = "bench-operator-pass"
FIRST_NUMBER = 200000  # six digits: the bench tenant's plan allows 3-6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``pbxflow serve`` on a database, in a child process."""

    def __init__(self, db, log_dir: Path):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PBXFLOW_AMI")}
        env.update({
            "DATABASE_URL": database_url(db),
            "PBXFLOW_HOST": "127.0.0.1",
            "PBXFLOW_PORT": str(self.port),
            "PBXFLOW_ADMIN_LOGIN": "admin",
            "PBXFLOW_ADMIN_PASSWORD": PASSWORD,
            "PBXFLOW_DATA_DIR": str(log_dir),
        })
        self.log_path = log_dir / "serve.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "pbxflow.cli", "serve"], env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pbxflow serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"pbxflow serve did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def _extension(n: int) -> dict:
    return {"number": str(n), "name": f"Bench {n}", "devices": [{"type": "sip"}]}


async def _drive(base_url: str, token: str, work: list[tuple[str, int]], concurrency: int):
    """Create one extension per (tenant, number) with ``concurrency`` clients; latencies and elapsed time."""
    latencies: list[float] = []
    errors: list[str] = []
    todo = iter(work)

    async def client_loop() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
            for tenant_id, n in todo:  # one shared iterator: each item is taken once
                started = time.perf_counter()
                r = await client.post(f"/api/tenants/{tenant_id}/extensions", json=_extension(n))
                latencies.append(time.perf_counter() - started)
                if r.status_code != 201:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started, errors


class Baseline:
    """Plain psycopg: one INSERT (own transaction) per extension, by ``concurrency`` threads."""

    def __init__(self, db, sample: dict):
        self.db = db
        self.tenant = uuid.uuid4()
        self.template = {k: v for k, v in sample.items() if k not in ("id", "version", "tenant_id", "created_at", "updated_at")}
        with connect(db, autocommit=True) as conn:
            conn.execute(BASELINE_DDL)

    def run(self, numbers: list[int], concurrency: int) -> tuple[list[float], float]:
        todo = iter(numbers)
        lock = threading.Lock()
        latencies: list[float] = []

        def worker() -> None:
            with connect(self.db, autocommit=True) as conn:
                mine = []
                while True:
                    with lock:
                        n = next(todo, None)
                    if n is None:
                        break
                    doc = {**self.template, "number": str(n), "name": f"Bench {n}",
                           "devices": [{**d, "id": str(uuid.uuid4()), "username": f"bench-{n}"} for d in self.template["devices"]]}
                    started = time.perf_counter()
                    conn.execute("INSERT INTO bench_extensions (id, tenant_id, number, sip_username, data) VALUES (%s, %s, %s, %s, %s)",
                                 (uuid.uuid4(), self.tenant, str(n), f"bench-{n}", json.dumps(doc)))
                    mine.append(time.perf_counter() - started)
                with lock:
                    latencies.extend(mine)

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return latencies, time.perf_counter() - started

    def count(self) -> int:
        with connect(self.db) as conn:
            return conn.execute("SELECT count(*) FROM bench_extensions").fetchone()[0]


def phases(db, *, commands: int, concurrency: int) -> dict:
    """Where a command's time goes, without HTTP: ``Runtime`` in this process, same workload."""
    from pbxflow.context import SYSTEM
    from pbxflow.runtime import Runtime

    rt = Runtime(db)
    try:
        tenant = rt.app.create(SYSTEM, "tenant", None, {"name": "Bench", "numbering": {"min_digits": 3, "max_digits": 6}})
        rt.wait(tenant.notification_id)
        todo, lock = iter(range(FIRST_NUMBER, FIRST_NUMBER + commands)), threading.Lock()
        parts: dict[str, list[float]] = {"command": [], "wait": [], "read": []}

        def worker() -> None:
            while True:
                with lock:
                    n = next(todo, None)
                if n is None:
                    return
                t0 = time.perf_counter()
                result = rt.app.create(SYSTEM, "extension", tenant.id, _extension(n))
                t1 = time.perf_counter()
                rt.wait(result.notification_id)
                t2 = time.perf_counter()
                rt.read.get("extension", result.id, tenant.id)
                t3 = time.perf_counter()
                with lock:
                    parts["command"].append(t1 - t0)
                    parts["wait"].append(t2 - t1)
                    parts["read"].append(t3 - t2)

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        rt.close()
    return {"rate": commands / elapsed, **{k: percentile(v, 50) * 1000 for k, v in parts.items()}}


BASELINE_DDL = """
CREATE TABLE bench_extensions (
    id uuid PRIMARY KEY, tenant_id uuid NOT NULL, number text NOT NULL, sip_username text NOT NULL,
    data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, number), UNIQUE (sip_username))
"""


def run(server: Server, *, commands: int, concurrency: int, tenants: int = 1, warmup: int = 20, rounds: int = 4) -> list[Figure]:
    """``rounds`` alternations of API commands and baseline INSERTs, so both see the same machine load."""
    where = "one tenant" if tenants == 1 else f"{tenants} tenants"
    say(f"[1] API: {commands:,} extension creates in {where} by {concurrency} concurrent clients "
        f"(after {warmup} warm-up), alternating with the baseline in {rounds} rounds")
    api_lat, api_secs, base_lat, base_secs = [], 0.0, [], 0.0
    with server.database("api") as db, server.database("api_base") as base_db, \
            tempfile.TemporaryDirectory(prefix="pbxflow-bench-") as tmp:
        proc = ServerProcess(db, Path(tmp))
        try:
            t0 = time.perf_counter()
            proc.wait_ready()
            say(f"    server up in {time.perf_counter() - t0:.1f} s at {proc.base_url}")
            with httpx.Client(base_url=proc.base_url, timeout=60) as c:
                r = c.post("/api/auth/login", json={"login": "admin", "password": PASSWORD})
                r.raise_for_status()
                token = r.json()["token"]
                c.headers["Authorization"] = f"Bearer {token}"
                tenant_ids = []
                for t in range(tenants):
                    r = c.post("/api/tenants", json={"name": f"Bench tenant {t}", "numbering": {"min_digits": 3, "max_digits": 6}})
                    r.raise_for_status()
                    tenant_ids.append(r.json()["id"])
                sample = None
                for n in range(FIRST_NUMBER, FIRST_NUMBER + warmup):
                    r = c.post(f"/api/tenants/{tenant_ids[n % tenants]}/extensions", json=_extension(n))
                    r.raise_for_status()
                    sample = r.json()
            baseline = Baseline(base_db, sample)
            baseline.run(list(range(100, 100 + warmup)), concurrency)
            numbers = list(range(FIRST_NUMBER + warmup, FIRST_NUMBER + warmup + commands))
            for i in range(rounds):
                part = numbers[i::rounds]
                work = [(tenant_ids[n % tenants], n) for n in part]
                latencies, secs, errors = asyncio.run(_drive(proc.base_url, token, work, concurrency))
                if errors:
                    raise RuntimeError(f"{len(errors)} of {len(part)} commands failed, e.g. {errors[0]}")
                api_lat += latencies
                api_secs += secs
                latencies, secs2 = baseline.run(part, concurrency)
                base_lat += latencies
                base_secs += secs2
                say(f"    round {i + 1}/{rounds}: pbxflow {len(part) / secs:,.1f} commands/s, baseline {len(part) / secs2:,.0f} INSERTs/s")
            with httpx.Client(base_url=proc.base_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
                total = sum(c.get(f"/api/tenants/{tid}/extensions", params={"limit": 1}).json()["total"] for tid in tenant_ids)
                health = c.get("/api/health").json()
            if total != commands + warmup:
                raise RuntimeError(f"the read model lists {total} extensions, expected {commands + warmup}")
            if baseline.count() != commands + warmup:
                raise RuntimeError("baseline rows missing")
        finally:
            proc.stop()
    cps, rps = commands / api_secs, commands / base_secs
    say(f"    pbxflow: {cps:,.1f} commands/s, {latency_ms(api_lat)} ({health['events']:,} events in the store, lag {health['lag']})")
    say(f"    baseline: {rps:,.0f} INSERTs/s, {latency_ms(base_lat)}")
    figures = [
        Figure(f"API: create extension (HTTP, {concurrency} clients, {where})", cps, "commands/s",
               f"INSERT 1 row/txn, {concurrency} threads", rps,
               detail=latency_ms(api_lat), baseline_detail=latency_ms(base_lat),
               note=f"{commands:,} commands in {where} (~{(commands + warmup) // tenants:,} extensions each at the end); "
                    "each appends 3 events and answers after its read model has it"),
    ]
    if tenants == 1:
        split_n = min(commands, 400)
        with server.database("api_phases") as db:
            split = phases(db, commands=split_n, concurrency=concurrency)
        split_text = (f"median command {split['command']:.1f} ms + read-model wait {split['wait']:.1f} ms "
                      f"+ read {split['read']:.1f} ms")
        say(f"    same commands in-process (Runtime only: no HTTP, no Asterisk config applier; {split_n}): "
            f"{split['rate']:,.1f} commands/s; {split_text}")
        figures.append(Figure(f"in-process create extension (no HTTP, {concurrency} threads)", split["rate"], "commands/s",
                              detail=split_text, note=f"{split_n} commands on Runtime in the bench process: where the time goes"))
    return figures
