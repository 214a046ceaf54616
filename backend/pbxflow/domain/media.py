"""Media files: uploaded audio converted to the telephony format (F-CMP-5).

The audio itself is not in the event store: the upload handler (``api/media.py``)
probes and converts the file (``media_convert.py``) and stores it on disk under the
object's id; the ``media`` object records what was stored (name, source format,
duration, size, checksum) and what it is used for (``moh_class``). Clients create
media only by uploading (``POST /api/tenants/{tid}/media``); they change ``name``,
``moh_class`` and ``description`` with PATCH.

A tenant's music-on-hold classes are the distinct ``moh_class`` values of its media:
class ``default`` is the tenant's default music on hold. See docs/components-telephony.md.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Name, Text

Uuid = Annotated[str, msgspec.Meta(max_length=36, pattern=r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$(?!\n)",
                                   description="an object id (UUID)")]
# A music-on-hold class name: part of an Asterisk class name (t-<code>-<class>).
MohClass = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$(?!\n)",
                                       description="music-on-hold class (lower-case letters, digits, _ and -); 'default' is the tenant's default")]
SourceFormat = Literal["mp3", "wav", "ogg", "m4a"]
Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")]
# The name the file had on the uploader's machine: shown only, never used as a path.
FileName = Annotated[str, msgspec.Meta(max_length=255, pattern=r"^[^\x00-\x1f\x7f/\\]*$(?!\n)")]

DEFAULT_MOH_CLASS = "default"


class MediaIn(msgspec.Struct, forbid_unknown_fields=True):
    """The stored document; written by the upload handler, not posted by clients."""

    name: Name
    format: SourceFormat
    codec: Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[A-Za-z0-9_.-]*$(?!\n)")]
    duration_ms: Annotated[int, msgspec.Meta(ge=0)]
    size: Annotated[int, msgspec.Meta(ge=1)]
    sha256: Sha256
    filename: FileName = ""
    sample_rate: Annotated[int, msgspec.Meta(ge=0)] = 0
    channels: Annotated[int, msgspec.Meta(ge=0)] = 0
    moh_class: MohClass | None = None
    description: Text = ""


class MediaPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    moh_class: MohClass | None | UnsetType = UNSET
    description: Text | UnsetType = UNSET


class UploadFields(msgspec.Struct, forbid_unknown_fields=True):
    """The form fields (or query parameters) that may accompany an upload."""

    name: Name | None = None
    moh_class: MohClass | None = None
    description: Text = ""


def canonical_uuid(field: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(field, f"{value!r} is not an object id (UUID)") from None


def default_name(filename: str) -> str:
    """A display name from an uploaded file name: without the extension, printable."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename or "").strip()
    stem = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", stem)[:100].strip()
    return stem or "audio"


class MediaKind(kinds.Kind):
    name = "media"
    collection = "media"
    create_struct = MediaIn
    patch_struct = MediaPatch
    search_fields = ("name", "filename", "description", "moh_class")
    order_fields = ("name", "moh_class")

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, MediaIn))
        if current is not None:
            # What was converted and stored never changes; re-upload as a new media object.
            for key in ("format", "codec", "duration_ms", "size", "sha256", "filename", "sample_rate", "channels"):
                if doc.get(key) != current.get(key):
                    raise Invalid(key, "is fixed by the uploaded file; upload a new file instead")
        return doc

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        return {"moh_class": None, "description": "", **data}


MEDIA = kinds.register(MediaKind())
