"""Synthetic AMI call traffic shaped like Asterisk 22's (for tests and bench/ingest.py).

``CallScript`` writes the events one internal call produces — the same events, headers
and order as recorded from the sandbox (PJSIP, ``Dial`` from the extension context,
``channelvars = PBXFLOW_TENANT``, ``timestampevents = yes``), including the noise the
ingestion must skip (``VarSet``, ``Newexten`` of other applications, ``Cdr`` …).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

_uid_counter = itertools.count()


@dataclass
class Clock:
    """The node's clock: every event advances it a little."""

    now: float = 1_790_000_000.0
    step: float = 0.0007

    def tick(self, seconds: float | None = None) -> str:
        self.now += self.step if seconds is None else seconds
        return f"{self.now:.6f}"


@dataclass
class Channel:
    name: str
    uid: str
    linkedid: str
    caller: str
    caller_name: str
    context: str
    exten: str
    state: tuple[str, str] = ("0", "Down")
    connected: str = "<unknown>"
    tenant: str = ""


@dataclass
class CallScript:
    """Events of calls of one tenant on one node. ``events`` collects header dicts."""

    tenant: str
    clock: Clock = field(default_factory=Clock)
    events: list[dict] = field(default_factory=list)
    noise: bool = True
    boot: int = 1_790_000_000
    devices: dict[str, str] = field(default_factory=dict)  # extension number -> PJSIP endpoint

    def _uid(self) -> str:
        return f"{self.boot}.{next(_uid_counter)}"

    def _emit(self, event: str, ch: Channel | None = None, seconds: float | None = None, **extra) -> dict:
        h = {"Event": event, "Privilege": "call,all", "Timestamp": self.clock.tick(seconds)}
        if ch is not None:
            h.update({"Channel": ch.name, "ChannelState": ch.state[0], "ChannelStateDesc": ch.state[1],
                      "CallerIDNum": ch.caller, "CallerIDName": ch.caller_name, "ConnectedLineNum": ch.connected,
                      "ConnectedLineName": "<unknown>", "Language": "en", "AccountCode": "", "Context": ch.context,
                      "Exten": ch.exten, "Priority": "1", "Uniqueid": ch.uid, "Linkedid": ch.linkedid,
                      "ChanVariable": f"PBXFLOW_TENANT={ch.tenant}"})
        h.update(extra)
        self.events.append(h)
        return h

    def device(self, number: str) -> str:
        return self.devices.get(number) or f"{self.tenant}-{number}-ab{int(number) % 97:02d}"

    def call(self, caller: str, callee: str, outcome: str = "answered", *, talk: float = 3.0, ring: float = 0.5,
             voicemail: bool = False) -> str:
        """One call from extension ``caller`` to ``callee``: outcome answered, busy, noanswer
        (Dial timeout; then voicemail when ``voicemail``) or unavailable. Returns its linked id."""
        ctx = f"t-{self.tenant}-internal"
        seq = len(self.events)
        a = Channel(f"PJSIP/{self.device(caller)}-{seq:08x}", self._uid(), "", caller, f"Ext {caller}", ctx, callee,
                    ("4", "Ring"))
        a.linkedid = a.uid
        self._emit("Newchannel", a)
        a.tenant = self.tenant
        if self.noise:
            self._emit("VarSet", a, Variable="PBXFLOW_TENANT", Value=self.tenant)
            self._emit("Newexten", a, Application="NoOp", AppData="pbxflow extension", Extension=callee)
            self._emit("Newexten", a, Application="Set", AppData=f"__PBXFLOW_TENANT={self.tenant}", Extension=callee)
            self._emit("Newexten", a, Application="Dial", AppData=f"PJSIP/{self.device(callee)},20", Extension=callee)
        if outcome == "unavailable":
            self._emit("Hangup", a, **{"Cause": "20", "Cause-txt": "Subscriber absent"})
            self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(caller)}", State="NOT_INUSE")
            return a.linkedid
        b = Channel(f"PJSIP/{self.device(callee)}-{seq + 1:08x}", self._uid(), a.linkedid, callee, f"Ext {callee}",
                    ctx, "s")
        self._emit("Newchannel", b)
        b.tenant, b.exten, b.connected = self.tenant, callee, caller
        if self.noise:
            self._emit("Newexten", b, Application="AppDial", AppData="(Outgoing Line)", Extension=callee)
        self._emit("NewConnectedLine", b)
        self._emit("DialBegin", a, DestChannel=b.name, DestUniqueid=b.uid, DialString=self.device(callee))
        a.connected = callee
        if outcome == "busy":
            self._emit("DialEnd", a, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="BUSY")
            self._emit("Hangup", b, **{"Cause": "17", "Cause-txt": "User busy"})
            if self.noise:
                self._emit("Cdr", a)
            self._emit("Hangup", a, **{"Cause": "17", "Cause-txt": "User busy"})
            return a.linkedid
        b.state = ("5", "Ringing")
        self._emit("Newstate", b)
        self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(callee)}", State="RINGING")
        self._emit("DialState", a, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="RINGING")
        self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(caller)}", State="INUSE")
        if outcome == "noanswer":
            self._emit("DialEnd", a, seconds=ring, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="NOANSWER")
            self._emit("Hangup", b, **{"Cause": "26", "Cause-txt": "Answered elsewhere"})
            self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(callee)}", State="NOT_INUSE")
            if voicemail:
                a.state = ("6", "Up")
                self._emit("Newexten", a, Application="VoiceMail", AppData=f"{callee}@t-{self.tenant}-vm,u",
                           Extension=callee)
                self._emit("Newstate", a)
                self._emit("Hangup", a, seconds=talk, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
            else:
                self._emit("Hangup", a, **{"Cause": "19", "Cause-txt": "No answer"})
            self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(caller)}", State="NOT_INUSE")
            return a.linkedid
        b.state = ("6", "Up")
        self._emit("Newstate", b, seconds=ring)
        self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(callee)}", State="INUSE")
        self._emit("DialEnd", a, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="ANSWER")
        a.state = ("6", "Up")
        self._emit("Newstate", a)
        bridge = f"bridge-{a.uid}"
        self._emit("BridgeCreate", BridgeUniqueid=bridge)
        self._emit("BridgeEnter", b, BridgeUniqueid=bridge)
        self._emit("BridgeEnter", a, BridgeUniqueid=bridge)
        self._emit("HangupRequest", b, seconds=talk, Cause="16")
        self._emit("BridgeLeave", b, BridgeUniqueid=bridge)
        self._emit("BridgeLeave", a, BridgeUniqueid=bridge)
        self._emit("BridgeDestroy", BridgeUniqueid=bridge)
        self._emit("Hangup", b, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
        if self.noise:
            self._emit("Cdr", a)
        self._emit("Hangup", a, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
        self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(callee)}", State="NOT_INUSE")
        self._emit("DeviceStateChange", Device=f"PJSIP/{self.device(caller)}", State="NOT_INUSE")
        return a.linkedid


def format_event(headers: dict) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
