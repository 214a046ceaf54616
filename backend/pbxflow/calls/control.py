"""Call control over AMI (F-CAL-4, F-CAL-5): click-to-call, hang up, listen / whisper / barge.

Every action is built here from the read models, never from client text: the dialplan
context is the tenant's own (``t-<code>-internal``), the dial strings are the extension's
devices, the channels to hang up or spy on are the live channels of a call of the tenant
(calls read model). Clients only choose among those, so nothing can reach another tenant.

The phones are rung through ``Local/<number>@pbxflow-originate`` (asterisk/base/extensions.conf):
that context dials ``PBXFLOW_RING`` (the devices' dial strings) for ``PBXFLOW_RING_TIME``
seconds, showing ``PBXFLOW_SHOW`` as the caller. Once a device answers, the originated
channel continues where the action says: the tenant's internal context (click-to-call) or
``ChanSpy`` on the call's channel (supervisor).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import uuid
from typing import Any, Iterable

from projections.asterisk.render import dial_legs, tenant_context
from projections.calls.model import call_id as make_call_id
from projections.calls.model import device_tenant

from ..ami import AmiError
from ..errors import Conflict, DomainError

log = logging.getLogger(__name__)

ORIGINATE_CONTEXT = "pbxflow-originate"
SPY_OPTIONS = {"listen": "qES", "whisper": "qESw", "barge": "qESB"}


class PbxUnavailable(DomainError):
    status = 503
    title = "PBX unavailable"


class CallControl:
    """AMI actions on the nodes of ``urls`` (``None``: ``PBXFLOW_AMI_URL``), on a loop thread of its own."""

    def __init__(self, urls: Any = None, *, timeout: float = 10.0, **node_options: Any):
        from ..ami import AmiReloader

        self.timeout = timeout
        self.ami = AmiReloader(urls, timeout=timeout, events="off", **node_options)

    def close(self) -> None:
        self.ami.close()

    # --- AMI --------------------------------------------------------------------------

    def _node(self, name: str | None):
        nodes = self.ami.nodes
        if name is None:
            return nodes[0]
        for node in nodes:
            if node.name == name:
                return node
        raise PbxUnavailable(f"the call is on Asterisk node {name}, which this server does not control")

    def send(self, node_name: str | None, action: dict) -> Any:
        node = self._node(node_name)
        # as_list=False: an asynchronous Originate answers at once ("successfully queued"); panoramisk
        # would otherwise wait for its OriginateResponse event, which a session without events never gets.
        future = asyncio.run_coroutine_threadsafe(node.action(action, self.timeout, as_list=False), self.ami._loop)
        try:
            answer = future.result(self.timeout + 5.0)
        except AmiError as exc:  # not connected, no answer in time, connection lost
            raise PbxUnavailable(str(exc)) from None
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise PbxUnavailable(f"Asterisk node {node.name} did not answer {action['Action']}") from None
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        return answer

    @staticmethod
    def _ok(answer: Any) -> bool:
        return answer is not None and str(answer.get("Response", "")).lower() == "success"

    # --- actions ----------------------------------------------------------------------

    def _ring(self, code: str, ext: dict) -> tuple[str, int]:
        """The Local channel that rings the extension's devices, with its dial string and seconds."""
        legs = dial_legs(code, ext)
        if not legs:
            raise Conflict(f"extension {ext.get('number')} has no enabled device to ring")
        return "&".join(target for target, _ in legs), max(ring for _, ring in legs)

    def originate(self, code: str, ext: dict, to: str, *, node: str | None = None) -> dict:
        """Click-to-call: ring the extension's devices; when one answers, dial ``to`` in the
        tenant's internal context as the extension (its number is the caller id)."""
        ring, seconds = self._ring(code, ext)
        originate_id = str(uuid.uuid4())
        name = (ext.get("name") or ext["number"]).replace('"', "'")
        target_node = self._node(node)
        action = {
            "Action": "Originate", "Async": "true",
            "Channel": f"Local/{ext['number']}@{ORIGINATE_CONTEXT}",
            "Context": tenant_context(code, "internal"), "Exten": to, "Priority": "1",
            "CallerID": f'"{name}" <{ext["number"]}>', "Timeout": str((seconds + 5) * 1000),
            "ChannelId": originate_id, "OtherChannelId": f"{originate_id}-2",
            "Variable": [f"__PBXFLOW_TENANT={code}", f"PBXFLOW_RING={ring}", f"PBXFLOW_RING_TIME={seconds}",
                         f'PBXFLOW_SHOW="{to}" <{to}>'],
        }
        answer = self.send(target_node.name, action)
        if not self._ok(answer):
            raise PbxUnavailable(f"Asterisk refused the originate: {answer.get('Message') if answer else 'no answer'}")
        # An originated channel's linked id is its own unique id: the call's id is known now.
        return {"originate_id": originate_id, "call_id": make_call_id(target_node.name, originate_id),
                "node": target_node.name, "extension_id": ext.get("id"), "from": ext["number"], "to": to}

    def hangup(self, call: dict) -> list[str]:
        """Hang up every live channel of the call; the names that Asterisk hung up."""
        done = []
        for chan in live_channels(call):
            answer = self.send(call["node"], {"Action": "Hangup", "Channel": chan["name"], "Cause": "16"})
            if self._ok(answer):
                done.append(chan["name"])
        if not done:
            raise Conflict("the call has already ended")
        return done

    def spy(self, code: str, call: dict, mode: str, ext: dict) -> dict:
        """Ring the supervisor's extension; when answered, ChanSpy on the call's channel of the tenant."""
        target = spy_target(code, call, exclude=ext)
        ring, seconds = self._ring(code, ext)
        originate_id = str(uuid.uuid4())
        label = {"listen": "Listen", "whisper": "Whisper", "barge": "Barge"}[mode]
        shown = call.get("caller") or ""
        action = {
            "Action": "Originate", "Async": "true",
            "Channel": f"Local/{ext['number']}@{ORIGINATE_CONTEXT}",
            "Application": "ChanSpy", "Data": f"{target['name']},{SPY_OPTIONS[mode]}",
            "CallerID": f'"{label}" <{ext["number"]}>', "Timeout": str((seconds + 5) * 1000),
            "ChannelId": originate_id, "OtherChannelId": f"{originate_id}-2",
            "Variable": [f"__PBXFLOW_TENANT={code}", f"PBXFLOW_RING={ring}", f"PBXFLOW_RING_TIME={seconds}",
                         f'PBXFLOW_SHOW="{label} {shown}" <{shown or ext["number"]}>'],
        }
        answer = self.send(call["node"], action)
        if not self._ok(answer):
            raise PbxUnavailable(f"Asterisk refused the originate: {answer.get('Message') if answer else 'no answer'}")
        return {"originate_id": originate_id, "call_id": make_call_id(call["node"], originate_id), "mode": mode,
                "channel": target["name"], "extension_id": ext.get("id")}


def live_channels(call: dict) -> list[dict]:
    return [c for c in call.get("channels") or [] if c.get("name")]


def spy_target(code: str, call: dict, exclude: dict | None = None) -> dict:
    """The channel to spy on: an answered channel of one of the tenant's own devices (not the
    supervisor's), else an answered channel of another party of the call (trunk); never a
    Local half and never another tenant's device."""
    own_devices = {d.get("username") for d in (exclude or {}).get("devices", [])}
    mine, others = [], []
    for chan in live_channels(call):
        name, device = chan["name"], chan.get("device")
        if name.startswith("Local/") or chan.get("state") != "Up" or device in own_devices:
            continue
        tenant = device_tenant(device)
        if tenant == code:
            mine.append(chan)
        elif tenant is None and device and device.startswith("trunk-"):
            others.append(chan)
    if not mine and not others:
        raise Conflict("the call has no answered channel of this tenant to listen to")
    return (mine or others)[0]


_lock = threading.Lock()


def control_for(svc, urls: Iterable[str] | str | None = None) -> CallControl:
    """The service's CallControl, made on first use (``urls`` or ``PBXFLOW_AMI_URL``)."""
    with _lock:
        ctl = getattr(svc, "control", None)
        if ctl is None:
            try:
                ctl = CallControl(urls)
            except ValueError as exc:  # no AMI node configured
                raise PbxUnavailable(f"no Asterisk node to control: {exc}") from None
            svc.control = ctl
        return ctl
