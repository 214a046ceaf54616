"""Test-only: append synthetic call events to the calls store of a running pbxflow, as the
AMI ingestion would (pbxflow.calls.synthetic + events.Appender, the same path as
tests/test_calls_api.py). The e2e specs use it to have calls without an Asterisk.

    feed_calls.py history <tenant code> <devices json>          three finished calls
    feed_calls.py live-start <tenant code> <devices json> <file> a call up to ringing; the rest kept in <file>
    feed_calls.py live-end <file>                               the rest of that call

``devices json``: {"201": "<sip username>", …}. The store is the one of DATABASE_URL, else
the embedded PostgreSQL under PBXFLOW_DATA_DIR (tests/run-e2e sets it). Options after
the arguments: ``--scheme <key> --nodes n1,n2`` adds the routing markers of a scheme.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from pbxflow import database
from pbxflow.calls.events import Appender, CallsApplication, canonical_headers, record
from pbxflow.calls.ingest import keep
from pbxflow.calls.synthetic import CallScript, Clock

NODE = "e2e-pbx:5038"
CHANNEL_HEADERS = ("Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "ConnectedLineNum",
                   "ConnectedLineName", "Language", "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid",
                   "ChanVariable")


def append(events: list[dict]) -> int:
    db = database.resolve(os.environ.get("DATABASE_URL"), Path(os.environ.get("PBXFLOW_DATA_DIR", ".pbxflow")))
    app = CallsApplication(env=db.eventsourcing_env())
    try:
        recorded = [record(NODE, canonical_headers(h.items()), received=time.time()) for h in events if keep(h["Event"], h)]
        return Appender(app).append(recorded).position or 0
    finally:
        app.close()


def with_markers(events: list[dict], scheme: str | None, nodes: list[str]) -> list[dict]:
    """Routing markers (UserEvent PbxflowNode) on the first channel, right after it appears."""
    if not scheme or not nodes:
        return events
    first = events[0]
    channel = {k: first[k] for k in CHANNEL_HEADERS if k in first}
    at = float(first["Timestamp"])
    markers = [{"Event": "UserEvent", "Privilege": "user,all", "Timestamp": f"{at + 0.0001 * (i + 1):.6f}", **channel,
                "UserEvent": "PbxflowNode", "Scheme": scheme, "Revision": "1", "Node": node} for i, node in enumerate(nodes)]
    return [first, *markers, *events[1:]]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("history", "live-start", "live-end"))
    p.add_argument("args", nargs="*")
    p.add_argument("--scheme")
    p.add_argument("--nodes", default="")
    a = p.parse_args()
    if a.mode == "live-end":
        rest = json.loads(Path(a.args[0]).read_text())
        print(append(rest))
        return
    code, devices = a.args[0], json.loads(a.args[1])
    nodes = [n for n in a.nodes.split(",") if n]
    # A boot id of its own per run: Asterisk unique ids (hence call ids) must not repeat across runs.
    script = CallScript(code, clock=Clock(now=time.time()), devices=devices, boot=time.time_ns() // 1000)
    if a.mode == "history":
        events: list[dict] = []
        for outcome in ("answered", "busy", "noanswer"):
            start = len(script.events)
            script.call("201", "202", outcome, talk=4, ring=2)
            events += with_markers(script.events[start:], a.scheme, nodes)
        print(append(events))
        return
    # live-start: the call up to the callee ringing; the rest waits in the file.
    script.call("201", "202", "answered", talk=4, ring=2)
    events = with_markers(script.events, a.scheme, nodes)
    cut = next(i for i, h in enumerate(events) if h["Event"] == "DialState") + 1
    Path(a.args[2]).write_text(json.dumps(events[cut:]))
    print(append(events[:cut]))


if __name__ == "__main__":
    main()
