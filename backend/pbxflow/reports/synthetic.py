"""Synthetic inbound calls (trunk → extension) for the reports' tests and bench, in the shape of
pbxflow.calls.synthetic's internal calls: a trunk channel dials the DID's extension (optionally
through a group's queue), which answers or not; the answered leg may announce a recording."""

from __future__ import annotations

from pbxflow.calls.synthetic import CallScript, Channel

TRUNK = "trunk-0a1b2c3d"


def inbound(script: CallScript, did: str, caller: str, callee: str, outcome: str = "answered", *, ring: float = 2.0,
            talk: float = 30.0, queue: str | None = None, recording: str | None = None) -> str:
    """One call from ``caller`` (an outside number) to ``did``, routed to extension ``callee``:
    outcome answered | noanswer (the caller gives up: abandoned) | busy. Returns its linked id."""
    t = script.tenant
    seq = len(script.events)
    a = Channel(f"PJSIP/{TRUNK}-{seq:08x}", script._uid(), "", caller, "", "from-trunk", did.lstrip("+"), ("4", "Ring"))
    a.linkedid = a.uid
    script._emit("Newchannel", a)
    a.tenant = t
    if queue:
        script._emit("Newexten", a, Application="Queue", AppData=f"t-{t}-q{queue},t,,,60", Extension=did.lstrip("+"))
    b = Channel(f"PJSIP/{script.device(callee)}-{seq + 1:08x}", script._uid(), a.linkedid, callee, f"Ext {callee}",
                f"t-{t}-internal", "s")
    b.tenant = t
    script._emit("Newchannel", b)
    script._emit("DialBegin", a, DestChannel=b.name, DestUniqueid=b.uid, DialString=script.device(callee))
    if outcome == "busy":
        script._emit("DialEnd", a, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="BUSY")
        script._emit("Hangup", b, **{"Cause": "17", "Cause-txt": "User busy"})
        script._emit("Hangup", a, **{"Cause": "17", "Cause-txt": "User busy"})
        return a.linkedid
    b.state = ("5", "Ringing")
    script._emit("Newstate", b)
    if outcome == "noanswer":
        script._emit("DialEnd", a, seconds=ring, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="CANCEL")
        script._emit("Hangup", b, **{"Cause": "26", "Cause-txt": "Answered elsewhere"})
        script._emit("Hangup", a, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
        return a.linkedid
    return _answered(script, a, b, ring, talk, recording)


def outbound(script: CallScript, caller: str, number: str, outcome: str = "answered", *, ring: float = 2.0,
             talk: float = 20.0) -> str:
    """One call from extension ``caller`` to an outside ``number`` through the trunk."""
    t = script.tenant
    seq = len(script.events)
    a = Channel(f"PJSIP/{script.device(caller)}-{seq:08x}", script._uid(), "", caller, f"Ext {caller}",
                f"t-{t}-internal", number.lstrip("+"), ("4", "Ring"))
    a.linkedid = a.uid
    script._emit("Newchannel", a)
    a.tenant = t
    b = Channel(f"PJSIP/{TRUNK}-{seq + 1:08x}", script._uid(), a.linkedid, number, "", "from-trunk", "s")
    b.tenant = t
    script._emit("Newchannel", b)
    script._emit("DialBegin", a, DestChannel=b.name, DestUniqueid=b.uid, DialString=f"{number.lstrip('+')}@{TRUNK}")
    if outcome == "noanswer":
        script._emit("DialEnd", a, seconds=ring, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="NOANSWER")
        script._emit("Hangup", b, **{"Cause": "19", "Cause-txt": "No answer"})
        script._emit("Hangup", a, **{"Cause": "19", "Cause-txt": "No answer"})
        return a.linkedid
    return _answered(script, a, b, ring, talk)


def _answered(script: CallScript, a: Channel, b: Channel, ring: float, talk: float, recording: str | None = None) -> str:
    """The callee answers after ``ring`` s, both talk ``talk`` s, then the callee hangs up."""
    b.state = ("6", "Up")
    script._emit("Newstate", b, seconds=ring)
    script._emit("DialEnd", a, DestChannel=b.name, DestUniqueid=b.uid, DialStatus="ANSWER")
    a.state = ("6", "Up")
    script._emit("Newstate", a)
    if recording:
        script._emit("UserEvent", b, UserEvent="PbxflowRecording", File=recording)
    script._emit("Hangup", b, seconds=talk, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
    script._emit("Hangup", a, **{"Cause": "16", "Cause-txt": "Normal Clearing"})
    return a.linkedid
