"""Operator (queue member) states from the call events (F-REP-2 "по состояниям"), pure.

An operator is a SIP device of an extension (``<tenant code>-<number>-<suffix>``). Its state
at any moment follows from three facts the AMI events carry:

* the device state (``DeviceStateChange``): unavailable → offline, ringing, in use → in call,
  not in use → free;
* the queue pause (``QueueMemberPause`` / ``QueueMemberStatus``): paused → break, or away
  when the pause reason starts with "away";
* the wrap-up after a queue call (``AgentComplete``): the group's wrap-up seconds.

Precedence: offline > in_call > ringing > wrap_up > break/away > waiting. A state lasts from
the event that started it to the event that changes it (a wrap-up also ends by itself when its
time is up). Before the first event about a device nothing is known: it counts as offline.

``step`` folds one event into a device's ``Current`` facts (the reports projection runs it
batch by batch, keeping ``Current`` as JSON); ``timeline`` folds a whole sequence and cuts it
to a window — the same code, so a replay gives the same segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from projections.calls.model import DEVICE_RE

STATES = ("waiting", "ringing", "in_call", "wrap_up", "break", "away", "offline")
DEVICE_STATES = {"NOT_INUSE": "idle", "INUSE": "in_call", "BUSY": "in_call", "ONHOLD": "in_call",
                 "RINGING": "ringing", "RINGINUSE": "in_call", "UNAVAILABLE": "offline", "INVALID": "offline"}
# QueueMemberStatus's Status: app_queue's numeric device states.
MEMBER_STATUS = {"1": "NOT_INUSE", "2": "INUSE", "3": "BUSY", "4": "INVALID", "5": "UNAVAILABLE", "6": "RINGING",
                 "7": "RINGINUSE", "8": "ONHOLD"}
AGENT_EVENTS = frozenset({"DeviceStateChange", "QueueMemberPause", "QueueMemberStatus", "AgentComplete"})


@dataclass(frozen=True)
class AgentEvent:
    at: float
    device: str  # PJSIP endpoint (the operator's device)
    kind: str  # device | pause | complete
    value: str | None = None  # device: idle/ringing/in_call/offline; pause: break/away/None
    wrapup: float = 0.0  # complete: wrap-up seconds


@dataclass(frozen=True)
class Segment:
    device: str
    state: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _endpoint(value) -> str | None:
    text = str(value or "")
    if not text.startswith("PJSIP/"):
        return None
    ep = text[len("PJSIP/"):]
    return ep if DEVICE_RE.match(ep) else None


def operator_of(device: str) -> tuple[str, str] | None:
    """(tenant code, extension number) of a device name."""
    m = DEVICE_RE.match(device or "")
    return (m.group(1), m.group(2)) if m else None


def agent_event(name: str, at: float, h: dict, wrapup_of=lambda queue: 0.0) -> AgentEvent | None:
    """The state fact in one AMI event (None when it says nothing about an operator).
    ``wrapup_of(queue)``: the wrap-up seconds of that queue's group."""
    if name == "DeviceStateChange":
        dev = _endpoint(h.get("Device"))
        state = DEVICE_STATES.get(str(h.get("State", "")))
        return AgentEvent(at, dev, "device", state) if dev and state else None
    dev = _endpoint(h.get("Interface") or h.get("StateInterface"))
    if dev is None:
        return None
    if name in ("QueueMemberPause", "QueueMemberStatus"):
        paused = str(h.get("Paused", "0")).strip() == "1"
        reason = str(h.get("PausedReason") or h.get("Reason") or "").strip().lower()
        return AgentEvent(at, dev, "pause", ("away" if reason.startswith("away") else "break") if paused else None)
    if name == "AgentComplete":
        return AgentEvent(at, dev, "complete", wrapup=float(wrapup_of(h.get("Queue")) or 0))
    return None


@dataclass
class Condition:
    device: str = "offline"  # idle | ringing | in_call | offline
    pause: str | None = None  # break | away
    wrap_until: float | None = None

    def state(self, at: float) -> str:
        if self.device in ("offline", "in_call", "ringing"):
            return self.device
        if self.wrap_until is not None and at < self.wrap_until:
            return "wrap_up"
        return self.pause or "waiting"

    def as_dict(self) -> dict:
        return {"device": self.device, "pause": self.pause, "wrap_until": self.wrap_until}


@dataclass
class Current:
    """One device's facts and its open segment (state since)."""

    cond: Condition
    state: str
    since: float

    def as_dict(self) -> dict:
        return {**self.cond.as_dict(), "state": self.state, "since": self.since}

    @classmethod
    def from_dict(cls, d: dict) -> "Current":
        return cls(Condition(d["device"], d.get("pause"), d.get("wrap_until")), d["state"], d["since"])


def advance(device: str, cur: Current, at: float) -> list[Segment]:
    """Close the segments that ended by ``at`` without an event (a wrap-up running out)."""
    out = []
    w = cur.cond.wrap_until
    if w is not None and w <= at:
        cur.cond.wrap_until = None
        if cur.state == "wrap_up":
            if w > cur.since:
                out.append(Segment(device, "wrap_up", cur.since, w))
            cur.state, cur.since = cur.cond.state(w), max(w, cur.since)
    return out


def step(cur: Current | None, ev: AgentEvent) -> tuple[Current, list[Segment]]:
    """Apply one event: the device's new facts and the segments it closed."""
    closed: list[Segment] = []
    if cur is None:  # nothing known before: offline until now
        cur = Current(Condition(), "offline", ev.at)
    at = max(ev.at, cur.since)  # events of one device arrive in order; never run time backwards
    closed += advance(ev.device, cur, at)
    if ev.kind == "device":
        cur.cond.device = ev.value
    elif ev.kind == "pause":
        cur.cond.pause = ev.value
    elif ev.kind == "complete":
        cur.cond.wrap_until = at + ev.wrapup if ev.wrapup > 0 else None
    new = cur.cond.state(at)
    if new != cur.state:
        if at > cur.since:
            closed.append(Segment(ev.device, cur.state, cur.since, at))
        cur.state, cur.since = new, at
    return cur, closed


def open_segments(device: str, cur: Current, until: float) -> list[Segment]:
    """The open state up to ``until`` (a wrap-up that ran out by then is split)."""
    probe = Current(Condition(**cur.cond.as_dict()), cur.state, cur.since)
    out = advance(device, probe, until)
    if until > probe.since:
        out.append(Segment(device, probe.state, probe.since, until))
    return out


def clip(segments: Iterable[Segment], device: str, start: float, end: float) -> list[Segment]:
    """The segments cut to [start, end), gaps (nothing known) filled as offline, merged when equal."""
    out: list[Segment] = []
    t = start
    for s in sorted(segments, key=lambda s: s.start):
        a, b = max(s.start, t), min(s.end, end)
        if b <= a:
            continue
        if a > t:
            out.append(Segment(device, "offline", t, a))
        out.append(Segment(device, s.state, a, b))
        t = b
    if t < end:
        out.append(Segment(device, "offline", t, end))
    merged: list[Segment] = []
    for s in out:
        if merged and merged[-1].state == s.state and merged[-1].end == s.start:
            merged[-1] = Segment(device, s.state, merged[-1].start, s.end)
        else:
            merged.append(s)
    return merged


def timeline(events: Iterable[AgentEvent], device: str, start: float, end: float) -> list[Segment]:
    """The states of one device in [start, end) from all its events (in order)."""
    cur: Current | None = None
    segments: list[Segment] = []
    for ev in events:
        if ev.device != device or ev.at >= end:
            continue
        cur, closed = step(cur, ev)
        segments += closed
    if cur is not None:
        segments += open_segments(device, cur, end)
    return clip(segments, device, start, end)


def summary(segments: Iterable[Segment]) -> dict[str, float]:
    """Seconds per state (every state listed)."""
    out = {s: 0.0 for s in STATES}
    for seg in segments:
        out[seg.state] += seg.seconds
    return out
