"""The configuration application: commands on directory objects, kept in the event store.

Commands are plain methods taking the acting ``Actor``; every event they record
carries the actor's metadata. Reads for decisions come from the event store
(consistent); lists for the API come from the read models (projections).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from .context import Actor
from .domain import kinds
from .domain import extensions as _extensions  # noqa: F401  (registers the kind)
from .domain import numbers as _numbers  # noqa: F401
from .domain import tenants as _tenants  # noqa: F401
from .domain import trunks as _trunks  # noqa: F401
from .domain import nodes as _nodes  # noqa: F401
from .domain import users as _users  # noqa: F401
from .domain import classifiers as _classifiers, ivr as _ivr, schedules as _schedules, voice_messages as _voice_messages  # noqa: F401
from .domain import groups as _groups, media as _media, pickup as _pickup, voicemail as _voicemail  # noqa: F401
from .domain import webhooks as _webhooks  # noqa: F401  (F-CAL-7)
from .domain import schemes as _schemes
from .routing import graph as _graph
from .routing.validate import entries as _scheme_entries
from .domain.objects import Claim, DirectoryObject
from .domain.passwords import verify_password
from .errors import Conflict, Invalid, NotFound, PublishRefused, VersionConflict


@dataclass(frozen=True)
class Result:
    """What a command returns: the object as stored, and where to wait for read models."""

    id: str
    kind: str
    tenant_id: str | None
    version: int
    data: dict
    notification_id: int | None  # wait for this one (the command's last event)
    deleted: bool = False
    position: int | None = None  # the object's own last event: its position in the action history


def _check_text(value: Any, path: str = "") -> None:
    """No NUL character may be stored: PostgreSQL text and JSONB cannot hold one, so the
    read-model projection would stop on it (and with it every later write)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Invalid(path or "body", "must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path or "body")
            _check_text(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_text(item, f"{path}[{i}]")


def _resubmittable(data: dict) -> dict:
    """Stored data as a create command takes it (server-assigned fields are regenerated)."""
    out = dict(data)
    if "password_hash" in out:
        out.pop("password_hash")
        out["password"] = "restored-" + uuid.uuid4().hex  # the old hash cannot be re-entered; a reset is needed
    if isinstance(out.get("devices"), list):  # devices get new ids and SIP usernames, keep their passwords
        out["devices"] = [{k: v for k, v in d.items() if k not in ("id", "username")} for d in out["devices"]]
    return out


def _result(obj: DirectoryObject, saved: "tuple[int | None, dict] | None") -> Result:
    wait_for, positions = saved or (None, {})
    position = positions.get(obj.id)
    # The read model follows object events only; waiting for the object's own event is enough.
    return Result(str(obj.id), obj.kind, obj.tenant_id, obj.version, obj.data, position or wait_for, obj.deleted, position)


class ConfigApplication(Application[uuid.UUID]):
    """Configuration of the whole platform: tenants and everything they own."""

    name = "Config"
    # Hook for checks that need the read model (e.g. "tenant still has objects").
    dependents: Callable[[str], int] | None = None
    # Hook: names of published schemes whose live revision uses an object (tenant id, object id).
    live_users: Callable[[str, str], list[str]] | None = None

    # --- reads from the store -------------------------------------------------

    def head_position(self) -> int:
        """The last notification the directory read model must reach (object events only)."""
        from eventsourcing.utils import get_topic

        topics = [get_topic(c) for c in (DirectoryObject.Created, DirectoryObject.Changed, DirectoryObject.Noted, DirectoryObject.Deleted)]
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT max(notification_id) AS m FROM {self.recorder.events_table_name} WHERE topic = ANY(%s)", (topics,))
            row = cur.fetchone()
        return (row["m"] if isinstance(row, dict) else row[0]) or 0

    def load(self, kind: str, obj_id: str | uuid.UUID, tenant_id: str | None = None, *, version: int | None = None) -> DirectoryObject:
        """An object of this kind; another tenant's object is 'not found'."""
        try:
            oid = obj_id if isinstance(obj_id, uuid.UUID) else uuid.UUID(str(obj_id))
            obj = self.repository.get(oid, version=version)
        except (AggregateNotFoundError, ValueError):
            raise NotFound(f"no {kind} with id {obj_id}") from None
        if not isinstance(obj, DirectoryObject) or obj.kind != kind or obj.deleted:
            raise NotFound(f"no {kind} with id {obj_id}")
        if tenant_id is not None and obj.tenant_id != tenant_id:
            raise NotFound(f"no {kind} with id {obj_id}")
        return obj

    def tenant_doc(self, tenant_id: str) -> dict:
        return self.load("tenant", tenant_id).data

    def claim_owner(self, key: str) -> str | None:
        try:
            return self.repository.get(Claim.id_for(key)).owner
        except AggregateNotFoundError:
            return None

    # --- commands -------------------------------------------------------------

    def create(self, actor: Actor, kind_name: str, tenant_id: str | None, data: dict, *, obj_id: uuid.UUID | None = None) -> Result:
        kind = kinds.get(kind_name)
        tenant = self._tenant_for(kind, tenant_id, data)
        doc = kind.normalise(data, tenant=tenant, current=None)
        _check_text(doc)
        obj_id = obj_id or kind.fixed_id(doc) or uuid.uuid4()
        self._check_references(kind, tenant_id, doc)
        claims = self._claim(kind, tenant_id, str(obj_id), old=[], new=kind.claims(tenant_id, doc))
        obj = DirectoryObject.new(kind.name, tenant_id, doc, actor.meta(tenant_id), id=obj_id)
        return _result(obj, self._save(obj, *claims))

    def update(self, actor: Actor, kind_name: str, tenant_id: str | None, obj_id: str, expected_version: int | None, patch: dict, *, action: str = "change") -> Result:
        kind = kinds.get(kind_name)
        kinds.convert(patch, kind.patch_struct)  # unknown fields and types, named
        obj = self.load(kind.name, obj_id, tenant_id)
        self._check_version(obj, expected_version)
        tenant = self._tenant_for(kind, obj.tenant_id, obj.data)
        merged = {**obj.data, **patch}
        doc = kind.normalise(merged, tenant=tenant, current=obj.data)
        _check_text(doc)
        self._check_references(kind, obj.tenant_id, doc, current=obj.data)
        claims = self._claim(kind, obj.tenant_id, str(obj.id), old=kind.claims(obj.tenant_id, obj.data), new=kind.claims(obj.tenant_id, doc))
        if not obj.change(doc, actor.meta(obj.tenant_id), action=action):
            return _result(obj, None)
        return _result(obj, self._save(obj, *claims))

    def delete(self, actor: Actor, kind_name: str, tenant_id: str | None, obj_id: str, expected_version: int | None) -> Result:
        kind = kinds.get(kind_name)
        obj = self.load(kind.name, obj_id, tenant_id)
        self._check_version(obj, expected_version)
        if kind.name == "tenant" and self.dependents is not None:
            count = self.dependents(str(obj.id))
            if count:
                raise Conflict(f"tenant still owns {count} objects (users, extensions, numbers); remove them first")
        if kind.name == "number" and obj.tenant_id is not None:
            raise Conflict("number is allocated to a tenant; release it first")
        if obj.tenant_id is not None and kind.name not in ("scheme", "tenant") and self.live_users is not None:
            users = self.live_users(obj.tenant_id, str(obj.id))
            if users:
                raise Conflict(f"{kind.name} is used by the published routing scheme(s) {', '.join(map(repr, users))}; "
                               "publish them without it first", extra={"schemes": users})
        claims = self._claim(kind, obj.tenant_id, str(obj.id), old=kind.claims(obj.tenant_id, obj.data), new=[])
        obj.delete(actor.meta(obj.tenant_id))
        return _result(obj, self._save(obj, *claims))

    def allocate_number(self, actor: Actor, tenant_id: str, number: str) -> Result:
        self.load("tenant", tenant_id)
        obj = self._pool_number(number)
        if obj.tenant_id == tenant_id:
            raise Conflict(f"number {obj.data['number']} is already allocated to this tenant", fields=["number"])
        if obj.tenant_id is not None:
            raise Conflict(f"number {obj.data['number']} is allocated to another tenant", fields=["number"])
        obj.change(obj.data, actor.meta(tenant_id), action="allocate", tenant_id=tenant_id)
        return _result(obj, self._save(obj))

    def release_number(self, actor: Actor, tenant_id: str, obj_id: str, expected_version: int | None) -> Result:
        obj = self.load("number", obj_id, tenant_id)
        self._check_version(obj, expected_version)
        # The tenant's routing choice stays with the tenant: the next holder starts from "ring everyone".
        obj.change({**obj.data, "destination": None}, actor.meta(tenant_id), action="release", tenant_id=None)
        return _result(obj, self._save(obj))

    def record_apply(self, node: str, action: str, details: dict) -> Result:
        """An apply of the generated config to an Asterisk node succeeded or failed (an event)."""
        from .context import SYSTEM

        owner = self.claim_owner(f"asterisk-node:{node}")
        if owner is None:
            created = self.create(SYSTEM, "asterisk_node", None, {"name": node})
            owner = created.id
        obj = self.load("asterisk_node", owner)
        obj.note(action, details, SYSTEM.meta(None))
        return _result(obj, self._save(obj))

    # --- reverting (F-AUD-3) ------------------------------------------------------

    def revert_diff(self, actor: Actor, obj_id: str, diff: dict) -> Result:
        """Put back the old values of one recorded change; refused when later changes touched them."""
        obj = self._load_any(obj_id)
        kind = kinds.get(obj.kind)
        current = {**obj.data, "tenant_id": obj.tenant_id}
        conflicts = sorted(k for k, (_old, new) in diff.items() if current.get(k) != new)
        if conflicts:
            raise Conflict(f"later changes touched {', '.join(conflicts)}; revert those first or edit by hand",
                           fields=conflicts)
        doc = dict(obj.data)
        for key, (old, _new) in diff.items():
            if key == "tenant_id":
                continue
            if old is None:
                doc.pop(key, None)
            else:
                doc[key] = old
        move = diff["tenant_id"][0] if "tenant_id" in diff else ...
        tenant_id = obj.tenant_id if move is ... else move
        tenant = self._tenant_for(kind, tenant_id, doc)
        doc = kind.normalise(doc, tenant=tenant, current=obj.data)
        self._check_references(kind, tenant_id, doc)
        claims = self._claim(kind, tenant_id, str(obj.id), old=kind.claims(obj.tenant_id, obj.data), new=kind.claims(tenant_id, doc))
        obj.change(doc, actor.meta(tenant_id or obj.tenant_id), action="revert", tenant_id=move)
        return _result(obj, self._save(obj, *claims))

    def revert_create(self, actor: Actor, obj_id: str, version: int) -> Result:
        obj = self._load_any(obj_id)
        if obj.version != version:
            raise Conflict(f"the object changed {obj.version - version} times since it was created; revert those changes first")
        return self.delete(actor, obj.kind, None, obj_id, version)

    def restore(self, actor: Actor, old: DirectoryObject) -> Result:
        """Make an object look as ``old`` does: a change, or a re-creation under a new id if deleted."""
        try:
            obj = self._load_any(str(old.id))
        except NotFound:
            return self.create(actor, old.kind, old.tenant_id, _resubmittable(old.data))
        kind = kinds.get(obj.kind)
        tenant = self._tenant_for(kind, obj.tenant_id, old.data)
        doc = kind.normalise({**old.data}, tenant=tenant, current=obj.data)
        self._check_references(kind, obj.tenant_id, doc)
        claims = self._claim(kind, obj.tenant_id, str(obj.id), old=kind.claims(obj.tenant_id, obj.data), new=kind.claims(obj.tenant_id, doc))
        if not obj.change(doc, actor.meta(obj.tenant_id), action="restore"):
            return _result(obj, None)
        return _result(obj, self._save(obj, *claims))

    # --- routing schemes --------------------------------------------------------

    def edit_scheme(self, actor: Actor, tenant_id: str, scheme_id: str, expected_version: int | None, body: Any) -> Result:
        """One editing command on a scheme's draft (one event, named after the command)."""
        cmd = _graph.parse_command(body)
        obj = self.load("scheme", scheme_id, tenant_id)
        self._check_version(obj, expected_version)
        new, action, _node = _graph.apply(obj.data, cmd)
        doc = _schemes.SCHEME.normalise(new, tenant=None, current=obj.data)
        _check_text(doc)
        if not obj.change(doc, actor.meta(obj.tenant_id), action=action):
            return _result(obj, None)
        return _result(obj, self._save(obj))

    def replace_scheme_draft(self, actor: Actor, tenant_id: str, scheme_id: str, expected_version: int | None, graph: Any) -> Result:
        """The whole draft replaced (import): nodes not in ``graph`` are removed."""
        obj = self.load("scheme", scheme_id, tenant_id)
        self._check_version(obj, expected_version)
        new = _graph.replace_nodes(obj.data, _graph.from_graph(graph))
        doc = _schemes.SCHEME.normalise(new, tenant=None, current=obj.data)
        _check_text(doc)
        if not obj.change(doc, actor.meta(obj.tenant_id), action="scheme.replace_draft"):
            return _result(obj, None)
        return _result(obj, self._save(obj))

    def publish_scheme(self, actor: Actor, tenant_id: str, scheme_id: str, expected_version: int | None, comment: str,
                       validator: Callable[[dict], list[dict]], *, revert_to: int | None = None) -> tuple[Result, Result]:
        """Publish the draft (or, with ``revert_to``, that revision's graph) as the next revision, atomically.

        ``validator`` returns the findings for a scheme document (errors refuse the publish).
        """
        kind = _schemes.SCHEME
        obj = self.load("scheme", scheme_id, tenant_id)
        self._check_version(obj, expected_version)
        doc = dict(obj.data)
        if revert_to is not None:
            old = self.load("scheme_revision", _schemes.revision_id(str(obj.id), revert_to), tenant_id)
            doc = _graph.replace_nodes(doc, old.data["nodes"])
            doc = {k: v for k, v in doc.items() if v is not None or not k.startswith(_graph.NODE_PREFIX)}
        errors = [f for f in validator(doc) if f["severity"] == "error"]
        if errors:
            raise PublishRefused(errors)
        number = int(doc.get("revisions") or 0) + 1
        nodes = {k: v for k, v in doc.items() if k.startswith(_graph.NODE_PREFIX)}
        entries = _scheme_entries(doc)
        meta = actor.meta(obj.tenant_id)
        revision = DirectoryObject.new("scheme_revision", obj.tenant_id, {
            "scheme_id": str(obj.id), "number": number, "name": doc.get("name", ""), "comment": comment,
            "nodes": nodes, "entries": entries, "reverted_from": revert_to,
        }, meta, id=_schemes.revision_id(str(obj.id), number))
        new_doc = {**_graph.replace_nodes(obj.data, nodes), "published_revision": number, "revisions": number, "entries": entries}
        new_doc = {k: v for k, v in new_doc.items() if v is not None or not k.startswith(_graph.NODE_PREFIX)}
        claims = self._claim(kind, obj.tenant_id, str(obj.id), old=kind.claims(obj.tenant_id, obj.data), new=kind.claims(obj.tenant_id, new_doc))
        obj.change(new_doc, meta, action="scheme.revert" if revert_to is not None else "scheme.publish")
        saved = self._save(obj, revision, *claims)
        return _result(obj, saved), _result(revision, saved)

    def _load_any(self, obj_id: str) -> DirectoryObject:
        try:
            obj = self.repository.get(uuid.UUID(str(obj_id)))
        except (AggregateNotFoundError, ValueError):
            raise NotFound(f"no object with id {obj_id}") from None
        if not isinstance(obj, DirectoryObject) or obj.deleted:
            raise NotFound(f"object {obj_id} no longer exists")
        return obj

    def authenticate(self, login: str, password: str, meta: dict) -> Result | None:
        """Check a login; successful and failed attempts on known logins are recorded."""
        owner = self.claim_owner(f"login:{login.lower()}")
        obj = None
        if owner:
            try:
                obj = self.load("user", owner)
            except NotFound:
                obj = None
        ok = verify_password(obj.data.get("password_hash") if obj else None, password)
        if obj is None:
            return None
        ok = ok and obj.data.get("enabled", True)
        event_meta = {**meta, "actor_id": str(obj.id), "actor_login": obj.data["login"], "actor_role": obj.data["role"], "tenant_id": obj.tenant_id}
        obj.note("login" if ok else "login_failed", {}, event_meta)
        nid = self._save(obj)
        return _result(obj, nid) if ok else None

    # --- helpers ----------------------------------------------------------------

    def _pool_number(self, number: str) -> DirectoryObject:
        from .domain.common import normalise_e164

        e164 = normalise_e164("number", number)
        owner = self.claim_owner(f"did:{e164}")
        if owner is None:
            raise NotFound(f"number {e164} is not in the platform pool", fields=["number"])
        return self.load("number", owner)

    def _tenant_for(self, kind: kinds.Kind, tenant_id: str | None, data: dict) -> dict | None:
        if kind.scope == "platform":
            return None
        if tenant_id is None:
            if kind.name == "user":
                return None  # platform operator account
            raise Invalid("tenant_id", "required")
        return self.tenant_doc(tenant_id)

    def _check_version(self, obj: DirectoryObject, expected: int | None) -> None:
        if expected is not None and expected != obj.version:
            raise VersionConflict(expected, obj.version)

    def _check_references(self, kind: kinds.Kind, tenant_id: str | None, doc: dict, current: dict | None = None) -> None:
        # References the object already had are not checked again: once their target is
        # deleted they would otherwise block every later edit of the object.
        kept = set(kind.references(current).values()) if current is not None else set()
        for field, (ref_kind, ref_id) in kind.references(doc).items():
            if (ref_kind, ref_id) in kept:
                continue
            try:
                self.load(ref_kind, ref_id, tenant_id)
            except NotFound:
                raise Invalid(field, f"no {ref_kind} with id {ref_id}" + (" in this tenant" if tenant_id else "")) from None

    def _claim(self, kind: kinds.Kind, tenant_id: str | None, owner: str, *, old: list[kinds.Claimed], new: list[kinds.Claimed]) -> list[Claim]:
        """Claims to save with the object: new keys taken, dropped keys released."""
        changed: list[Claim] = []
        old_keys = {c.key for c in old}
        new_keys = {c.key for c in new}
        for c in new:
            if c.key in old_keys:
                continue
            try:
                claim = self.repository.get(Claim.id_for(c.key))
            except AggregateNotFoundError:
                changed.append(Claim.new(c.key, owner))
                continue
            if claim.owner is not None and claim.owner != owner:
                raise Conflict(f"{c.label} is already in use", fields=[c.field], extra={"owner_id": claim.owner} if kind.scope == "tenant" and tenant_id and claim.key.startswith(f"plan:{tenant_id}:") else {})
            claim.take(owner)
            changed.append(claim)
        for c in old:
            if c.key not in new_keys:
                claim = self.repository.get(Claim.id_for(c.key))
                if claim.owner == owner:
                    claim.release()
                    changed.append(claim)
        return changed

    def _save(self, *aggregates: Any) -> tuple[int | None, dict]:
        """Save atomically; returns the last notification id and each aggregate's last one."""
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise Conflict("the object or one of its unique keys was changed concurrently; reload and retry") from None
        positions: dict = {}
        for r in recordings:
            if r.notification.id is not None:
                positions[r.domain_event.originator_id] = max(positions.get(r.domain_event.originator_id, 0), r.notification.id)
        return max(positions.values(), default=None), positions
