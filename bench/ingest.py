"""Calls ingestion: AMI events/s into the calls store, projection rate, and the lag from a
call's hangup to its history row.

    .venv/bin/python -m bench.ingest [--calls 4000] [--paced-calls 400] [--rate 40] [--quick] [--json PATH]

A local fake AMI node (a child process, so it does not share the interpreter with the
ingestion) serves a recorded-shape stream: ``pbxflow.calls.synthetic.CallScript`` calls
(a mix of answered, busy, unanswered, unavailable) with the events and headers of the
sandbox's Asterisk 22 (about 21 AMI events per call, 14 of them kept). A real node sends
more noise per call (``VarSet``, the Debian build's ``TestEvent``: about 1 event in 6 is
kept), so the AMI events/s figure is the one that carries over. ``--stream FILE`` replays
a file of raw AMI event blocks instead (e.g. captured from a real node).

1. **ingest**: the node writes the whole stream as fast as TCP allows once the ingester
   has reconciled; timed from the first event received to the last batch committed.
   Baseline: the same stream read by a bare ``AmiNode`` with a no-op handler (the AMI
   client's parse ceiling, no database).
2. **project**: ``CallsView.process`` (batches of 1,000) over the stored events.
3. **lag**: ingestion and projection thread running as in ``pbxflow serve``; the node
   sends ``--rate`` calls per second, each call's events at once; the lag of a call is
   from when the node wrote its last ``Hangup`` to when its history row committed
   (same machine clock). Median, p95, max.

The server is ``DATABASE_URL``'s or the benchmarks' embedded PostgreSQL (bench/common.py);
every phase works in a fresh database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "backend"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from bench.common import Figure, Server, percentile, print_table, say  # noqa: E402

OUTCOMES = ("answered", "answered", "busy", "noanswer", "unavailable", "answered")


# --- the stream ---------------------------------------------------------------------------

def make_calls(n: int, clock_start: float) -> list[tuple[str, bytes]]:
    """n calls as (linked id, their AMI bytes); the calls' node clock starts at clock_start."""
    from pbxflow.calls.synthetic import CallScript, Clock, format_event

    script = CallScript("bench", clock=Clock(now=clock_start))
    out = []
    for i in range(n):
        start = len(script.events)
        linkedid = script.call(f"{200 + i % 300}", f"{500 + i % 300}", OUTCOMES[i % len(OUTCOMES)], talk=1.0, ring=0.2)
        out.append((linkedid, b"".join(format_event(h) for h in script.events[start:])))
    return out


def read_stream(path: Path) -> list[tuple[str, bytes]]:
    """A file of raw AMI event blocks, as one 'call' per Linkedid's last Hangup (for the lag)."""
    blocks = [b for b in path.read_bytes().replace(b"\r\n", b"\n").split(b"\n\n") if b.strip()]
    return [("", b"".join(b.replace(b"\n", b"\r\n") + b"\r\n\r\n" for b in blocks))]


def count_kept(calls: list[tuple[str, bytes]]) -> tuple[int, int]:
    """(AMI events, call events the ingestion keeps) in the stream."""
    from pbxflow.calls.ingest import keep

    total = kept = 0
    for _, data in calls:
        for block in data.split(b"\r\n\r\n"):
            if not block.strip():
                continue
            h = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
            total += 1
            kept += keep(h.get("Event", ""), h)
    return total, kept


# --- the fake node (child process) --------------------------------------------------------

def _fake_node(calls, start_after: str, rate: float | None, ready, results) -> None:
    async def main():
        sent: list[tuple[str, float]] = []
        done = asyncio.Event()

        async def stream(writer):
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            batch = []
            for i, (linkedid, data) in enumerate(calls):
                if rate:
                    delay = t0 + i / rate - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    writer.write(data)
                    await writer.drain()
                    sent.append((linkedid, time.time()))
                else:
                    batch.append(data)
                    if len(batch) >= 50:
                        writer.write(b"".join(batch))
                        batch.clear()
                        await writer.drain()
            if batch:
                writer.write(b"".join(batch))
                await writer.drain()
            done.set()

        async def serve(reader, writer):
            writer.write(b"Asterisk Call Manager/9.0.0\r\n")
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                h = {}
                for line in raw.decode().split("\r\n"):
                    if ": " in line:
                        k, v = line.split(": ", 1)
                        h[k.lower()] = v
                action, aid = h.get("action", "").lower(), h.get("actionid", "")
                if action == "login":
                    writer.write(f"Response: Success\r\nActionID: {aid}\r\nMessage: Authentication accepted\r\n\r\n".encode())
                elif action == "ping":
                    writer.write(f"Response: Success\r\nActionID: {aid}\r\nPing: Pong\r\nTimestamp: {time.time():.6f}\r\n\r\n".encode())
                elif action in ("coreshowchannels", "devicestatelist"):
                    writer.write(f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\nMessage: follows\r\n\r\n"
                                 f"Event: {'CoreShowChannelsComplete' if action == 'coreshowchannels' else 'DeviceStateListComplete'}"
                                 f"\r\nActionID: {aid}\r\nEventList: Complete\r\nListItems: 0\r\n\r\n".encode())
                else:
                    writer.write(f"Response: Error\r\nActionID: {aid}\r\nMessage: Invalid/unknown command\r\n\r\n".encode())
                await writer.drain()
                if action == start_after:
                    asyncio.create_task(stream(writer))

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        ready.put(server.sockets[0].getsockname()[1])
        await done.wait()
        results.put(sent)
        await asyncio.sleep(3600)  # the parent terminates us

    asyncio.run(main())


class FakeNode:
    def __init__(self, calls, *, start_after: str, rate: float | None = None):
        ctx = mp.get_context("spawn")
        self.ready, self.results = ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_fake_node, args=(calls, start_after, rate, self.ready, self.results), daemon=True)
        self.proc.start()
        self.port = self.ready.get(timeout=60)
        self.url = f"ami://bench:bench@127.0.0.1:{self.port}"

    def sent(self, timeout: float = 600) -> list[tuple[str, float]]:
        return self.results.get(timeout=timeout)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(10)


NODE = dict(connect_timeout=5.0, ping_interval=600.0, backoff_initial=0.1, backoff_max=1.0)


# --- phases -------------------------------------------------------------------------------

async def _until(predicate, timeout: float, what: str):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"bench: timed out waiting for {what}")
        await asyncio.sleep(0.002)


def parse_only(calls, total: int) -> float:
    """Baseline: AMI events/s a bare AmiNode reads with a no-op handler."""
    from pbxflow.ami import AmiNode

    node_srv = FakeNode(calls, start_after="login")
    try:
        async def run() -> float:
            seen = {"n": 0, "first": None}

            def handler(node, message):
                if seen["first"] is None:
                    seen["first"] = time.perf_counter()
                seen["n"] += 1

            node = AmiNode(node_srv.url, events="on", queue_size=2000, **NODE)
            node.on("*", handler)
            await node.start()
            await _until(lambda: seen["n"] >= total, 600, "the stream")
            elapsed = time.perf_counter() - seen["first"]
            await node.close()
            return total / elapsed

        return asyncio.run(run())
    finally:
        node_srv.stop()


def ingest_and_project(server: Server, calls, total: int, kept: int) -> dict:
    from pbxflow.calls.ingest import CallIngestor
    from pbxflow.calls.service import CallsService
    from psycopg_pool import ConnectionPool

    out = {}
    with server.database("ingest") as db:
        pool = ConnectionPool(db.conninfo(), min_size=1, max_size=2, open=True, kwargs={"autocommit": True})
        svc = CallsService(db, pool, project=False)
        node_srv = FakeNode(calls, start_after="devicestatelist")
        try:
            async def run():
                ing = await CallIngestor(svc.app, [node_srv.url], node_options=NODE).start()
                await _until(lambda: ing.stats.received > 2, 60, "the first events")
                started = time.perf_counter()
                await _until(lambda: ing.stats.inserted >= kept + 2 and not ing.pending, 900, "the stream to be stored")
                elapsed = time.perf_counter() - started
                await ing.close()
                return ing, elapsed

            ing, elapsed = asyncio.run(run())
            out["ingest_rate"] = kept / elapsed
            out["ami_rate"] = total / elapsed
            out["ingest_s"] = elapsed
            out["pending_high_water"] = ing.stats.pending_high_water
            out["queue_high_water"] = ing.nodes[0].stats.queue_high_water
            out["read_pauses"] = ing.nodes[0].stats.read_pauses
            out["batches"] = ing.stats.batches
            out["append_share"] = ing.stats.append_seconds / elapsed
            say(f"    ingest: {kept:,} call events of {total:,} AMI events stored in {elapsed:.2f} s: "
                f"{kept / elapsed:,.0f} call events/s ({total / elapsed:,.0f} AMI events/s read); "
                f"{ing.stats.batches} batches, appends {out['append_share']:.0%} of the time; "
                f"high water: {ing.stats.pending_high_water} queued for the store, "
                f"{ing.nodes[0].stats.queue_high_water} in the AMI queue, {ing.nodes[0].stats.read_pauses} read pauses")
            started = time.perf_counter()
            projected = svc.view.process(svc.app, batch_size=1000)
            elapsed = time.perf_counter() - started
            with pool.connection() as conn:
                rows = conn.execute("SELECT count(*) FROM calls_history").fetchone()[0]
            out["project_rate"] = projected / elapsed
            out["history_rows"] = rows
            say(f"    project: {projected:,} events in {elapsed:.2f} s: {projected / elapsed:,.0f} events/s; "
                f"{rows:,} history rows (of {len(calls):,} calls)")
            if rows != len(calls) and calls[0][0]:
                raise AssertionError(f"bench: {rows} history rows for {len(calls)} calls")
        finally:
            node_srv.stop()
            svc.close()
            pool.close()
    return out


def lag(server: Server, calls, rate: float, kept: int) -> dict:
    from pbxflow.calls.ingest import CallIngestor
    from pbxflow.calls.service import CallsService
    from psycopg_pool import ConnectionPool

    committed: dict[str, float] = {}
    with server.database("ingest_lag") as db:
        pool = ConnectionPool(db.conninfo(), min_size=1, max_size=2, open=True, kwargs={"autocommit": True})
        svc = CallsService(db, pool, project=True)
        write = svc.view._write

        def timed_write(eff, tracking):
            result = write(eff, tracking)
            now = time.time()
            for row in eff.finished:
                committed[row["linkedid"]] = now
            return result

        svc.view._write = timed_write
        node_srv = FakeNode(calls, start_after="devicestatelist", rate=rate)
        try:
            async def run():
                ing = await CallIngestor(svc.app, [node_srv.url], node_options=NODE).start()
                await _until(lambda: len(committed) >= len(calls), 60 + 3 * len(calls) / rate, "every history row")
                await ing.close()

            asyncio.run(run())
            sent = node_srv.sent()
        finally:
            node_srv.stop()
            svc.close()
            pool.close()
    lags = [committed[linkedid] - at for linkedid, at in sent if linkedid in committed]
    out = {"lag_median_ms": percentile(lags, 50) * 1000, "lag_p95_ms": percentile(lags, 95) * 1000,
           "lag_max_ms": max(lags) * 1000, "lag_calls": len(lags), "rate_calls": rate,
           "rate_events": rate * kept / len(calls)}
    say(f"    lag at {rate:g} calls/s (~{out['rate_events']:,.0f} call events/s): hangup written -> history row committed: "
        f"median {out['lag_median_ms']:.1f} ms, p95 {out['lag_p95_ms']:.1f} ms, max {out['lag_max_ms']:.1f} ms "
        f"({len(lags)} calls)")
    return out


def run(server: Server, *, calls: int, paced_calls: int, rate: float, stream: Path | None = None) -> tuple[list[Figure], dict]:
    say(f"[ingest] calls ingestion from a local fake AMI node: {calls:,} calls, then {paced_calls:,} at {rate:g} calls/s")
    burst = read_stream(stream) if stream else make_calls(calls, time.time() - 86_400)
    total, kept = count_kept(burst)
    say(f"    stream: {len(burst):,} calls, {total:,} AMI events ({kept:,} kept), "
        f"{sum(len(d) for _, d in burst) / max(total, 1):.0f} bytes per event")
    base = parse_only(burst, total)
    say(f"    baseline: a bare AmiNode (no-op handler) reads {base:,.0f} AMI events/s")
    figures = ingest_and_project(server, burst, total, kept)
    figures["parse_only"] = base
    paced = make_calls(paced_calls, time.time() - 3_600)
    _, paced_kept = count_kept(paced)
    figures.update(lag(server, paced, rate, paced_kept))
    table = [
        Figure("AMI events ingested (read, filtered, stored once)", figures["ami_rate"], "AMI events/s",
               "AmiNode, no-op handler", base, detail=f"{figures['ingest_rate']:,.0f} call events/s stored",
               note=f"{total:,} AMI events, {kept:,} stored, {figures['batches']} batches"),
        Figure("calls projection (history, active, presence, feed)", figures["project_rate"], "events/s",
               note=f"{figures['history_rows']:,} history rows, batches of 1,000"),
        Figure(f"lag hangup -> history row at {rate:g} calls/s", figures["lag_median_ms"], "ms (median)",
               detail=f"p95 {figures['lag_p95_ms']:.0f} ms, max {figures['lag_max_ms']:.0f} ms"),
    ]
    return table, figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, help="calls in the burst (default 4,000; 600 with --quick)")
    p.add_argument("--paced-calls", type=int, help="calls in the lag run (default 400; 100 with --quick)")
    p.add_argument("--rate", type=float, default=40.0, help="calls per second in the lag run (default 40)")
    p.add_argument("--stream", type=Path, help="replay this file of raw AMI event blocks as the burst")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    calls = args.calls or (600 if args.quick else 4000)
    paced = args.paced_calls or (100 if args.quick else 400)
    server = Server()
    say(f"  server: {server.where}; {server.version()}")
    table, figures = run(server, calls=calls, paced_calls=paced, rate=args.rate, stream=args.stream)
    print_table(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "figures": figures,
                                               "table": [f.as_dict() for f in table]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
