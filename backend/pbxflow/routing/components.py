"""What a scheme refers to, as plain data: the tenant's components by id (pure).

Built by the caller from the event store (publish), the read model (validation, simulation)
or the renderer's source; the validator, the simulator and the compiler only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Components:
    tenant_code: str = "t"
    timezone: str = "UTC"
    extensions: dict[str, dict] = field(default_factory=dict)
    groups: dict[str, dict] = field(default_factory=dict)
    schedules: dict[str, dict] = field(default_factory=dict)
    classifiers: dict[str, dict] = field(default_factory=dict)
    voice_messages: dict[str, dict] = field(default_factory=dict)
    ivr_menus: dict[str, dict] = field(default_factory=dict)
    voicemail_boxes: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)
    dids: frozenset[str] = frozenset()  # the tenant's external numbers, "+<digits>"
    numbering: dict = field(default_factory=dict)  # the tenant's numbering plan settings

    BY_KIND = {
        "extension": "extensions", "group": "groups", "schedule": "schedules", "classifier": "classifiers",
        "voice_message": "voice_messages", "ivr_menu": "ivr_menus", "voicemail_box": "voicemail_boxes",
        "media": "media",
    }

    def get(self, kind: str, obj_id: str | None) -> dict | None:
        if not obj_id:
            return None
        return getattr(self, self.BY_KIND[kind]).get(obj_id)

    def internal_numbers(self) -> dict[str, str]:
        """Numbers of extensions and groups -> what they are ("extension 201")."""
        out = {e["number"]: f"extension {e['number']}" for e in self.extensions.values() if e.get("number")}
        out.update({g["number"]: f"group {g['number']}" for g in self.groups.values() if g.get("number")})
        return out

    def menu_chain(self, menu_id: str | None) -> list[str]:
        """A scheme IVR's menus: the node's menu first, then every menu reachable by ``ivr_menu``
        actions (keys and exits), breadth first in key order; missing menus are left out
        (validation reports them). Compiler and simulator number nested menus by this order."""
        out = [menu_id or ""]
        i = 0
        while i < len(out):
            menu = self.ivr_menus.get(out[i]) or {}
            items = list(menu.get("keys", ())) + [menu.get(f) or {} for f in ("default_exit", "timeout_exit")]
            for item in items:
                target = item.get("target")
                if item.get("action") == "ivr_menu" and target in self.ivr_menus and target not in out:
                    out.append(target)
            i += 1
        return out

    def direct_numbers(self, menu: dict) -> list[str]:
        """The internal numbers a caller may dial in ``menu`` while it plays (``allow_direct_dial``):
        those whose first digit is not one of the menu's keys, so that a key never waits for more
        digits (Asterisk waits the inter-digit timeout when a key also starts a longer extension)."""
        if not menu.get("allow_direct_dial"):
            return []
        keys = {k["key"] for k in menu.get("keys", ())}
        return sorted(n for n in self.internal_numbers() if n[:1] not in keys)

    def dial_direct_digits(self) -> int:
        """How many digits the ``dial_direct`` menu action reads at most: the longest internal number."""
        return max((len(n) for n in self.internal_numbers()), default=8)

    def message_seconds(self, message_id: str | None) -> float:
        """How long a voice message plays: its media's duration times repeat, plus pauses."""
        msg = self.voice_messages.get(message_id or "")
        if not msg:
            return 0.0
        media = self.media.get(msg.get("media_id") or "")
        if not media:
            return 0.0
        repeat = int(msg.get("repeat", 1))
        return repeat * media.get("duration_ms", 0) / 1000 + (repeat - 1) * int(msg.get("pause_seconds", 0))

    def message_media(self, message_id: str | None) -> list[str]:
        """The media ids a voice message plays as a prompt: its file ``repeat`` times, no pauses."""
        msg = self.voice_messages.get(message_id or "")
        if not msg or msg.get("media_id") not in self.media:
            return []
        return [msg["media_id"]] * int(msg.get("repeat", 1))

    def prompt_seconds(self, message_id: str | None) -> float:
        """How long a voice message plays as a prompt."""
        return self.media_seconds(self.message_media(message_id))

    def media_seconds(self, media_ids: list[str]) -> float:
        return sum(self.media[m].get("duration_ms", 0) for m in media_ids) / 1000

    def group_greeting(self, group: dict) -> tuple[list[str], int, bool]:
        """The media a group plays before queueing the caller, the pause between them (a voice
        message's ``pause_seconds``, as its own node and render.py play it), and whether it answers
        the call (a greeting, music on hold or announcements need an answered call)."""
        if group.get("greeting_media_id") in self.media:
            media, pause = [group["greeting_media_id"]], 0
        else:
            media = self.message_media(group.get("greeting_message_id"))
            msg = self.voice_messages.get(group.get("greeting_message_id") or "") or {}
            pause = int(msg.get("pause_seconds", 0)) if len(media) > 1 else 0
        answers = bool(media or group.get("moh_class") or group.get("announce_position") or group.get("announce_holdtime"))
        return media, pause, answers

    @classmethod
    def from_objects(cls, tenant: dict, objects: list[tuple[str, str, dict]], *, tenant_code: str | None = None) -> "Components":
        """From (kind, id, data) triples of one tenant; numbers are the tenant's DIDs."""
        by: dict[str, dict[str, dict]] = {v: {} for v in cls.BY_KIND.values()}
        dids = set()
        for kind, obj_id, data in objects:
            if kind in cls.BY_KIND:
                by[cls.BY_KIND[kind]][obj_id] = {**data, "id": obj_id}
            elif kind == "number" and data.get("number"):
                dids.add("+" + data["number"].lstrip("+"))
        return cls(tenant_code=tenant_code or tenant.get("code", "t"), timezone=tenant.get("timezone", "UTC"),
                   dids=frozenset(dids), numbering=tenant.get("numbering") or {}, **by)
