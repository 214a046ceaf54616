"""Calls ingestion with real calls: SIPp places calls through a real Asterisk at a fixed rate.

    .venv/bin/python -m bench.ingest_calls [--rate 10] [--calls 300] [--quick] [--json PATH]

The other half of ``bench.ingest`` (which replays a recorded-shape stream from a fake node):
here the AMI events come from a real Asterisk 22 (``asterisk/sandbox``) carrying real SIP
calls, with all the noise a real node sends.

Setup, as ``pbxflow serve`` runs it: a ``Runtime`` on a fresh database (the benchmarks'
embedded PostgreSQL or ``DATABASE_URL``, bench/common.py) with one tenant and two
extensions (201 calls, 202 answers), its config rendered and applied to the bench's own
sandbox (``ConfigApplier`` + AMI reload), then the calls service with its projection
thread and ``start_ingestion`` on the sandbox's AMI. A SIPp UAS registers as 202 and
answers every call (``uas_answer.xml``: 180, 200 after 0.5 s, BYE after ``--hold-ms``);
a SIPp UAC authenticates as 201 and calls 202 at ``-r RATE -m CALLS``
(``uac_invite_auth.xml``, digest auth).

Two phases in the same process and system: the baseline (``--baseline-calls`` at
``--baseline-rate``, default 30 at 1 call/s) and the measured run (``--calls`` at
``--rate``). Per phase:

* ``AMI events/s``: the AMI events the node sent to the ingestion's session (its event
  classes) over the phase, from the UAC's start to the last history row committed; and
  ``call events/s stored``: the events the ingestion inserted over the same window.
* ``calls/s``: the rate the calls actually started at (their start times, node clock).
* ``lag``: per call, from the ``Timestamp`` of the ``Hangup`` of its last channel (read
  back from the stored events; node clock, the same machine) to the commit of its history
  row (taken right after the projection's transaction returns: a hook on
  ``CallsView._write``, as in ``bench.ingest``; no schema change). Median, p95, max.

Ratios: measured / baseline. Needs root (the sandbox uses chroot and mount). The sandbox:
``PBXFLOW_ASTERISK_ROOT`` (default ``$PBXFLOW_CACHE_DIR/asterisk-root-cmp``),
``PBXFLOW_SIP_PORT`` (5471), ``PBXFLOW_AMI_PORT`` (5449), ``PBXFLOW_RTP_START``/``_END``
(14000-14999); the default sandbox (5060 / 5038) is refused. It is stopped and its
config directory removed on exit (also on Ctrl-C / SIGTERM) unless ``--keep-running``.
"""

from __future__ import annotations

import argparse
import csv
import faulthandler
import json
import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "backend", REPO / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from bench.common import percentile, say  # noqa: E402

SCENARIOS = REPO / "asterisk" / "sipp"
SIPP = shutil.which("sipp") or "sipp"
CALLEE, CALLER = "202", "201"


# --- pure helpers ---------------------------------------------------------------------------

def last_hangups(events: Iterable[tuple[str, float, Mapping]]) -> dict[str, float]:
    """{linkedid: Timestamp of its last Hangup} from stored events as (name, at, headers)."""
    out: dict[str, float] = {}
    for name, at, headers in events:
        if name != "Hangup":
            continue
        linkedid = headers.get("Linkedid") or headers.get("Uniqueid")
        if linkedid and (linkedid not in out or at > out[linkedid]):
            out[linkedid] = at
    return out


def call_lags(hangups: Mapping[str, float], commits: Mapping[str, float]) -> tuple[list[float], list[str]]:
    """(lags of the calls that have both a last hangup and a committed row, linkedids with a
    row but no hangup seen). Calls with a hangup but no row are not the lag's business."""
    lags, unmatched = [], []
    for linkedid, committed in commits.items():
        if linkedid in hangups:
            lags.append(committed - hangups[linkedid])
        else:
            unmatched.append(linkedid)
    return lags, sorted(unmatched)


def lag_stats(lags: list[float]) -> dict:
    """Median, p95 and max in ms (None when there is nothing to measure)."""
    if not lags:
        return {"median_ms": None, "p95_ms": None, "max_ms": None, "calls": 0}
    return {"median_ms": percentile(lags, 50) * 1000, "p95_ms": percentile(lags, 95) * 1000,
            "max_ms": max(lags) * 1000, "calls": len(lags)}


def achieved_rate(starts: Iterable[float]) -> float | None:
    """Calls per second from the calls' start times: (n - 1) intervals over the span."""
    s = sorted(starts)
    if len(s) < 2 or s[-1] <= s[0]:
        return None
    return (len(s) - 1) / (s[-1] - s[0])


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or not baseline:
        return None
    return value / baseline


def sipp_stats(text: str) -> dict[str, int]:
    """The last row of a SIPp ``-trace_stat`` CSV (';'-separated, header first): the
    cumulative counters the progress line shows. {} while SIPp has written no row."""
    rows = [r for r in csv.reader(text.splitlines(), delimiter=";") if r]
    if len(rows) < 2:
        return {}
    head, last = rows[0], rows[-1]
    out = {}
    for key, name in (("created", "TotalCallCreated"), ("ok", "SuccessfulCall(C)"), ("failed", "FailedCall(C)")):
        if name in head and head.index(name) < len(last):
            try:
                out[key] = int(last[head.index(name)])
            except ValueError:
                pass
    return out


@dataclass(frozen=True)
class SippRun:
    """One SIPp load process: where it listens and what it writes."""

    scenario: str
    sip_port: int
    media_port: int
    control_port: int
    calls: int
    timeout_s: int
    workdir: Path


def sipp_command(run: SippRun, target: str, *, rate: float | None = None, service: str | None = None,
                 auth: tuple[str, str] | None = None, variables: Mapping[str, object] = ()) -> list[str]:
    """The SIPp command line of a load run: many calls (``-m``), at ``-r`` per second for a UAC."""
    stem = Path(run.scenario).stem
    cmd = [SIPP, target, "-sf", str(SCENARIOS / run.scenario), "-i", "127.0.0.1",
           "-p", str(run.sip_port), "-mp", str(run.media_port), "-cp", str(run.control_port),
           "-m", str(run.calls), "-timeout", f"{run.timeout_s}s", "-nostdin",
           "-trace_stat", "-stf", str(run.workdir / f"{stem}.stat.csv"), "-fd", "1",
           "-trace_err", "-error_file", str(run.workdir / f"{stem}.errors.log")]
    if rate is not None:
        cmd += ["-r", f"{rate:g}", "-rp", "1000", "-l", str(max(50, int(rate * 20)))]
    if service is not None:
        cmd += ["-s", service]
    if auth is not None:
        cmd += ["-au", auth[0], "-ap", auth[1]]
    for key, value in dict(variables).items():
        cmd += ["-set", key, str(value)]
    return cmd


# --- the system ----------------------------------------------------------------------------

@dataclass
class Phase:
    label: str
    rate: float
    calls: int
    achieved_calls_s: float | None = None
    window_s: float = 0.0
    ami_events: int = 0
    stored_events: int = 0
    history_rows: int = 0
    sipp_ok: int | None = None
    sipp_failed: int | None = None
    unmatched: int = 0
    ended_mismatch_ms: float = 0.0  # |history row's end - last Hangup|, max (expected 0)
    lag: dict = field(default_factory=dict)

    @property
    def ami_rate(self) -> float:
        return self.ami_events / self.window_s if self.window_s else 0.0

    @property
    def stored_rate(self) -> float:
        return self.stored_events / self.window_s if self.window_s else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "ami_events_s": self.ami_rate, "stored_events_s": self.stored_rate}


class CommitClock:
    """Records, per finished call, when its history row committed (wall clock) and the row's
    start and end (node clock): wraps ``CallsView._write``, whose transaction commits on return."""

    def __init__(self, view):
        self._lock = threading.Lock()
        self.rows: dict[str, tuple[float, float, float]] = {}  # linkedid -> (committed, started, ended)
        write = view._write

        def timed_write(eff, tracking):
            result = write(eff, tracking)
            now = time.time()
            if eff.finished:
                with self._lock:
                    for r in eff.finished:
                        self.rows[r["linkedid"]] = (now, r["started"], r["ended"])
            return result

        view._write = timed_write

    def take(self) -> dict[str, tuple[float, float, float]]:
        with self._lock:
            rows, self.rows = self.rows, {}
        return rows

    def count(self) -> int:
        with self._lock:
            return len(self.rows)


def stored_events(app, after: int) -> list[tuple[str, float, dict]]:
    """The calls store's events after position ``after`` as (name, at, headers)."""
    out = []
    position = after
    while True:
        notifications = app.recorder.select_notifications(start=position, limit=2000, inclusive_of_start=False)
        if not notifications:
            return out
        for n in notifications:
            e = app.mapper.to_domain_event(n)
            out.append((e.name, e.at, e.headers))
        position = notifications[-1].id


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: sandbox and database cleaned up


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="pbxflow-bench-calls-sipp-"))
        self.target = f"127.0.0.1:{args.sip_port}"
        self.ami_url = f"ami://pbxflow:pbxflow@127.0.0.1:{args.ami_port}"
        self.keep_logs = False  # SIPp's logs stay when a call failed or the run did

    # --- setup ---------------------------------------------------------------------------

    def build(self, runtime):
        """One tenant, two extensions (201 calls 202), applied to the sandbox."""
        from pbxflow.ami import AmiReloader
        from pbxflow.context import SYSTEM
        from projections.asterisk.applier import ConfigApplier

        app = runtime.app
        t = app.create(SYSTEM, "tenant", None, {"name": "Bench calls"})
        runtime.wait(t.notification_id)
        exts = {}
        for number in (CALLER, CALLEE):
            r = app.create(SYSTEM, "extension", t.id, {"number": number, "name": f"Bench {number}",
                                                       "devices": [{"type": "sip"}]})
            runtime.wait(r.notification_id)
            dev = r.data["devices"][0]
            exts[number] = (dev["username"], dev["password"])
        reloader = AmiReloader([self.ami_url], timeout=60.0)
        try:
            applier = ConfigApplier(runtime.pool, self.args.data_dir / "asterisk", reloader)
            applier.full()
            applier.apply_pending()
            if not applier.status.in_sync:
                raise RuntimeError(f"the config did not apply: {applier.status.last_error}")
        finally:
            reloader.close()
        return exts

    def register(self, spec, username: str, password: str, ports) -> None:
        from sipp import Sipp, wait_for

        phones = Sipp(self.args.sip_port, self.workdir / "register")
        for _ in range(3):
            result = phones.register(username, password, ports, expires=3600)
            if result.rc == 0:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"SIPp could not register {username}:\n{result.describe()}")
        uri = f"sip:{username}@127.0.0.1:{ports.sip}"

        def registered() -> bool:  # the aor's `contact :` line (the table below it truncates URIs)
            out = spec.run("cli", f"pjsip show aor {username}", env=spec.env())
            return any(line.strip().startswith("contact") and uri in line for line in out.splitlines())

        wait_for(registered, 10, 0.2, f"{username} registered at {uri}")

    # --- one phase ----------------------------------------------------------------------

    def phase(self, label: str, rate: float, calls: int, svc, ingestor, clock: CommitClock, users, callee_ports) -> Phase:
        from sipp import allocate, udp_bound, wait_for

        args = self.args
        result = Phase(label, rate, calls)
        workdir = self.workdir / label
        workdir.mkdir()
        clock.take()
        node = ingestor.nodes[0]
        start_position = svc.head()
        ami0, stored0 = node.stats.events_received, ingestor.stats.inserted
        run_s = int(calls / rate + args.hold_ms / 1000 + 60)
        uas = SippRun("uas_answer.xml", callee_ports.sip, callee_ports.media, callee_ports.control, calls, run_s + 30,
                      workdir)
        ports = allocate()
        uac = SippRun("uac_invite_auth.xml", ports.sip, ports.media, ports.control, calls, run_s, workdir)
        caller, password = users[CALLER]
        say(f"  {label}: {calls} calls at {rate:g} calls/s, each answered after 0.5 s and held {args.hold_ms} ms")
        procs = []
        try:
            procs.append(self._spawn(workdir, "uas", sipp_command(uas, self.target, variables={"hold_ms": args.hold_ms})))
            wait_for(lambda: udp_bound(uas.sip_port), 10, 0.05, "the SIPp UAS to bind")
            time.sleep(0.2)
            started = time.time()
            procs.append(self._spawn(workdir, "uac", sipp_command(
                uac, self.target, rate=rate, service=CALLEE, auth=(caller, password),
                variables={"caller": caller, "expect": 200})))
            uac_proc = procs[-1]
            stat_file = workdir / "uac_invite_auth.stat.csv"
            deadline = started + run_s + 90
            last_say = 0.0
            uac_end = None
            while True:
                done = clock.count()
                sipp_done = uac_proc.poll() is not None
                now = time.time()
                if now - last_say >= args.progress_every or (sipp_done and done >= calls):
                    last_say = now
                    st = sipp_stats(stat_file.read_text()) if stat_file.exists() else {}
                    say(f"    {now - started:6.1f} s: calls placed {st.get('created', '?')}/{calls} "
                        f"(ok {st.get('ok', '?')}, failed {st.get('failed', '?')}), history rows {done}/{calls}, "
                        f"AMI events {node.stats.events_received - ami0:,}, stored {ingestor.stats.inserted - stored0:,}")
                if sipp_done and uac_end is None:
                    uac_end = now
                if sipp_done and (done >= calls or now > uac_end + 30):
                    break  # every row, or whatever failed calls left after 30 s more
                if now > deadline:
                    raise RuntimeError(f"{label}: timed out ({done}/{calls} history rows; SIPp logs in {workdir})")
                time.sleep(0.05)
            for p in procs:
                try:
                    p.wait(timeout=run_s + 40)
                except subprocess.TimeoutExpired:
                    p.kill()
            st = sipp_stats(stat_file.read_text()) if stat_file.exists() else {}
            result.sipp_ok, result.sipp_failed = st.get("ok"), st.get("failed")
            if uac_proc.returncode != 0:
                self.keep_logs = True
                say(f"    (SIPp UAC exit code {uac_proc.returncode}: some calls failed; logs in {workdir})")
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait(10)
        rows = clock.take()
        last_commit = max((c for c, _, _ in rows.values()), default=time.time())
        result.window_s = last_commit - started
        result.ami_events = node.stats.events_received - ami0
        result.stored_events = ingestor.stats.inserted - stored0
        result.history_rows = len(rows)
        result.achieved_calls_s = achieved_rate(s for _, s, _ in rows.values())
        hangups = last_hangups(stored_events(svc.app, start_position))
        lags, unmatched = call_lags(hangups, {k: c for k, (c, _, _) in rows.items()})
        result.unmatched = len(unmatched)
        result.ended_mismatch_ms = max((abs(e - hangups[k]) * 1000 for k, (_, _, e) in rows.items() if k in hangups),
                                       default=0.0)
        result.lag = lag_stats(lags)
        lg = result.lag
        say(f"    {result.history_rows} history rows, {result.achieved_calls_s or 0:.2f} calls/s achieved; "
            f"{result.ami_events:,} AMI events ({result.ami_rate:,.0f}/s), {result.stored_events:,} stored "
            f"({result.stored_rate:,.0f}/s) over {result.window_s:.1f} s")
        if lg["calls"]:
            say(f"    lag last Hangup -> history row committed: median {lg['median_ms']:.1f} ms, "
                f"p95 {lg['p95_ms']:.1f} ms, max {lg['max_ms']:.1f} ms ({lg['calls']} calls"
                f"{f', {len(unmatched)} without a Hangup seen' if unmatched else ''})")
        return result

    def _spawn(self, workdir: Path, name: str, cmd: list[str]) -> subprocess.Popen:
        with open(workdir / f"{name}.stdout.log", "wb") as out, open(workdir / f"{name}.stderr.log", "wb") as err:
            return subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=err)

    # --- the run --------------------------------------------------------------------------

    def run(self, server) -> list[Phase]:
        from bench.asterisk_apply import SandboxSpec
        from pbxflow.runtime import Runtime
        from sipp import allocate, wait_for

        args = self.args
        spec = SandboxSpec(args.root, args.data_dir, args.sip_port, args.ami_port, args.rtp)
        phases: list[Phase] = []
        completed = False
        try:
            spec.down()
            (args.data_dir / "asterisk").mkdir(parents=True, exist_ok=True)
            for p in (args.data_dir / "asterisk").glob("*.conf"):
                p.unlink()
            say(f"  Asterisk sandbox started in {spec.up(spec.env()):.1f} s "
                f"(root {args.root}, SIP {args.sip_port}, AMI {args.ami_port})")
            with server.database("calls_sipp") as db:
                runtime = Runtime(db)
                try:  # closed before the database is dropped
                    users = self.build(runtime)
                    say(f"  tenant with extensions {CALLER} and {CALLEE} applied to Asterisk")
                    svc = runtime.calls_service()
                    clock = CommitClock(svc.view)
                    ingestor = svc.start_ingestion([self.ami_url]).ingestor  # as `pbxflow serve` (cli.start_calls)
                    wait_for(lambda: ingestor.stats.reconciles >= 1, 30, 0.05, "the ingestion to connect and reconcile")
                    callee_ports = allocate()
                    self.register(spec, *users[CALLEE], callee_ports)
                    if args.baseline_calls:
                        phases.append(self.phase("baseline", args.baseline_rate, args.baseline_calls, svc, ingestor,
                                                 clock, users, callee_ports))
                    phases.append(self.phase("measured", args.rate, args.calls, svc, ingestor, clock, users,
                                             callee_ports))
                    completed = True
                    if ingestor.stats.append_failures:
                        say(f"  ({ingestor.stats.append_failures} failed appends, retried: {ingestor.stats.last_error})")
                finally:
                    runtime.close()  # the calls service too: ingestion, projection thread
        finally:
            if args.keep_running:
                say(f"  sandbox left running (root {args.root}, config in {args.data_dir / 'asterisk'})")
            else:
                try:
                    spec.down()
                except Exception as exc:  # noqa: BLE001 - cleaning up
                    say(f"  (could not stop the sandbox: {exc})")
                else:
                    shutil.rmtree(args.data_dir, ignore_errors=True)
            if completed and not self.keep_logs:
                shutil.rmtree(self.workdir, ignore_errors=True)
            else:
                say(f"  SIPp logs kept in {self.workdir}")
        return phases


# --- report -----------------------------------------------------------------------------------

ROWS = (  # (label, value of a phase, unit)
    ("calls/s achieved", lambda p: p.achieved_calls_s, "calls/s"),
    ("AMI events/s (node -> ingestion)", lambda p: p.ami_rate, "events/s"),
    ("call events/s stored", lambda p: p.stored_rate, "events/s"),
    ("lag hangup -> history row, median", lambda p: p.lag.get("median_ms"), "ms"),
    ("lag hangup -> history row, p95", lambda p: p.lag.get("p95_ms"), "ms"),
    ("lag hangup -> history row, max", lambda p: p.lag.get("max_ms"), "ms"),
)


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def table(phases: list[Phase]) -> str:
    base = next((p for p in phases if p.label == "baseline"), None)
    main = next((p for p in phases if p.label == "measured"), None)
    head = ["figure"] + [f"{p.label}: {p.calls} calls at {p.rate:g}/s" for p in phases]
    if base and main:
        head.append("ratio measured/baseline")
    rows = [head]
    for label, get, unit in ROWS:
        row = [label] + [f"{_fmt(get(p))} {unit}" for p in phases]
        if base and main:
            r = ratio(get(main), get(base))
            row.append("-" if r is None else f"{r:.2f}x")
        rows.append(row)
    rows.append(["history rows / SIPp ok / failed"] + [f"{p.history_rows} / {p.sipp_ok} / {p.sipp_failed}" for p in phases]
                + ([""] if base and main else []))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    cache = Path(env.get("PBXFLOW_CACHE_DIR") or Path.home() / ".cache" / "pbxflow")
    p = argparse.ArgumentParser(prog="python -m bench.ingest_calls", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=10.0, help="calls per second of the measured run (default 10)")
    p.add_argument("--calls", type=int, help="calls of the measured run (default 300; 60 with --quick)")
    p.add_argument("--baseline-rate", type=float, default=1.0, help="calls per second of the baseline (default 1)")
    p.add_argument("--baseline-calls", type=int, help="calls of the baseline (default 30; 10 with --quick; 0: none)")
    p.add_argument("--hold-ms", type=int, default=1000, help="how long the callee keeps each call up (default 1000)")
    p.add_argument("--quick", action="store_true", help="smoke run: 60 calls, baseline 10")
    p.add_argument("--progress-every", type=float, default=5.0, help="seconds between progress lines (default 5)")
    p.add_argument("--root", type=Path, default=Path(env.get("PBXFLOW_ASTERISK_ROOT") or cache / "asterisk-root-cmp"))
    p.add_argument("--sip-port", type=int, default=int(env.get("PBXFLOW_SIP_PORT", "5471")))
    p.add_argument("--ami-port", type=int, default=int(env.get("PBXFLOW_AMI_PORT", "5449")))
    p.add_argument("--rtp", default=f"{env.get('PBXFLOW_RTP_START', '14000')}-{env.get('PBXFLOW_RTP_END', '14999')}")
    p.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "pbxflow-bench-calls-sipp",
                   help="the sandbox's data dir (its generated config in asterisk/ below it); removed on exit")
    p.add_argument("--keep-running", action="store_true", help="leave the sandbox up afterwards")
    p.add_argument("--json", metavar="PATH", help="also write the results to this JSON file")
    args = p.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    args.calls = args.calls or (60 if args.quick else 300)
    if args.baseline_calls is None:
        args.baseline_calls = 10 if args.quick else 30
    if args.rate <= 0 or args.baseline_rate <= 0 or args.calls < 2 or args.baseline_calls < 0 or args.hold_ms < 0:
        p.error("--rate and --baseline-rate must be > 0, --calls at least 2, --baseline-calls and --hold-ms >= 0")
    try:
        lo, hi = (int(x) for x in args.rtp.split("-"))
    except ValueError:
        p.error(f"--rtp must look like 14000-14999, got {args.rtp!r}")
    args.rtp = (lo, hi)
    if args.root.resolve() == (cache / "asterisk-root").resolve() or args.sip_port == 5060 or args.ami_port == 5038:
        p.error("refusing to use the default sandbox (root, SIP 5060 or AMI 5038): others test against it")
    if args.data_dir in (Path("/"), REPO, Path(tempfile.gettempdir()).resolve()):
        p.error(f"--data-dir {args.data_dir} would be removed on exit: give a directory of its own")
    return args


def main(argv: list[str] | None = None) -> int:
    from bench.common import Server

    args = parse_args(argv)
    if os.geteuid() != 0:
        say("bench.ingest_calls: needs root (asterisk/sandbox uses chroot and mount)")
        return 2
    faulthandler.enable()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", module="platformdirs")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    say(f"pbxflow calls ingestion with real calls: {args.calls} calls at {args.rate:g}/s vs "
        f"{args.baseline_calls} at {args.baseline_rate:g}/s (baseline)")
    say(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}")
    server = Server()
    say(f"  server: {server.where}; {server.version()}")
    try:
        phases = Bench(args).run(server)
    except KeyboardInterrupt:
        say("bench.ingest_calls: interrupted (sandbox and database cleaned up)")
        return 130
    except (RuntimeError, AssertionError) as exc:  # AssertionError: a wait of tests/sipp.py timed out
        say(f"bench.ingest_calls: {exc}")
        return 2
    say()
    say(table(phases))
    say(f"  load average now {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                               "phases": [p.as_dict() for p in phases]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
