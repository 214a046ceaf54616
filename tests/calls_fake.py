"""A fake AMI node with live channels, for the calls tests and bench/ingest.py.

``ChannelFake`` extends tests/fake_ami.FakeAmi: it plays scripted events
(``pbxflow.calls.synthetic``) to the logged-in sessions, keeps the channels they
create alive until their ``Hangup``, and answers ``CoreShowChannels`` and
``DeviceStateList`` from them, and ``Ping`` with its own clock, as Asterisk does.
"""

from __future__ import annotations

import asyncio

from fake_ami import FakeAmi, _format

from pbxflow.calls.synthetic import Clock

SNAPSHOT = ("Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "ConnectedLineNum",
            "ConnectedLineName", "Language", "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid",
            "ChanVariable")


class ChannelFake(FakeAmi):
    def __init__(self, clock: Clock | None = None, **kwargs):
        super().__init__(**kwargs)
        self.clock = clock or Clock()
        self.channels: dict[str, dict] = {}  # uniqueid -> snapshot and creation time
        self.devices: dict[str, str] = {}
        self.played = 0

    def track(self, h: dict) -> None:
        uid = h.get("Uniqueid")
        name = h.get("Event")
        if name == "DeviceStateChange":
            self.devices[h["Device"]] = h["State"]
        if not uid or "Channel" not in h:
            return
        if name == "Hangup":
            self.channels.pop(uid, None)
            return
        snap = {k: h[k] for k in SNAPSHOT if k in h}
        if name == "Newchannel":
            self.channels[uid] = {**snap, "_created": float(h["Timestamp"])}
        elif uid in self.channels:
            self.channels[uid].update(snap)
        if name == "BridgeEnter" and uid in self.channels:
            self.channels[uid]["BridgeId"] = h.get("BridgeUniqueid", "")

    async def play(self, events: list[dict], *, chunk: int = 200, deliver: bool = True) -> None:
        """Events happen on the node: its state changes; logged-in sessions get them (if ``deliver``)."""
        for start in range(0, len(events), chunk):
            part = events[start:start + chunk]
            for h in part:
                self.track(h)
            self.played += len(part)
            if not deliver:
                continue
            data = b"".join(_format(h) for h in part)
            for conn in list(self.conns.values()):
                if conn.authed:
                    async with conn.write_lock:
                        if conn.writer.transport.is_closing():
                            continue
                        conn.writer.write(data)
                        try:
                            await conn.writer.drain()
                        except ConnectionError:
                            pass

    async def _answer(self, conn, h: dict) -> bool:
        action = h.get("action", "").lower()
        if not conn.authed or action not in ("coreshowchannels", "devicestatelist", "ping"):
            return await super()._answer(conn, h)
        conn.actions_after_login += 1
        self.actions.append(h)
        if self.drop_after is not None and conn.actions_after_login >= self.drop_after:
            return False
        aid = h.get("actionid", "")
        if action == "ping":
            await self._reply(conn, {"Response": "Success", "ActionID": aid, "Ping": "Pong",
                                     "Timestamp": f"{self.clock.now:.6f}"})
            return True
        await self._reply(conn, {"Response": "Success", "ActionID": aid, "EventList": "start",
                                 "Message": "Channels will follow" if action == "coreshowchannels" else "Device State Changes will follow"})
        if action == "coreshowchannels":
            for ch in list(self.channels.values()):
                secs = max(0, int(self.clock.now - ch["_created"]))
                item = {"Event": "CoreShowChannel", "ActionID": aid,
                        **{k: v for k, v in ch.items() if not k.startswith("_") and k != "BridgeId"},
                        "Application": "Dial", "ApplicationData": "", "Duration": f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}",
                        "BridgeId": ch.get("BridgeId", "")}
                await self._reply(conn, item)
            await self._reply(conn, {"Event": "CoreShowChannelsComplete", "ActionID": aid, "EventList": "Complete",
                                     "ListItems": str(len(self.channels))})
        else:
            for device, state in list(self.devices.items()):
                await self._reply(conn, {"Event": "DeviceStateChange", "ActionID": aid, "Device": device, "State": state})
            await self._reply(conn, {"Event": "DeviceStateListComplete", "ActionID": aid, "EventList": "Complete",
                                     "ListItems": str(len(self.devices))})
        return True


async def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
