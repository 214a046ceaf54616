"""SIPp phones for tests against the Asterisk sandbox (scenarios in asterisk/sipp/).

Every SIPp process gets its own ports from :func:`allocate`: a SIP port (``-p``),
a media port (``-mp``; SIPp also binds media+2 for video) and a control port
(``-cp``; default 8888 for every SIPp otherwise). All run from a scratch
directory, with ``-i 127.0.0.1 -nostdin -m 1 -timeout``, and log the SIP
messages they exchange (``-trace_msg``) so that tests can look at them.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "asterisk" / "sipp"
SIPP = shutil.which("sipp") or "sipp"

# SIPp's exit codes (see `sipp -h`)
OK = 0  # every call succeeded
FAILED = 1  # at least one call failed
TIMED_OUT = 97  # the global -timeout ended the run (e.g. a UAS that got no call)


# --- ports ------------------------------------------------------------------------

# Below Linux's ephemeral range (32768-60999) and above the sandbox's RTP range
# (10000-10999). Each process starts at its own offset so that parallel runs rarely probe
# the same ports; every port is still checked before use.
_PORT_LOW, _PORT_HIGH, _BLOCK = 20000, 32000, 8


def _worker_range(low: int, high: int, env=os.environ) -> tuple[int, int]:
    """Each pytest-xdist worker takes its own share of the range: another worker's Asterisk may
    still hold a registration at a port this worker has just freed, and would call it."""
    worker, count = env.get("PYTEST_XDIST_WORKER", ""), int(env.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or not worker[2:].isdigit() or count < 2:
        return low, high
    share = (high - low) // count // _BLOCK * _BLOCK
    n = int(worker[2:]) % count
    return low + n * share, low + (n + 1) * share


_PORT_LOW, _PORT_HIGH = _worker_range(_PORT_LOW, _PORT_HIGH)
_BLOCKS = (_PORT_HIGH - _PORT_LOW) // _BLOCK
_next_block = itertools.count(os.getpid() % _BLOCKS)


@dataclass(frozen=True)
class Ports:
    """One phone's ports: SIP ``sip``; each SIPp run uses media, media+2 and control."""

    sip: int
    media: int
    control: int


def _free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def allocate() -> Ports:
    """A block of free UDP ports for one phone (SIP, media, video, control)."""
    for _ in range(_BLOCKS):
        base = _PORT_LOW + (next(_next_block) % _BLOCKS) * _BLOCK
        ports = Ports(sip=base, media=base + 2, control=base + 6)
        if all(_free(p) for p in (ports.sip, ports.media, ports.media + 2)) and _free(ports.control, "0.0.0.0"):
            return ports
    raise RuntimeError("no free UDP port block for SIPp")


def udp_bound(port: int, host: str = "127.0.0.1") -> bool:
    """Whether some process has a UDP socket bound to host:port (read from /proc, no probing)."""
    addr = "".join(f"{int(b):02X}" for b in reversed(host.split("."))) + f":{port:04X}"
    try:
        lines = Path("/proc/net/udp").read_text().splitlines()[1:]
    except OSError:
        return not _free(port, host)
    return any(line.split()[1] == addr for line in lines if len(line.split()) > 1)


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll until ``predicate()`` is truthy; return its value or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# --- results ----------------------------------------------------------------------


def _transaction(msg: str) -> tuple:
    def header(name: str) -> str:
        m = re.search(rf"^{name}:\s*(.*?)\s*$", msg, re.M | re.I)
        return m.group(1) if m else ""

    branch = re.search(r"branch=([^;\s]+)", header("Via"))
    return header("Call-ID"), header("CSeq"), branch.group(1) if branch else ""


def _once(messages) -> list[str]:
    seen, out = set(), []
    for msg in messages:
        key = _transaction(msg)
        if key not in seen:
            seen.add(key)
            out.append(msg)
    return out


@dataclass
class SippResult:
    name: str
    rc: int
    stdout: str
    stderr: str
    messages: str  # every SIP message sent and received (-trace_msg)
    errors: str  # unexpected messages (-trace_err)

    @property
    def final_status(self) -> int | None:
        """The final status the uac_* scenarios print ("... final status NNN ..."); else the last
        final answer to an INVITE in the message log (the scenario's <exec> echo runs in a child
        process that a loaded machine may not get to before SIPp exits)."""
        m = re.search(r"final status (\d{3})", self.stderr)
        if m:
            return int(m.group(1))
        finals = [int(r.group(1)) for direction, msg in self._log() if direction == "received"
                  for r in [re.match(r"SIP/2\.0 (\d{3}) ", msg)]
                  if r and int(r.group(1)) >= 200 and re.search(r"^CSeq:\s*\d+ INVITE\s*$", msg, re.M | re.I)]
        return finals[-1] if finals else None

    def received(self, method: str) -> list[str]:
        """SIP requests of this method that SIPp received, each as its full text; a retransmission
        (same Call-ID, CSeq and Via branch: a loaded machine answers late) counts once."""
        return _once(msg for direction, msg in self._log() if direction == "received" and msg.startswith(f"{method} "))

    def sent(self, method: str) -> list[str]:
        return _once(msg for direction, msg in self._log() if direction == "sent" and msg.startswith(f"{method} "))

    def _log(self) -> list[tuple[str, str]]:
        # -trace_msg blocks: "----- <time>\nUDP message received [N] bytes :\n\n<SIP message>"
        out = []
        for block in re.split(r"^-{5,}.*$", self.messages, flags=re.M):
            m = re.search(r"message (sent|received) .*?:\s*\n\n?(.*)", block, flags=re.S)
            if m:
                out.append((m.group(1), m.group(2).lstrip()))
        return out

    def describe(self) -> str:
        tail = "\n".join(self.stdout.splitlines()[-25:])
        return (f"sipp {self.name}: exit code {self.rc}\n--- stderr ---\n{self.stderr[-3000:]}"
                f"\n--- errors ---\n{self.errors[-3000:]}"
                f"\n--- messages ---\n{self.messages[-6000:]}\n--- screen (tail) ---\n{tail}")


class SippProcess:
    """A SIPp running in the background (usually a UAS)."""

    def __init__(self, name: str, proc: subprocess.Popen, files: dict[str, Path], ports: Ports, timeout: float):
        self.name, self.proc, self.files, self.ports, self.timeout = name, proc, files, ports, timeout

    def wait_ready(self, timeout: float = 10.0) -> "SippProcess":
        """Wait until the SIP socket is bound (then INVITEs queue in it even before SIPp reads)."""
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"sipp {self.name} exited before it was ready\n{self.result().describe()}")
            return udp_bound(self.ports.sip)

        wait_for(ready, timeout, 0.05, f"sipp {self.name} to bind port {self.ports.sip}")
        time.sleep(0.1)  # past the bind: let it enter its main loop
        return self

    def wait(self, timeout: float | None = None) -> SippResult:
        try:
            self.proc.wait(timeout=(self.timeout + 15) if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        return self.result()

    def result(self) -> SippResult:
        def text(key):
            path = self.files[key]
            return path.read_text(errors="replace") if path.exists() else ""

        return SippResult(self.name, self.proc.returncode if self.proc.returncode is not None else -1,
                          text("stdout"), text("stderr"), text("messages"), text("errors"))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


# --- runner -----------------------------------------------------------------------


class Sipp:
    """Runs SIPp scenarios against one Asterisk (``target`` host:port) from ``workdir``."""

    def __init__(self, target_port: int, workdir: Path, target_host: str = "127.0.0.1"):
        self.target = f"{target_host}:{target_port}"
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._count = itertools.count(1)
        self._running: list[SippProcess] = []

    def start(self, scenario: str, ports: Ports, *, service: str | None = None, auth: tuple[str, str] | None = None,
              timeout: float = 30.0, options: tuple[str, ...] = (), **variables: object) -> SippProcess:
        name = f"{next(self._count):02d}-{Path(scenario).stem}"
        files = {k: self.workdir / f"{name}.{k}.log" for k in ("stdout", "stderr", "messages", "errors")}
        cmd = [
            SIPP, self.target, "-sf", str(SCENARIOS / scenario),
            "-i", "127.0.0.1", "-p", str(ports.sip), "-mp", str(ports.media), "-cp", str(ports.control),
            "-m", "1", "-timeout", f"{int(timeout)}s", "-nostdin",
            "-trace_msg", "-message_file", str(files["messages"]),
            "-trace_err", "-error_file", str(files["errors"]),
        ]
        if service is not None:
            cmd += ["-s", service]
        if auth is not None:
            cmd += ["-au", auth[0], "-ap", auth[1]]
        cmd += list(options)  # further SIPp options, e.g. -aa
        for key, value in variables.items():
            cmd += ["-set", key, str(value)]
        with open(files["stdout"], "wb") as out, open(files["stderr"], "wb") as err:
            proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        p = SippProcess(name, proc, files, ports, timeout)
        self._running.append(p)
        return p

    def run(self, scenario: str, ports: Ports, **kwargs) -> SippResult:
        return self.start(scenario, ports, **kwargs).wait()

    # --- the helpers tests use -------------------------------------------------

    def register(self, username: str, password: str, ports: Ports, *, expires: int | None = None) -> SippResult:
        """REGISTER with digest auth; the Contact is 127.0.0.1:ports.sip. With -aa, the SIPp answers
        the unsolicited MWI NOTIFY the registration of a phone with a voicemail box triggers."""
        extra = {} if expires is None else {"expires": expires}
        return self.run("register.xml", ports, service=username, auth=(username, password), timeout=15, options=("-aa",),
                        **extra)

    def uas(self, scenario: str, ports: Ports, *, timeout: float = 30.0, **variables: object) -> SippProcess:
        """A UAS (uas_answer.xml, uas_busy.xml, uas_noanswer.xml) in the background, ready."""
        return self.start(scenario, ports, timeout=timeout, **variables).wait_ready()

    def uac_call(self, number: str, caller: str, password: str, ports: Ports, *, expect: int = 200,
                 timeout: float = 45.0) -> SippResult:
        """``caller`` (an endpoint) calls ``number`` with digest auth; succeeds if the final is ``expect``."""
        return self.run("uac_invite_auth.xml", ports, service=number, auth=(caller, password), timeout=timeout,
                        caller=caller, expect=expect)

    def start_uac_call(self, number: str, caller: str, password: str, ports: Ports, *, expect: int = 200,
                       timeout: float = 45.0) -> SippProcess:
        return self.start("uac_invite_auth.xml", ports, service=number, auth=(caller, password), timeout=timeout,
                          caller=caller, expect=expect)

    def staying_call(self, number: str, ext, *, timeout: float = 40.0) -> SippProcess:
        """``ext`` (anything with username/password) calls ``number`` in the background and stays
        in the call, accepting re-INVITEs, until the far end hangs up (uac_stay.xml)."""
        return self.start("uac_stay.xml", allocate(), service=number, auth=(ext.username, ext.password), timeout=timeout,
                          caller=ext.username)

    def trunk_call(self, did: str, ports: Ports, *, caller: str = "74990000001", expect: int = 200,
                   timeout: float = 45.0) -> SippResult:
        """An unauthenticated INVITE from the operator trunk (source 127.0.0.1) to ``did``."""
        return self.run("uac_trunk.xml", ports, service=did, timeout=timeout, caller=caller, expect=expect)

    def close(self) -> None:
        """Stop whatever is still running (a test that failed half-way)."""
        for p in self._running:
            p.kill()
        self._running.clear()


# --- reloading Asterisk -------------------------------------------------------------


class CliReloader:
    """A ConfigApplier reloader that uses the sandbox's CLI (``asterisk/sandbox cli``)."""

    COMMANDS = {"res_pjsip.so": "module reload res_pjsip.so", "dialplan": "dialplan reload"}
    FAILURES = ("No such module", "not found", "failed", "Unable", "not running")

    def __init__(self, cli: Callable[[str], str]):
        self.cli = cli
        self.calls: list[set[str]] = []

    def reload(self, modules: set[str]) -> None:
        for module in sorted(modules):
            command = self.COMMANDS.get(module)
            if command is None:
                raise ValueError(f"no CLI reload command for {module!r}")
            out = self.cli(command)
            if any(word.lower() in out.lower() for word in self.FAILURES):
                raise RuntimeError(f"asterisk {command!r}: {out.strip()}")
        self.calls.append(set(modules))

    def close(self) -> None:
        pass


class RecordingReloader:
    """Wraps a reloader and records which modules each reload asked for."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[set[str]] = []

    def reload(self, modules: set[str]) -> None:
        self.inner.reload(modules)
        self.calls.append(set(modules))


def make_reloader(sandbox):
    """The AMI reloader (pbxflow.ami.AmiReloader) when the project has it, else the CLI one."""
    import importlib.util

    if importlib.util.find_spec("pbxflow.ami") is None:
        return CliReloader(sandbox.cli)
    from pbxflow.ami import AmiReloader

    return AmiReloader([sandbox.ami_url])
