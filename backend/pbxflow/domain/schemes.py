"""Routing schemes and their published revisions (F-RTE-1, F-RTE-3).

A scheme's stored document holds its name, its draft graph (one field per node, see
``pbxflow.routing.graph``) and what is live: ``published_revision``, ``revisions`` (how many
were published) and ``entries`` (the numbers its live revision answers). The live entries
are claimed: an internal number in the tenant's numbering plan (the same key as an
extension's number), an external number once per tenant, so two published schemes never
answer one number. A published revision is its own immutable object (kind
``scheme_revision``) whose id derives from the scheme and its number: two concurrent
publishes of one number collide in the event store, and one of them gets a 409.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from ..routing import graph as g
from . import kinds
from .common import Name, Text

REVISION_NAMESPACE = uuid.UUID("0c7d7c55-4bde-4b0e-9b1e-5d6a8f0e2a71")
LIVE_FIELDS = ("published_revision", "revisions", "entries")
Comment = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")]


class SchemeIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Text = ""
    graph: g.GraphIn | None = None


class SchemePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET


class _Meta(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Text = ""


def revision_id(scheme_id: str, number: int) -> uuid.UUID:
    return uuid.uuid5(REVISION_NAMESPACE, f"{scheme_id}:{number}")


class SchemeKind(kinds.Kind):
    name = "scheme"
    collection = "schemes"
    create_struct = SchemeIn
    patch_struct = SchemePatch
    search_fields = ("name", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        meta = kinds.to_plain(kinds.convert({k: data[k] for k in ("name", "description") if k in data}, _Meta))
        if "graph" in data and data["graph"] is not None:
            try:
                nodes = g.from_graph(data["graph"])
            except Invalid as exc:  # name the field as submitted: inside "graph"
                raise Invalid("graph" if exc.field == "body" else f"graph.{exc.field}", exc.detail.split(": ", 1)[-1]) from None
        else:
            nodes = {k: v for k, v in data.items() if k.startswith(g.NODE_PREFIX) and v is not None}
        doc = g.normalise({**meta, **nodes})
        # What is live changes only by publishing (never by a create or an edit).
        live = current or {}
        doc.update({"published_revision": live.get("published_revision"), "revisions": live.get("revisions", 0),
                    "entries": list(live.get("entries") or [])})
        return doc

    def claims(self, tenant_id: str | None, data: dict) -> list[kinds.Claimed]:
        out = []
        for number in data.get("entries") or ():
            if number.startswith("+"):
                out.append(kinds.Claimed(f"scheme-did:{tenant_id}:{number}", "entries", f"number {number} (as a scheme entry)"))
            else:
                out.append(kinds.Claimed(f"plan:{tenant_id}:{number}", "entries", f"number {number}"))
        return out

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        return {"name": data.get("name", ""), "description": data.get("description", ""), "graph": g.to_graph(data),
                "published_revision": data.get("published_revision"), "revisions": data.get("revisions", 0),
                "entries": data.get("entries") or []}


class SchemeRevisionKind(kinds.Kind):
    """An immutable published revision; created only by publishing."""

    name = "scheme_revision"
    collection = "scheme-revisions"
    create_struct = _Meta  # not created through a generic collection
    patch_struct = SchemePatch
    title_field = "name"

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        return dict(data)

    def fixed_id(self, data: dict):
        return revision_id(data["scheme_id"], data["number"])

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        return {"scheme_id": data["scheme_id"], "number": data["number"], "name": data.get("name", ""),
                "comment": data.get("comment", ""), "reverted_from": data.get("reverted_from"),
                "graph": g.to_graph(data.get("nodes") or {}), "entries": data.get("entries") or []}


SCHEME = kinds.register(SchemeKind())
SCHEME_REVISION = kinds.register(SchemeRevisionKind())
