"""Test-only: place one real call through the e2e server's sandbox Asterisk with SIPp and
print the outcome as JSON (tests/e2e/real-call.spec.ts runs it).

    place_call.py --sip-port 5590 --number 700 --caller USER:PASSWORD --callee USER:PASSWORD \
        [--route t-<code>-entries:t-<code>-s-<key>-r<N>] [--key 1 --key-at 1.0 --method rfc2833|info]
        [--workdir DIR]

With ``--route CONTEXT:TARGET`` it first waits (asterisk/sandbox cli, the sandbox of
PBXFLOW_E2E_ASTERISK_ROOT / PBXFLOW_E2E_DATA_DIR) until Asterisk's dialplan sends the number
in CONTEXT to TARGET: the published revision has been applied. The callee's SIP device is registered from a SIPp phone that answers and hangs up after
``--hold`` seconds; the caller (another device of the tenant, digest auth) dials
``--number``, presses ``--key`` ``--key-at`` seconds after the PBX answered (RFC 4733 events
from sipp's recordings, or SIP INFO — as tests/test_scheme_calls.py does), and waits for the
PBX to hang up. Output: {"final_status", "caller_rc", "callee_rc", "callee_answered",
"workdir"}; the exit code is 0 when the call was answered and the callee took it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: sipp.py, test_scheme_calls.py

from sipp import OK, SCENARIOS, Sipp, allocate, wait_for  # noqa: E402
from test_scheme_calls import INFO_DTMF, dtmf_pcap  # noqa: E402


def keys_scenario(key: str | None, at: float, method: str, workdir: Path) -> Path:
    """uac_auth_keys.xml with a step that presses ``key`` ``at`` seconds after the answer."""
    steps = []
    if key:
        steps.append(f'  <recv request="BYE" timeout="{max(1, round(at * 1000))}" ontimeout="key0" next="bye" />')
        steps.append('  <label id="key0" />')
        if method == "rfc2833":
            steps.append(f'  <nop><action><exec play_pcap_audio="{dtmf_pcap(key, 0, workdir)}" /></action></nop>')
        else:  # CSeq 3: the authenticated INVITE was 2
            steps.append(INFO_DTMF.replace("@CSEQ@", "3").replace("@KEY@", key).rstrip("\n"))
    text = (SCENARIOS / "uac_auth_keys.xml").read_text()
    marker = "  <!-- @KEYS@ -->\n"
    assert marker in text
    path = workdir / "uac-keys.xml"
    path.write_text(text.replace(marker, "\n".join(steps) + "\n"))
    return path


REPO = Path(__file__).resolve().parents[2]


def cli(command: str) -> str:
    """A command to the e2e server's sandbox Asterisk (the environment tests/run-e2e gives)."""
    env = {**os.environ, "PBXFLOW_ASTERISK_ROOT": os.environ["PBXFLOW_E2E_ASTERISK_ROOT"],
           "PBXFLOW_DATA_DIR": os.environ["PBXFLOW_E2E_DATA_DIR"]}
    out = subprocess.run([str(REPO / "asterisk" / "sandbox"), "cli", command], env=env, capture_output=True, text=True,
                         timeout=60)
    return out.stdout if out.returncode == 0 else ""


def wait_routed(number: str, route: str, timeout: float = 60.0) -> None:
    context, target = route.split(":", 1)
    wait_for(lambda: target in cli(f"dialplan show {number}@{context}"), timeout, 0.5,
             f"Asterisk to route {number}@{context} to {target}")


def register(phones: Sipp, username: str, password: str, ports) -> None:
    for _ in range(3):
        result = phones.register(username, password, ports)
        if result.rc == OK:
            return
        time.sleep(0.5)
    raise SystemExit(f"registering {username} failed\n{result.describe()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sip-port", type=int, required=True)
    ap.add_argument("--number", required=True)
    ap.add_argument("--caller", required=True, help="USER:PASSWORD of the calling SIP device")
    ap.add_argument("--callee", required=True, help="USER:PASSWORD of the SIP device that answers")
    ap.add_argument("--route", help="CONTEXT:TARGET: wait until the number in CONTEXT goes to TARGET")
    ap.add_argument("--key")
    ap.add_argument("--key-at", type=float, default=1.0)
    ap.add_argument("--method", choices=("rfc2833", "info"), default="rfc2833")
    ap.add_argument("--hold", type=float, default=2.0, help="seconds the callee keeps the call")
    ap.add_argument("--workdir")
    args = ap.parse_args(argv)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="pbxflow-e2e-sipp-"))
    workdir.mkdir(parents=True, exist_ok=True)
    caller, caller_pw = args.caller.split(":", 1)
    callee, callee_pw = args.callee.split(":", 1)
    if args.route:
        wait_routed(args.number, args.route)
    phones = Sipp(args.sip_port, workdir / "sipp")
    try:
        callee_ports = allocate()
        register(phones, callee, callee_pw, callee_ports)
        uas = phones.uas("uas_answer.xml", callee_ports, timeout=90, hold_ms=int(args.hold * 1000))
        scenario = keys_scenario(args.key, args.key_at, args.method, workdir)
        call = phones.start(str(scenario), allocate(), service=args.number, auth=(caller, caller_pw), timeout=90,
                            caller=caller)
        result = call.wait()
        took = uas.wait(30)
        out = {
            "final_status": result.final_status,
            "caller_rc": result.rc,
            "callee_rc": took.rc,
            "callee_answered": bool(took.sent("BYE") or took.received("BYE")) and took.rc == OK,
            "workdir": str(workdir),
        }
        print(json.dumps(out))
        if result.rc != OK or took.rc != OK:
            print(result.describe(), file=sys.stderr)
            print(took.describe(), file=sys.stderr)
        return 0 if out["final_status"] == 200 and out["callee_answered"] else 1
    finally:
        phones.close()


if __name__ == "__main__":
    sys.exit(main())
