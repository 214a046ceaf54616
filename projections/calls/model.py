"""The call state machine: recorded AMI events in, live calls and finished calls out (pure).

A *call* is the set of channels of one node sharing a ``Linkedid`` (Asterisk gives every
channel a call creates — dialled legs, Local halves, queue members — the linked id of the
channel that started it). Its key is ``<node>|<linkedid>``, its id a UUID derived from the
key. A call starts with its first ``Newchannel`` (or when reconciliation finds it) and
ends when its last channel hangs up; then it becomes a history row with its protocol.

Everything is derived from the events (times are the node's event timestamps), so the
same events give the same rows on a replay. The rules for direction, result and times
are described in docs/calls.md.
"""

from __future__ import annotations

import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

CALL_NAMESPACE = uuid.UUID("0d5f4f0e-7b1a-4c83-9b61-3f7f2f6a1c22")
DEVICE_RE = re.compile(r"^([a-z][a-z0-9]{2,11})-([0-9]{1,20})-([a-z0-9]{1,32})$")
TRUNK_RE = re.compile(r"^trunk-[0-9a-f]{8}$")
CHANNEL_RE = re.compile(r"^PJSIP/(.+)-[0-9a-f]{8}$")
MAX_PROTOCOL = 400  # steps kept per call; a looping IVR must not grow a row without bound
# A call recording (F-CAL-6) as the dialplan names it (projections/asterisk/render.recording_lines),
# relative to Asterisk's monitor directory: <tenant code>/<user|group>-<uuid>/<linkedid>-<uniqueid>.wav.
# Anything else in a PbxflowRecording event is ignored: the name becomes a path on our disk.
RECORDING_FILE = re.compile(r"[a-z][a-z0-9]{2,11}/(?:user|group)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"
                            r"-[0-9a-f]{12}/[0-9A-Za-z.]{1,80}-[0-9A-Za-z.]{1,80}\.wav")

UP = "6"
PRESENCE = {"NOT_INUSE": "free", "INUSE": "talking", "BUSY": "talking", "RINGING": "ringing",
            "RINGINUSE": "ringing", "ONHOLD": "hold", "UNAVAILABLE": "offline", "INVALID": "offline",
            "UNKNOWN": "unknown"}
# Newexten applications that are steps of the call protocol (the ingestion keeps only these).
PROTOCOL_APPS = {"VoiceMail": "voicemail", "Queue": "queue", "Playback": "playback", "Background": "playback",
                 "Read": "read", "ReceiveFAX": "fax", "ConfBridge": "conference", "Park": "park",
                 "Pickup": "pickup", "VoiceMailMain": "voicemail_main"}
NO_ROUTE_CAUSES = {1, 2, 3, 22, 28}
BUSY_CAUSES = {17}
NO_ANSWER_CAUSES = {18, 19, 0, 16, 31, 127}


def call_id(node: str, linkedid: str) -> str:
    return str(uuid.uuid5(CALL_NAMESPACE, f"{node}|{linkedid}"))


def endpoint_of(channel: str) -> tuple[str | None, str]:
    """(PJSIP endpoint, kind) of a channel name; kind: device, trunk, local, other."""
    if channel.startswith("Local/"):
        return None, "local"
    m = CHANNEL_RE.match(channel)
    if not m:
        return None, "other"
    ep = m.group(1)
    if DEVICE_RE.match(ep):
        return ep, "device"
    if TRUNK_RE.match(ep):
        return ep, "trunk"
    return ep, "other"


def device_tenant(endpoint: str | None) -> str | None:
    m = DEVICE_RE.match(endpoint or "")
    return m.group(1) if m else None


def device_number(endpoint: str | None) -> str | None:
    m = DEVICE_RE.match(endpoint or "")
    return m.group(2) if m else None


def chan_vars(headers: dict) -> dict[str, str]:
    raw = headers.get("ChanVariable")
    out = {}
    for item in raw if isinstance(raw, list) else [raw] if raw else []:
        key, _, value = str(item).partition("=")
        out[key] = value
    return out


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _digits(value: str | None) -> str:
    return re.sub(r"[^0-9]", "", value or "")


def _known(value: Any) -> str | None:
    text = str(value or "").strip()
    return None if text in ("", "<unknown>") else text


def _duration(text: str | None) -> int:
    """CoreShowChannel's ``Duration: HH:MM:SS``."""
    parts = [_int(p, 0) or 0 for p in str(text or "").split(":")]
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds


@dataclass
class Effects:
    """What one batch of events changed: the view writes exactly this."""

    active: dict[str, dict] = field(default_factory=dict)  # key -> state (upsert)
    removed: set[str] = field(default_factory=set)  # keys of calls that ended
    finished: list[dict] = field(default_factory=list)  # history rows
    presence: dict[str, dict] = field(default_factory=dict)  # node|device -> row
    feed: list[tuple[str | None, str, dict]] = field(default_factory=list)  # (tenant code, kind, payload)
    # Webhook events (F-CAL-7): (key, tenant code, event, call id, at, payload), in order; the key
    # (call id, event, leg) is unique, so a rebuild re-emitting them stores none twice.
    hooks: list[tuple[str, str, str, str, float, dict]] = field(default_factory=list)
    ignored: int = 0  # events about channels the book does not know (e.g. of calls already ended)


class CallBook:
    """The live calls of every node, and the device states seen."""

    def __init__(self) -> None:
        self.calls: dict[str, dict] = {}
        self.index: dict[str, str] = {}  # node|uniqueid -> call key
        self.presence: dict[str, dict] = {}  # node|device -> {"state", "since", ...}
        self.effects = Effects()
        # Calls that ended: a channel list taken before their end (a second ingesting process
        # reconciling late) must not bring them back. Recent ones in memory, older ones asked.
        self.recently_finished: deque[str] = deque(maxlen=20_000)
        self._recent: set[str] = set()
        self.finished_check: Callable[[str], bool] | None = None

    # --- loading and batches -------------------------------------------------------

    def load(self, states: Iterable[dict], presence: Iterable[dict] = ()) -> None:
        self.calls.clear()
        self.index.clear()
        for state in states:
            self.calls[state["key"]] = state
            for uid in state["channels"]:
                self.index[f"{state['node']}|{uid}"] = state["key"]
        self.presence = {f"{p['node']}|{p['device']}": dict(p) for p in presence}

    def take_effects(self) -> Effects:
        """The effects since the last call, with one feed entry per call changed (its last state)."""
        eff = self.effects
        self.effects = Effects()
        for key, state in eff.active.items():
            if key in eff.removed:
                continue
            if state.get("hooks_pending"):
                self._flush_hooks(state, eff)
            summary = public_summary(state)
            if summary != state.get("published"):
                state["published"] = summary
                eff.feed.append((tenant_of(state), "call", summary))
        eff.active = {k: v for k, v in eff.active.items() if k not in eff.removed}
        return eff

    # --- events -------------------------------------------------------------------

    def apply(self, node: str, name: str, at: float, h: dict) -> None:
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, node, at, h)

    def _call_of(self, node: str, h: dict) -> tuple[dict | None, dict | None]:
        uid = h.get("Uniqueid")
        key = self.index.get(f"{node}|{uid}")
        if key is None:
            self.effects.ignored += 1
            return None, None
        call = self.calls[key]
        chan = call["channels"][uid]
        self._touch(call, chan, h)
        return call, chan

    def _touch(self, call: dict, chan: dict, h: dict) -> None:
        """What every channel event says: tenant, state, caller id."""
        tenant = chan_vars(h).get("PBXFLOW_TENANT")
        if tenant and not call.get("tenant"):
            call["tenant"] = tenant
        if "ChannelState" in h:
            chan["state"] = h.get("ChannelStateDesc") or h["ChannelState"]
        if chan["uid"] == call["origin"]:
            num, name = _known(h.get("CallerIDNum")), _known(h.get("CallerIDName"))
            if num:
                call["caller"] = num
            if name:
                call["caller_name"] = name
        self.effects.active[call["key"]] = call

    def step(self, call: dict, at: float, step: str, **data: Any) -> None:
        protocol = call["protocol"]
        if len(protocol) >= MAX_PROTOCOL:
            if protocol[-1]["step"] != "truncated":
                protocol.append({"at": at, "step": "truncated"})
            return
        protocol.append({"at": at, "step": step, **{k: v for k, v in data.items() if v is not None}})

    # --- webhook events (F-CAL-7) ----------------------------------------------------

    def hook(self, call: dict, event: str, at: float, key: str | None = None, **data: Any) -> None:
        """A webhook event of this call. Held in the call's state until its tenant is known
        (a trunk's first channel has no tenant yet; the dialplan sets it), then emitted."""
        payload = {"event": event, "at": at, "call": hook_call(call), **{k: v for k, v in data.items() if v is not None}}
        call.setdefault("hooks_pending", []).append([key or f"{call['id']}:{event}", event, at, payload])
        self.effects.active[call["key"]] = call

    def _flush_hooks(self, call: dict, eff: Effects, *, final: bool = False) -> None:
        tenant = tenant_of(call)
        if tenant is None and not final:
            return
        pending = call.pop("hooks_pending", None) or []
        if tenant is None:
            return  # a call no tenant ever claimed (e.g. an unallocated DID): nobody to tell
        for key, event, at, payload in pending:
            eff.hooks.append((key, tenant, event, call["id"], at, payload))

    def new_channel(self, node: str, at: float, h: dict, *, reconciled: bool = False) -> tuple[dict, dict] | None:
        uid, linkedid = h.get("Uniqueid"), h.get("Linkedid") or h.get("Uniqueid")
        if not uid:
            return None
        ikey = f"{node}|{uid}"
        if ikey in self.index:
            call = self.calls[self.index[ikey]]
            chan = call["channels"][uid]
            self._touch(call, chan, h)
            return call, chan
        key = f"{node}|{linkedid}"
        call = self.calls.get(key)
        name = str(h.get("Channel", ""))
        endpoint, kind = endpoint_of(name)
        created = at
        if reconciled:
            created = at - _duration(h.get("Duration"))
        if call is None:
            call = {
                "key": key, "id": call_id(node, linkedid), "node": node, "linkedid": linkedid,
                "tenant": None, "started": created, "up": None, "answered": None, "ended": None,
                "origin": uid, "caller": None, "caller_name": None, "called": _known(h.get("Exten")),
                "answered_by": None, "answered_by_device": None, "answered_kind": None,
                "voicemail": None, "queue": None, "scheme": None, "node_id": None, "hop_limit": False,
                "dials": {}, "last_dial": None, "channels": {}, "protocol": [],
                "reconciled": reconciled, "partial": uid != linkedid, "hooked_new": False,
            }
            self.calls[key] = call
        if uid == linkedid and call["origin"] != uid:
            # The call was known from a later channel only (its first one unseen until now).
            call["origin"], call["called"], call["partial"] = uid, _known(h.get("Exten")), False
        chan = {"uid": uid, "name": name, "endpoint": endpoint, "kind": kind, "state": None,
                "created": created, "up": None, "ended": None, "cause": None, "bridge": None, "lost": False}
        call["channels"][uid] = chan
        self.index[ikey] = key
        self._touch(call, chan, h)
        if uid == call["origin"]:
            self.step(call, created, "start", caller=call["caller"], called=call["called"], channel=name,
                      reconciled=reconciled or None)
        if call.get("hooked_new") is False:  # (states from before webhooks lack the flag)
            call["hooked_new"] = True
            self.hook(call, "new_call", call["started"], reconciled=reconciled or None)
        return call, chan

    def _up(self, call: dict, chan: dict, at: float) -> None:
        if chan["up"] is not None:
            return
        chan["up"] = at
        if chan["uid"] == call["origin"]:
            if call["up"] is None:
                call["up"] = at
            return
        if chan["kind"] == "local" or call["answered"] is not None:
            return
        if _originated(call) and not call.get("originator"):
            # Click-to-call (pbxflow.calls.control): the first phone to answer is the caller's own.
            call["originator"] = chan["endpoint"]
            self.step(call, at, "originator", device=chan["endpoint"])
            return
        call["answered"] = at
        call["answered_kind"] = chan["kind"]
        call["answered_by_device"] = chan["endpoint"]
        dial = call["dials"].get(chan["uid"]) or {}
        if chan["kind"] == "device":
            call["answered_by"] = device_number(chan["endpoint"])
        elif chan["kind"] == "trunk":
            call["answered_by"] = _digits(str(dial.get("to", "")).split("@")[0]) or None
        else:
            call["answered_by"] = chan["endpoint"]
        self.step(call, at, "answered", by=call["answered_by"], device=chan["endpoint"])
        self.hook(call, "answered", at, answered_by=call["answered_by"], device=chan["endpoint"])

    def hangup(self, call: dict, chan: dict, at: float, cause: int | None, text: str | None, *, lost: bool = False) -> None:
        if chan["ended"] is not None:
            return
        chan["ended"] = at
        chan["cause"] = cause
        chan["lost"] = lost
        self.step(call, at, "lost" if lost else "hangup", channel=chan["name"], cause=cause, cause_text=text)
        if chan["kind"] != "local":
            self.hook(call, "leg_ended", at, key=f"{call['id']}:leg_ended:{chan['uid']}",
                      leg={"channel": chan["name"], "device": chan["endpoint"], "kind": chan["kind"],
                           "cause": cause, "cause_text": text, "lost": lost or None})
        if all(c["ended"] is not None for c in call["channels"].values()):
            self.finish(call, max(c["ended"] for c in call["channels"].values()))

    def finish(self, call: dict, at: float) -> None:
        call["ended"] = at
        row = history_row(call)
        self.step(call, at, "end", result=row["result"])
        row["protocol"] = call["protocol"]
        self.effects.finished.append(row)
        self.hook(call, "call_ended", at, result=row["result"], duration=row["duration"], billable_seconds=row["billable"])
        self._flush_hooks(call, self.effects, final=True)
        self.effects.removed.add(call["key"])
        if len(self.recently_finished) == self.recently_finished.maxlen:
            self._recent.discard(self.recently_finished[0])
        self.recently_finished.append(call["id"])
        self._recent.add(call["id"])
        self.effects.feed.append((row["tenant"], "call_end", {"id": call["id"], "result": row["result"], "ended_at": at}))
        for uid in call["channels"]:
            self.index.pop(f"{call['node']}|{uid}", None)
        self.calls.pop(call["key"], None)

    def reconcile(self, node: str, at: float, h: dict) -> None:
        """The node's own channel list after a (re)connect (``pbxflow.Reconcile``)."""
        before = float(h.get("before", at))
        # A call's first channel (Uniqueid = Linkedid) first: it is the call's origin.
        channels = sorted((c for c in h.get("channels", []) if c.get("Uniqueid")),
                          key=lambda c: c.get("Uniqueid") != (c.get("Linkedid") or c.get("Uniqueid")))
        listed = {c["Uniqueid"]: c for c in channels}
        # Channels Asterisk has and we do not: started while we were not listening.
        for uid, snap in listed.items():
            known = self.index.get(f"{node}|{uid}")
            if known is None and f"{node}|{snap.get('Linkedid') or uid}" not in self.calls and self.ended(
                    call_id(node, snap.get("Linkedid") or uid)):
                continue  # a list older than the call's end
            got = self.new_channel(node, before, snap, reconciled=known is None)
            if got is None:
                continue
            call, chan = got
            chan["bridge"] = snap.get("BridgeId") or None
            if snap.get("ChannelState") == UP:
                self._up(call, chan, before)
            if known is None and uid != call["origin"]:
                self.step(call, before, "seen", channel=chan["name"])
        for device in h.get("devices", ()):
            self.device_state(node, before, device)
        # Channels we think are live and Asterisk does not list: they ended unseen.
        for key in [k for k in list(self.calls) if self.calls[k]["node"] == node]:
            call = self.calls.get(key)
            if call is None:
                continue
            for uid, chan in list(call["channels"].items()):
                if key not in self.calls:
                    break
                if uid not in listed and chan["ended"] is None and chan["created"] < before:
                    self.effects.active[key] = call
                    self.hangup(call, chan, before, None, None, lost=True)

    def ended(self, cid: str) -> bool:
        if cid in self._recent:
            return True
        return bool(self.finished_check and self.finished_check(cid))

    def device_state(self, node: str, at: float, h: dict) -> None:
        device = str(h.get("Device", ""))
        if not device.startswith("PJSIP/"):
            return
        endpoint = device[len("PJSIP/"):]
        state = PRESENCE.get(str(h.get("State", "")).upper(), "unknown")
        key = f"{node}|{endpoint}"
        old = self.presence.get(key)
        if old is not None and old["state"] == state:
            return
        row = {"node": node, "device": endpoint, "tenant": device_tenant(endpoint), "state": state, "since": at}
        self.presence[key] = row
        self.effects.presence[key] = row
        self.effects.feed.append((row["tenant"], "presence", {"device": endpoint, "number": device_number(endpoint),
                                                             "state": state, "since": at, "node": node}))


# --- handlers -------------------------------------------------------------------------

def _newchannel(book: CallBook, node, at, h):
    book.new_channel(node, at, h)


def _newstate(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is not None and h.get("ChannelState") == UP:
        book._up(call, chan, at)


def _snapshot_only(book: CallBook, node, at, h):
    book._call_of(node, h)


def _newexten(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is None:
        return
    app = str(h.get("Application", ""))
    kind = PROTOCOL_APPS.get(app)
    if kind is None:
        return
    data = str(h.get("AppData", ""))
    arg = data.split(",")[0]
    if kind == "voicemail":
        box = arg.split("@")[0] or None
        call["voicemail"] = box
        book.step(call, at, "voicemail", box=box)
    elif kind == "queue":
        call["queue"] = arg
        book.step(call, at, "queue", queue=arg)
    else:
        book.step(call, at, kind, data=arg or None)


def _dial_begin(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is None:
        return
    dest = h.get("DestUniqueid")
    to = str(h.get("DialString", ""))
    dest_name = str(h.get("DestChannel", ""))
    endpoint, kind = endpoint_of(dest_name)
    call["dials"][dest] = {"to": to, "began": at, "device": endpoint, "kind": kind}
    number = device_number(endpoint) if kind == "device" else (_digits(to.split("@")[0]) or None)
    book.step(call, at, "dial", to=number or to, device=endpoint, kind=kind, channel=dest_name)


def _dial_end(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is None:
        return
    dest = h.get("DestUniqueid")
    dial = call["dials"].get(dest, {})
    status = str(h.get("DialStatus", "")) or None
    dial["status"] = status
    dial["ended"] = at
    began = dial.get("began")
    number = device_number(dial.get("device")) if dial.get("kind") == "device" else (
        _digits(str(dial.get("to", "")).split("@")[0]) or None)
    if dial.get("kind") != "local":
        call["last_dial"] = status
    book.step(call, at, "dial_end", to=number, device=dial.get("device"), status=status,
              seconds=round(at - began, 1) if began is not None else None)


def _bridge_enter(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is not None:
        chan["bridge"] = h.get("BridgeUniqueid")


def _bridge_leave(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is not None:
        chan["bridge"] = None


def _hangup(book: CallBook, node, at, h):
    call, chan = book._call_of(node, h)
    if call is not None:
        book.hangup(call, chan, at, _int(h.get("Cause")), _known(h.get("Cause-txt")))


def _user_event(book: CallBook, node, at, h):
    kind = h.get("UserEvent")
    if kind not in ("PbxflowNode", "PbxflowHopLimit", "PbxflowRecording"):
        return
    call, chan = book._call_of(node, h)
    if call is None:
        return
    if kind == "PbxflowRecording":
        file = str(h.get("File", ""))
        if RECORDING_FILE.fullmatch(file) and ".." not in file.split("/"):
            call.setdefault("recordings", []).append(file)
            book.step(call, at, "recording", file=file, device=chan["endpoint"])
        return
    scheme, revision = h.get("Scheme"), _int(h.get("Revision"))
    if kind == "PbxflowNode":
        call["scheme"] = {"key": scheme, "revision": revision}
        call["node_id"] = h.get("Node")
        book.step(call, at, "node", scheme=scheme, revision=revision, node=h.get("Node"))
    else:
        call["hop_limit"] = True
        book.step(call, at, "hop_limit", scheme=scheme, revision=revision)


def _queue(step: str):
    def handler(book: CallBook, node, at, h):
        call, chan = book._call_of(node, h)
        if call is None:
            return
        data = {"queue": h.get("Queue")}
        if step == "queue_join":
            data["position"] = _int(h.get("Position"))
        if step in ("agent_called", "agent_connect", "agent_no_answer"):
            data["member"] = _known(h.get("MemberName")) or _known(h.get("Interface"))
        if step == "agent_connect":
            data["hold_seconds"] = _int(h.get("HoldTime"))
        if step == "agent_no_answer":
            data["ring_ms"] = _int(h.get("RingTime"))
        if step == "queue_abandon":
            data["position"] = _int(h.get("Position"))
        if step == "agent_complete":  # who ended the talk: agent, caller or transfer
            data["member"] = _known(h.get("MemberName")) or _known(h.get("Interface"))
            data["reason"] = h.get("Reason")
        book.step(call, at, step, **data)
    return handler


def _dtmf(book: CallBook, node, at, h):
    if str(h.get("Direction", "")) != "Received":
        return
    call, chan = book._call_of(node, h)
    if call is not None and chan["uid"] == call["origin"]:
        book.step(call, at, "key", digit=h.get("Digit"))


def _simple(step: str):
    def handler(book: CallBook, node, at, h):
        call, chan = book._call_of(node, h)
        if call is not None:
            book.step(call, at, step, channel=chan["name"])
    return handler


def _transfer(book: CallBook, node, at, h):
    # Transfer events name the transferer with a prefix ("Transferer" + snapshot fields).
    uid = h.get("TransfererUniqueid") or h.get("OrigTransfererUniqueid")
    key = book.index.get(f"{node}|{uid}")
    if key is None:
        book.effects.ignored += 1
        return
    call = book.calls[key]
    book.effects.active[key] = call
    book.step(call, at, "transfer", kind="blind" if h.get("Event") == "BlindTransfer" else "attended",
              to=_known(h.get("Extension")), result=h.get("Result"))


def _reconcile(book: CallBook, node, at, h):
    book.reconcile(node, at, h)


def _device(book: CallBook, node, at, h):
    book.device_state(node, at, h)


_HANDLERS = {
    "Newchannel": _newchannel, "Newstate": _newstate, "NewCallerid": _snapshot_only,
    "NewConnectedLine": _snapshot_only, "Rename": _snapshot_only, "Newexten": _newexten,
    "DialBegin": _dial_begin, "DialEnd": _dial_end, "DialState": _snapshot_only,
    "BridgeEnter": _bridge_enter, "BridgeLeave": _bridge_leave, "Hangup": _hangup, "UserEvent": _user_event,
    "QueueCallerJoin": _queue("queue_join"), "QueueCallerLeave": _queue("queue_leave"),
    "QueueCallerAbandon": _queue("queue_abandon"), "AgentCalled": _queue("agent_called"),
    "AgentConnect": _queue("agent_connect"), "AgentRingNoAnswer": _queue("agent_no_answer"),
    "AgentComplete": _queue("agent_complete"),
    "DTMFEnd": _dtmf, "Hold": _simple("hold"), "Unhold": _simple("unhold"), "Pickup": _simple("picked_up"),
    "BlindTransfer": _transfer, "AttendedTransfer": _transfer,
    "DeviceStateChange": _device, "pbxflow.Reconcile": _reconcile,
}
# The AMI events the ingestion stores (besides CEL and pbxflow's own).
CALL_EVENTS = frozenset(set(_HANDLERS) - {"pbxflow.Reconcile"} | {"AgentDump", "ContactStatus",
                                                                    "LocalBridge", "CEL", "MixMonitorStart",
                                                                    "MixMonitorStop",
                                                                    # operator pauses, for the state reports (F-REP-2)
                                                                    "QueueMemberPause", "QueueMemberStatus"})


# --- derived facts ----------------------------------------------------------------------

def _originated(call: dict) -> bool:
    """A call placed by an AMI Originate through the ``pbxflow-originate`` context (click-to-call)."""
    origin = call["channels"].get(call["origin"]) or {}
    return str(origin.get("name", "")).startswith("Local/") and "@pbxflow-originate" in str(origin.get("name", ""))


def origin_of(call: dict) -> dict:
    return call["channels"].get(call["origin"]) or next(iter(call["channels"].values()))


def direction(call: dict) -> str:
    origin = origin_of(call)
    if origin["kind"] == "trunk":
        return "in"
    if origin["kind"] == "device" and len(_digits(call.get("called"))) >= 6:
        return "out"
    return "internal"


def did(call: dict) -> str | None:
    if origin_of(call)["kind"] != "trunk":
        return None
    digits = _digits(call.get("called"))
    return f"+{digits}" if digits else None


def tenant_of(call: dict) -> str | None:
    if call.get("tenant"):
        return call["tenant"]
    for chan in call["channels"].values():
        code = device_tenant(chan["endpoint"]) if chan["kind"] == "device" else None
        if code:
            return code
    return None


def result(call: dict) -> str:
    if call.get("answered") is not None:
        return "forwarded" if call.get("answered_kind") == "trunk" and direction(call) != "out" else "answered"
    if call.get("voicemail"):
        return "voicemail"
    if call.get("hop_limit"):
        return "failed"
    status = call.get("last_dial")
    if status == "BUSY":
        return "busy"
    if status in ("NOANSWER", "CANCEL"):
        return "no answer"
    if status in ("CHANUNAVAIL", "CONGESTION"):
        return "failed"
    origin = origin_of(call)
    cause = origin.get("cause")
    if cause in BUSY_CAUSES:
        return "busy"
    if cause in NO_ROUTE_CAUSES:
        return "no route"
    if call.get("up") is not None:
        return "answered"  # the PBX answered (IVR, message, conference) and nobody else did
    if origin.get("lost") or cause in NO_ANSWER_CAUSES or cause is None:
        return "no answer"
    return "failed"


def live_state(call: dict) -> str:
    if call.get("answered") is not None:
        origin = origin_of(call)
        return "talking" if origin.get("bridge") or any(c.get("bridge") for c in call["channels"].values()) else "answered"
    if call.get("voicemail"):
        return "voicemail"
    if any(d.get("ended") is None for d in call["dials"].values()):
        return "ringing"
    if call.get("queue"):
        return "queued"
    if call.get("up") is not None:
        return "ivr"
    return "routing"


def history_row(call: dict) -> dict:
    ended = call["ended"]
    started = call["started"]
    up = call.get("up")
    answered_at = call.get("answered")
    billable_from = up if up is not None else answered_at
    return {
        "id": call["id"], "node": call["node"], "linkedid": call["linkedid"], "tenant": tenant_of(call),
        "direction": direction(call), "result": result(call),
        "started": started, "answered": answered_at if answered_at is not None else up, "ended": ended,
        "duration": max(0, round(ended - started)),
        "billable": max(0, round(ended - billable_from)) if billable_from is not None else 0,
        "caller": call.get("caller"), "caller_name": call.get("caller_name"), "called": call.get("called"),
        "did": did(call), "answered_by": call.get("answered_by"), "answered_by_device": call.get("answered_by_device"),
        "scheme": (call.get("scheme") or {}).get("key"), "voicemail": call.get("voicemail"),
        "recording": (call.get("recordings") or [None])[0],  # the first; the protocol lists every one
        "reconciled": bool(call.get("reconciled") or any(c.get("lost") for c in call["channels"].values())),
    }


def hook_call(call: dict) -> dict:
    """The call as a webhook body shows it (times are node timestamps, seconds)."""
    return {"id": call["id"], "node": call["node"], "direction": direction(call), "caller": call.get("caller"),
            "caller_name": call.get("caller_name"), "called": call.get("called"), "did": did(call),
            "started_at": call["started"], "answered_at": call.get("answered"), "answered_by": call.get("answered_by")}


def public_summary(call: dict) -> dict:
    """An active call as the API and the event stream show it."""
    return {
        "id": call["id"], "node": call["node"], "direction": direction(call), "state": live_state(call),
        "caller": call.get("caller"), "caller_name": call.get("caller_name"), "called": call.get("called"),
        "did": did(call), "started_at": call["started"], "answered_at": call.get("answered"),
        "answered_by": call.get("answered_by"), "scheme": (call.get("scheme") or {}).get("key"),
        "scheme_node": call.get("node_id"), "queue": call.get("queue"),
        "channels": [{"name": c["name"], "device": c["endpoint"], "state": c["state"]}
                     for c in call["channels"].values() if c["ended"] is None],
    }
