"""Apply latency on a real Asterisk: static pjsip files + reload vs PJSIP realtime tables.

    .venv/bin/python -m bench.asterisk_apply [--endpoints 5000,20000] [--changes 50]
        [--modes static,realtime,realtime-cache] [--render-tenants 1000] [--json PATH]

For every endpoint count N and mode, a dedicated Asterisk sandbox (by default root
``$PBXFLOW_CACHE_DIR/asterisk-root-bench``, SIP 5260, AMI 5238, RTP 12000-12999; never
the default sandbox, which the bench refuses to touch) is started with N SIP endpoints
(N/50 tenants of 50 extensions, one SIP device each, plus their dialplan files), then
``--changes`` times one device's password changes and the time is taken from "the
projection starts applying" until a SIPp REGISTER with the new password succeeds:

* ``static``: render the tenant's pjsip file (render.py), write it, AMI ``Reload
  res_pjsip.so`` (the full reload is timed separately), then REGISTER until 200.
* ``realtime``: map the tenant to rows (realtime.py) and replace them in one
  transaction; Asterisk reads the tables on each request (no cache).
* ``realtime-cache``: the same behind a sorcery memory cache, plus AMI
  ``SorceryMemoryCacheExpireObject`` for the changed ids.

Before each change the device registers with its old password (so a cache holds
it); after it, the old password must fail. A SIPp REGISTER costs a process start:
its median on an unchanged endpoint is reported as "sipp" and included in every
apply figure. The time for the change to reach the read model is not included.

Also timed, without Asterisk: rendering the full config of ``--render-tenants``
tenants x 50 extensions and one tenant's change (render.py), and the same for the
realtime rows. Needs root (the sandbox), ``sipp`` and a PostgreSQL reachable over
TCP for realtime (``--realtime-url``, default postgresql://postgres@127.0.0.1:5432/
pbxflow_bench_asterisk, created and dropped by the bench).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "backend"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from pbxflow.ami import AmiNode  # noqa: E402
from projections.asterisk import realtime, render, writer  # noqa: E402
from projections.asterisk.render import TenantConfig  # noqa: E402

SANDBOX = REPO / "asterisk" / "sandbox"
REGISTER_XML = REPO / "asterisk" / "sipp" / "register.xml"
MODES = ("static", "realtime", "realtime-cache")
PER_TENANT = 50
CACHE_OF_TABLE = {realtime.ENDPOINTS: "pbxflow_endpoint", realtime.AUTHS: "pbxflow_auth", realtime.AORS: "pbxflow_aor"}
_ALPHABET = string.ascii_letters + string.digits


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values, q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# --- synthetic tenants ----------------------------------------------------------------

def make_tenants(n_tenants: int, per_tenant: int = PER_TENANT, seed: int = 1) -> list[TenantConfig]:
    rng = random.Random(seed)
    out = []
    for t in range(n_tenants):
        code = f"b{t:05d}"
        exts = []
        for i in range(per_tenant):
            number = str(200 + i)
            dev = {"id": f"{code}-{number}", "type": "sip", "username": f"{code}-{number}-{rng.randrange(36**4):04x}",
                   "password": "".join(rng.choices(_ALPHABET, k=16)), "allowed_networks": [], "nat": True,
                   "ring_time": 20, "enabled": True, "forward": {"mode": "none", "target": None}}
            exts.append({"number": number, "name": f"User {t}-{number}", "ring_strategy": "parallel", "devices": [dev]})
        out.append(TenantConfig(id=code, code=code, name=f"Bench tenant {t}", extensions=exts))
    return out


def with_password(t: TenantConfig, ext_index: int, password: str) -> TenantConfig:
    exts = list(t.extensions)
    ext = dict(exts[ext_index])
    ext["devices"] = [{**ext["devices"][0], "password": password}]
    exts[ext_index] = ext
    return TenantConfig(t.id, t.code, t.name, exts, t.numbers)


def new_password(rng: random.Random) -> str:
    return "".join(rng.choices(_ALPHABET, k=16))


# --- render timings -------------------------------------------------------------------

def render_timings(n_tenants: int, per_tenant: int, repeats: int = 3, changes: int = 50) -> dict:
    tenants = make_tenants(n_tenants, per_tenant, seed=7)
    rng = random.Random(7)
    full, rows_full = [], []
    files: dict[str, str] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        files = render.render_all(render.PlatformConfig(), tenants)
        full.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        [realtime.tenant_rows(t) for t in tenants]
        rows_full.append(time.perf_counter() - t0)
    one, one_rows, one_write = [], [], []
    with tempfile.TemporaryDirectory(prefix="pbxflow-render-") as d:
        out = Path(d)
        writer.write_files(out, files)
        for _ in range(changes):
            i = rng.randrange(n_tenants)
            changed = with_password(tenants[i], rng.randrange(per_tenant), new_password(rng))
            t0 = time.perf_counter()
            one_files = render.render_tenant(changed)
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            writer.write_files(out, one_files)
            one_write.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            realtime.tenant_rows(changed)
            one_rows.append(time.perf_counter() - t0)
            tenants[i] = changed
    return {
        "tenants": n_tenants, "extensions_per_tenant": per_tenant,
        "files": len(files), "bytes": sum(len(v) for v in files.values()),
        "full_render_s": statistics.median(full), "full_rows_s": statistics.median(rows_full),
        "one_tenant_render_ms": statistics.median(one) * 1000, "one_tenant_render_p95_ms": percentile(one, 95) * 1000,
        "one_tenant_write_ms": statistics.median(one_write) * 1000,
        "one_tenant_rows_ms": statistics.median(one_rows) * 1000,
    }


# --- the sandbox, AMI, SIPp -----------------------------------------------------------

@dataclass
class SandboxSpec:
    root: Path
    data_dir: Path
    sip_port: int
    ami_port: int
    rtp: tuple[int, int]

    def env(self, realtime_url: str | None = None, cache: str = "none") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PBXFLOW_PJSIP_REALTIME")}
        env.update(PBXFLOW_ASTERISK_ROOT=str(self.root), PBXFLOW_DATA_DIR=str(self.data_dir),
                   PBXFLOW_SIP_PORT=str(self.sip_port), PBXFLOW_AMI_PORT=str(self.ami_port),
                   PBXFLOW_RTP_START=str(self.rtp[0]), PBXFLOW_RTP_END=str(self.rtp[1]),
                   PBXFLOW_START_TIMEOUT="900")
        if realtime_url:
            env.update(PBXFLOW_PJSIP_REALTIME=realtime_url, PBXFLOW_PJSIP_REALTIME_CACHE=cache,
                       PBXFLOW_PJSIP_REALTIME_FETCH="no")
        return env

    @property
    def gen_dir(self) -> Path:
        return self.data_dir / "asterisk"

    def run(self, *args: str, env: dict[str, str], timeout: float = 1200) -> str:
        out = subprocess.run([str(SANDBOX), *args], env=env, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"asterisk/sandbox {' '.join(args)} failed ({out.returncode}): {out.stdout}{out.stderr}")
        return out.stdout

    def down(self) -> None:
        self.run("down", env=self.env())

    def up(self, env: dict[str, str]) -> float:
        t0 = time.perf_counter()
        self.run("up", env=env)
        return time.perf_counter() - t0

    def rss_mb(self) -> float | None:
        try:
            pid = (self.root / "run" / "asterisk" / "asterisk.pid").read_text().strip()
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


class Ami:
    """One AMI connection on a private event loop thread (blocking calls)."""

    def __init__(self, url: str):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-ami", daemon=True)
        self.thread.start()

        async def start():
            # A full res_pjsip reload with 20,000 static endpoints keeps the manager from
            # answering Ping for longer than AmiNode's default 5 s: the watchdog would drop
            # the connection in the middle of the reload.
            node = AmiNode(url, events="off", action_timeout=60.0, ping_interval=30.0, ping_timeout=600.0)
            await node.start()
            await node.wait_connected(30.0)
            return node

        self.node = self._call(start(), 40.0)

    def _call(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def reload(self, module: str, timeout: float = 600.0) -> None:
        self._call(self.node.reload([module], timeout), timeout + 5)

    def action(self, action: dict, timeout: float = 30.0):
        resp = self._call(self.node.action(action, timeout), timeout + 5)
        return resp[0] if isinstance(resp, list) else resp

    def close(self) -> None:
        try:
            self._call(self.node.close(), 10.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


class Sipp:
    def __init__(self, sip_port: int, workdir: Path, local_port: int = 25070):
        self.target = f"127.0.0.1:{sip_port}"
        self.workdir = workdir
        self.local_port = local_port

    def register(self, user: str, password: str) -> bool:
        p = self.local_port
        cmd = [shutil.which("sipp") or "sipp", self.target, "-sf", str(REGISTER_XML), "-i", "127.0.0.1",
               "-p", str(p), "-mp", str(p + 2), "-cp", str(p + 6), "-s", user, "-ap", password,
               "-set", "expires", "120", "-m", "1", "-r", "1000", "-timeout", "10s", "-nostdin"]
        rc = subprocess.run(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=30).returncode
        return rc == 0

    def register_until_ok(self, user: str, password: str, deadline_s: float = 120.0) -> int:
        """REGISTER until 200; returns the number of attempts."""
        end = time.perf_counter() + deadline_s
        attempts = 0
        while True:
            attempts += 1
            if self.register(user, password):
                return attempts
            if time.perf_counter() > end:
                raise RuntimeError(f"REGISTER of {user} with the new password failed for {deadline_s:g} s")


# --- one run: N endpoints, one mode ---------------------------------------------------

@dataclass
class Result:
    mode: str
    endpoints: int
    changes: int
    start_s: float
    load_s: float
    rss_mb: float | None
    sipp_ms: float
    apply_ms: list[float] = field(default_factory=list)
    reload_ms: list[float] = field(default_factory=list)
    idle_reload_ms: float | None = None
    attempts: int = 0
    old_password_accepted: int = 0
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    @property
    def median_ms(self) -> float:
        return percentile(self.apply_ms, 50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.apply_ms, 95)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(median_ms=self.median_ms, p95_ms=self.p95_ms,
                 reload_median_ms=percentile(self.reload_ms, 50) if self.reload_ms else None,
                 reload_p95_ms=percentile(self.reload_ms, 95) if self.reload_ms else None)
        return d


def _clean_generated(gen_dir: Path) -> None:
    gen_dir.mkdir(parents=True, exist_ok=True)
    for p in gen_dir.glob("*.conf"):
        p.unlink()


def _reset_database(url: str) -> None:
    db = psycopg.conninfo.conninfo_to_dict(url)
    name = db["dbname"]
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run_mode(mode: str, n_endpoints: int, changes: int, spec: SandboxSpec, realtime_url: str, workdir: Path,
             seed: int = 11, idle_reload: bool = True) -> Result:
    n_tenants = max(1, n_endpoints // PER_TENANT)
    tenants = make_tenants(n_tenants)
    rng = random.Random(seed)
    say(f"  {mode}, {n_tenants * PER_TENANT:,} endpoints ({n_tenants} tenants x {PER_TENANT}):")
    spec.down()
    _clean_generated(spec.gen_dir)
    t0 = time.perf_counter()
    conn = None
    if mode == "static":
        files = render.render_all(render.PlatformConfig(), tenants)
        writer.write_files(spec.gen_dir, files)
        env = spec.env()
    else:
        # the dialplan stays in files; only the PJSIP objects move to the tables
        files = render.render_all(render.PlatformConfig(), tenants)
        writer.write_files(spec.gen_dir, {k: v for k, v in files.items() if not k.startswith("pjsip_t_")})
        _reset_database(realtime_url)
        conn = psycopg.connect(realtime_url, autocommit=True)
        realtime.ensure_schema(conn)
        realtime.sync_all(conn, (realtime.tenant_rows(t) for t in tenants))
        env = spec.env(realtime_url, cache="memory" if mode == "realtime-cache" else "none")
    load_s = time.perf_counter() - t0
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    spec.up(env)
    sipp = Sipp(spec.sip_port, workdir)
    # "up" returns once AMI answers; with many endpoints PJSIP may still be loading
    probe = tenants[0].extensions[0]["devices"][0]
    while not sipp.register(probe["username"], probe["password"]):
        if time.perf_counter() - t0 > 1800:
            raise RuntimeError(f"{mode}: Asterisk did not accept a REGISTER within 30 minutes of start-up")
        time.sleep(1.0)
    start_s = time.perf_counter() - t0
    say(f"    written/loaded in {load_s:.1f} s; Asterisk up and registering in {start_s:.1f} s, "
        f"RSS {spec.rss_mb() or 0:.0f} MB")
    ami = Ami(f"ami://pbxflow:pbxflow@127.0.0.1:{spec.ami_port}")
    try:
        # SIPp's own cost: REGISTERs of unchanged endpoints
        base = []
        for _ in range(5):
            t = tenants[rng.randrange(n_tenants)]
            dev = t.extensions[rng.randrange(PER_TENANT)]["devices"][0]
            s0 = time.perf_counter()
            if not sipp.register(dev["username"], dev["password"]):
                raise RuntimeError(f"{mode}: REGISTER of unchanged {dev['username']} failed")
            base.append(time.perf_counter() - s0)
        result = Result(mode, n_tenants * PER_TENANT, changes, start_s, load_s, spec.rss_mb(),
                        statistics.median(base) * 1000)
        if mode == "static" and idle_reload:
            r0 = time.perf_counter()
            ami.reload("res_pjsip.so")
            result.idle_reload_ms = (time.perf_counter() - r0) * 1000
            say(f"    full reload without changes: {result.idle_reload_ms / 1000:.2f} s")
        for i in range(changes):
            ti, ei = rng.randrange(n_tenants), rng.randrange(PER_TENANT)
            old = tenants[ti].extensions[ei]["devices"][0]
            user, old_pw, pw = old["username"], old["password"], new_password(rng)
            if not sipp.register(user, old_pw):  # now the old password is in use (and cached, if any)
                raise RuntimeError(f"{mode}: REGISTER of {user} with its current password failed")
            changed = with_password(tenants[ti], ei, pw)
            t0 = time.perf_counter()
            if mode == "static":
                writer.write_files(spec.gen_dir, {k: v for k, v in render.render_tenant(changed).items()
                                                  if k.startswith("pjsip_")})
                r0 = time.perf_counter()
                ami.reload("res_pjsip.so")
                result.reload_ms.append((time.perf_counter() - r0) * 1000)
            else:
                ch = realtime.replace_tenant(conn, realtime.tenant_rows(changed))
                if mode == "realtime-cache":
                    for table, cache in CACHE_OF_TABLE.items():
                        for oid in sorted(ch.ids(table)):
                            resp = ami.action({"Action": "SorceryMemoryCacheExpireObject", "Cache": cache, "Object": oid})
                            if resp.response != "Success" and "not found" not in (resp.message or "").lower():
                                raise RuntimeError(f"expire {cache}/{oid}: {resp.response} {resp.message}")
            result.attempts += sipp.register_until_ok(user, pw)
            result.apply_ms.append((time.perf_counter() - t0) * 1000)
            tenants[ti] = changed
            if sipp.register(user, old_pw):
                result.old_password_accepted += 1
            if (i + 1) % 10 == 0:
                say(f"    {i + 1}/{changes} changes, median {result.median_ms:.0f} ms, p95 {result.p95_ms:.0f} ms")
        result.rss_mb = spec.rss_mb()
        result.load_average = (load_before, os.getloadavg()[0])
        return result
    finally:
        ami.close()
        if conn is not None:
            conn.close()


# --- report ----------------------------------------------------------------------------

def _ms(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v / 1000:.2f} s" if v >= 10_000 else f"{v:.0f} ms"


def table(results: list[Result], renders: dict | None) -> str:
    rows = [("mode", "endpoints", "apply median", "apply p95", "of which reload (median/p95)", "idle full reload",
             "sipp alone", "start-up", "RSS after", "old pw accepted", "load avg")]
    for r in results:
        reload = f"{_ms(percentile(r.reload_ms, 50))} / {_ms(percentile(r.reload_ms, 95))}" if r.reload_ms else "-"
        rows.append((r.mode, f"{r.endpoints:,}", _ms(r.median_ms), _ms(r.p95_ms), reload, _ms(r.idle_reload_ms),
                     _ms(r.sipp_ms), f"{r.start_s:.1f} s", f"{r.rss_mb or 0:.0f} MB",
                     f"{r.old_password_accepted}/{r.changes}", f"{r.load_average[0]:.1f}-{r.load_average[1]:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    if renders:
        r = renders
        lines += ["", f"render, {r['tenants']:,} tenants x {r['extensions_per_tenant']} extensions "
                      f"({r['files']:,} files, {r['bytes'] / 1e6:.1f} MB):",
                  f"  full config (render_all): {r['full_render_s']:.2f} s; realtime rows of all tenants: {r['full_rows_s']:.2f} s",
                  f"  one tenant's change: render {r['one_tenant_render_ms']:.1f} ms (p95 {r['one_tenant_render_p95_ms']:.1f} ms), "
                  f"write {r['one_tenant_write_ms']:.1f} ms; realtime rows {r['one_tenant_rows_ms']:.2f} ms"]
    return "\n".join(lines)


def as_figures(results: list[Result], renders: dict | None = None) -> list:
    """The figures as bench.common.Figure rows (for ``python -m bench``)."""
    from .common import Figure

    out = []
    for r in results:
        out.append(Figure(f"asterisk apply {r.mode} {r.endpoints:,} endpoints", r.median_ms, "ms",
                          detail=f"p95 {r.p95_ms:.0f} ms, sipp {r.sipp_ms:.0f} ms"))
        if r.reload_ms:
            out.append(Figure(f"asterisk full reload {r.endpoints:,} endpoints", percentile(r.reload_ms, 50), "ms",
                              detail=f"p95 {percentile(r.reload_ms, 95):.0f} ms"))
    if renders:
        out.append(Figure(f"render {renders['tenants']:,} tenants x {renders['extensions_per_tenant']}",
                          renders["full_render_s"] * 1000, "ms"))
        out.append(Figure("render one tenant", renders["one_tenant_render_ms"], "ms"))
    return out


# --- main -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cache = Path(os.environ.get("PBXFLOW_CACHE_DIR") or Path.home() / ".cache" / "pbxflow")
    p = argparse.ArgumentParser(prog="python -m bench.asterisk_apply", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoints", default="5000,20000", help="comma-separated endpoint counts (default 5000,20000)")
    p.add_argument("--changes", type=int, default=50, help="password changes per mode and count (default 50)")
    p.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    p.add_argument("--render-tenants", type=int, default=1000, help="tenants for the render timing (0: skip)")
    p.add_argument("--render-extensions", type=int, default=50)
    p.add_argument("--root", type=Path, default=cache / "asterisk-root-bench", help="sandbox root for the bench's Asterisk")
    p.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "pbxflow-bench-asterisk")
    p.add_argument("--sip-port", type=int, default=5260)
    p.add_argument("--ami-port", type=int, default=5238)
    p.add_argument("--rtp", default="12000-12999")
    p.add_argument("--realtime-url", default="postgresql://postgres@127.0.0.1:5432/pbxflow_bench_asterisk",
                   help="PostgreSQL (TCP) for the realtime tables; this database is dropped and re-created")
    p.add_argument("--keep-running", action="store_true", help="leave the last sandbox up (and its database)")
    p.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    args.endpoints = [int(x) for x in args.endpoints.split(",") if x.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = set(args.modes) - set(MODES)
    if bad:
        p.error(f"unknown modes {sorted(bad)}")
    lo, hi = (int(x) for x in args.rtp.split("-"))
    args.rtp = (lo, hi)
    default_root = (cache / "asterisk-root").resolve()
    if args.root.resolve() == default_root or args.sip_port == 5060 or args.ami_port == 5038:
        p.error("refusing to use the default sandbox (root, SIP 5060 or AMI 5038): others test against it")
    return args


def execute(args: argparse.Namespace) -> tuple[list[Result], dict | None, list[str]]:
    """Run what ``args`` asks for; print progress and the table. Returns (results, render timings, failures)."""
    if os.geteuid() != 0:
        raise RuntimeError("bench.asterisk_apply needs root (asterisk/sandbox uses chroot and mount)")
    if not shutil.which("sipp"):
        raise RuntimeError("bench.asterisk_apply needs sipp (Debian package sip-tester)")
    say(f"pbxflow Asterisk apply benchmark: endpoints {args.endpoints}, {args.changes} changes, modes {args.modes}")
    say(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}")
    renders = None
    if args.render_tenants:
        say(f"render timings ({args.render_tenants:,} tenants x {args.render_extensions} extensions)...")
        renders = render_timings(args.render_tenants, args.render_extensions)
    spec = SandboxSpec(args.root, args.data_dir, args.sip_port, args.ami_port, args.rtp)
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="pbxflow-bench-sipp-"))
    failures: list[str] = []

    def dump() -> None:
        if args.json:
            Path(args.json).write_text(json.dumps({"results": [r.as_dict() for r in results], "render": renders,
                                                   "failures": failures,
                                                   "args": {k: str(v) for k, v in vars(args).items()}}, indent=2))

    try:
        for n in args.endpoints:
            for mode in args.modes:
                try:
                    results.append(run_mode(mode, n, args.changes, spec, args.realtime_url, workdir))
                except Exception as exc:  # noqa: BLE001 - report it, go on with the other modes
                    failures.append(f"{mode} {n:,}: {type(exc).__name__}: {exc}")
                    say(f"    FAILED: {failures[-1]}")
                    continue
                finally:
                    dump()
                r = results[-1]
                say(f"    => apply median {_ms(r.median_ms)}, p95 {_ms(r.p95_ms)}")
    finally:
        if not args.keep_running:
            spec.down()
            if any(m != "static" for m in args.modes):
                try:
                    drop_database(args.realtime_url)
                except psycopg.Error as exc:
                    say(f"  (could not drop the realtime database: {exc})")
        shutil.rmtree(workdir, ignore_errors=True)
    say()
    say(table(results, renders))
    for f in failures:
        say(f"FAILED {f}")
    dump()
    return results, renders, failures


def run(argv: list[str] | None = None) -> list:
    """For ``python -m bench``: the same options as the command line; returns Figure rows."""
    results, renders, _ = execute(parse_args(argv or []))
    return as_figures(results, renders)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        _, _, failures = execute(args)
    except RuntimeError as exc:
        say(f"bench.asterisk_apply: {exc}")
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
