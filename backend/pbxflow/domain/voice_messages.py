"""Voice messages: a media file played a number of times (F-CMP-5, the message part).

``media_id`` refers to an uploaded media file. Until the media kind is registered it is only
checked for its shape (a UUID); once a kind serves the ``media`` collection, it is also
checked to exist in the same tenant (``references``). ``text`` is what the message says:
shown in lists and the canvas, and the placeholder while no media is attached.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Name, Text

Uuid = Annotated[str, msgspec.Meta(max_length=36, pattern=r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$(?!\n)",
                                   description="an object id (UUID)")]
# One line: the text may end up in generated config comments and logs.
SpokenText = Annotated[str, msgspec.Meta(max_length=1000, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")]
Repeat = Annotated[int, msgspec.Meta(ge=1, le=10)]
Pause = Annotated[int, msgspec.Meta(ge=0, le=60)]


class VoiceMessageIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    media_id: Uuid | None = None
    text: SpokenText = ""
    repeat: Repeat = 1
    pause_seconds: Pause = 0  # silence between repetitions
    description: Text = ""


class VoiceMessagePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    media_id: Uuid | None | UnsetType = UNSET
    text: SpokenText | UnsetType = UNSET
    repeat: Repeat | UnsetType = UNSET
    pause_seconds: Pause | UnsetType = UNSET
    description: Text | UnsetType = UNSET


def canonical_uuid(field: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(field, f"{value!r} is not an object id (UUID)") from None


def media_kind() -> str | None:
    """The kind serving /media, once another module registers it."""
    kind = kinds.BY_COLLECTION.get("media")
    return kind.name if kind else None


class VoiceMessageKind(kinds.Kind):
    name = "voice_message"
    collection = "voice-messages"
    create_struct = VoiceMessageIn
    patch_struct = VoiceMessagePatch
    search_fields = ("name", "text", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, VoiceMessageIn))
        if doc["media_id"]:
            doc["media_id"] = canonical_uuid("media_id", doc["media_id"])
        elif not doc["text"].strip():
            raise Invalid("media_id", "a voice message needs a media file (media_id) or, until one is uploaded, its text")
        return doc

    def references(self, data: dict) -> dict[str, tuple[str, str]]:
        media = media_kind()
        return {"media_id": (media, data["media_id"])} if media and data.get("media_id") else {}

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        return {"media_id": None, "text": "", "description": "", **data}


VOICE_MESSAGE = kinds.register(VoiceMessageKind())
