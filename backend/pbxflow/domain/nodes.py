"""Asterisk nodes the platform applies its configuration to; their apply history is events."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from . import kinds

NodeName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9.:_-]+$(?!\n)")]


class NodeIn(msgspec.Struct, forbid_unknown_fields=True):
    name: NodeName


class NodePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: NodeName | UnsetType = UNSET


class NodeKind(kinds.Kind):
    name = "asterisk_node"
    collection = "asterisk-nodes"
    scope = "platform"
    create_struct = NodeIn
    patch_struct = NodePatch

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"asterisk-node:{data['name']}", "name", f"node {data['name']}")]


NODE = kinds.register(NodeKind())
