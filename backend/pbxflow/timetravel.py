"""Time travel over the configuration (F-AUD-2, F-AUD-3).

The state of a tenant at an instant is rebuilt from the event store: the action
history (rm_audit) says which objects had events for the tenant up to that
instant and at which version; each object is then replayed from its own events
up to that version. Nothing here trusts the current read model's contents.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from psycopg.rows import dict_row

from .application import ConfigApplication, Result
from .context import Actor
from .domain import kinds
from .domain.objects import DirectoryObject
from .errors import Conflict, Invalid, NotFound


def _rows(pool, query: str, params) -> list[dict]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def versions_at(pool, tenant_id: str, at: datetime) -> dict[UUID, int]:
    """Each object that ever had an event for this tenant up to ``at``, with its version then."""
    rows = _rows(pool, (
        "SELECT DISTINCT ON (object_id) object_id, version FROM rm_audit"
        " WHERE at <= %(at)s AND object_id IN ("
        "   SELECT object_id FROM rm_audit WHERE (tenant_id = %(t)s OR object_id = %(t)s) AND at <= %(at)s)"
        " ORDER BY object_id, version DESC"
    ), {"at": at, "t": UUID(tenant_id)})
    return {r["object_id"]: r["version"] for r in rows}


def _view(obj: DirectoryObject) -> dict:
    return {"id": str(obj.id), "kind": obj.kind, "version": obj.version, "tenant_id": obj.tenant_id,
            "data": kinds.mask_secrets(obj.data)}


def object_at(app: ConfigApplication, pool, tenant_id: str, obj_id: str, at: datetime) -> dict | None:
    try:
        oid = UUID(obj_id)
    except ValueError:
        raise NotFound(f"no object with id {obj_id}") from None
    version = versions_at(pool, tenant_id, at).get(oid)
    if version is None:
        return None
    obj = app.repository.get(oid, version=version)
    if obj.deleted or (obj.tenant_id != tenant_id and str(obj.id) != tenant_id):
        return None
    return _view(obj)


def state_at(app: ConfigApplication, pool, tenant_id: str, at: datetime) -> dict:
    """The tenant's whole configuration as it was at ``at``: {"tenant", "objects": {kind: [...]}}."""
    tenant = None
    objects: dict[str, list[dict]] = {}
    for oid, version in sorted(versions_at(pool, tenant_id, at).items(), key=lambda kv: str(kv[0])):
        obj = app.repository.get(oid, version=version)
        if not isinstance(obj, DirectoryObject) or obj.deleted:
            continue
        if str(obj.id) == tenant_id:
            tenant = _view(obj)
        elif obj.tenant_id == tenant_id:
            objects.setdefault(obj.kind, []).append(_view(obj))
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} did not exist at {at.isoformat()}")
    for items in objects.values():
        items.sort(key=lambda o: (kinds.REGISTRY[o["kind"]].title(o["data"]) if o["kind"] in kinds.REGISTRY else "", o["id"]))
    return {"at": at.isoformat(), "tenant": tenant, "objects": objects}


def diff_states(before: dict, after: dict) -> dict:
    """Objects added, removed and changed (field by field) between two states."""
    def index(state):
        out = {state["tenant"]["id"]: state["tenant"]}
        for items in state["objects"].values():
            out.update({o["id"]: o for o in items})
        return out

    a, b = index(before), index(after)
    changed = []
    for oid in sorted(set(a) & set(b)):
        da, db = a[oid]["data"], b[oid]["data"]
        fields = {k: [da.get(k), db.get(k)] for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)}
        if fields:
            changed.append({"id": oid, "kind": b[oid]["kind"], "from_version": a[oid]["version"], "to_version": b[oid]["version"], "fields": fields})
    return {
        "from": before["at"], "to": after["at"],
        "added": [b[o] for o in sorted(set(b) - set(a))],
        "removed": [a[o] for o in sorted(set(a) - set(b))],
        "changed": changed,
    }


def history(pool, tenant_id: str, obj_id: str) -> list[dict]:
    try:
        oid = UUID(obj_id)
    except ValueError:
        raise NotFound(f"no object with id {obj_id}") from None
    rows = _rows(pool, (
        "SELECT * FROM rm_audit WHERE object_id = %(o)s AND EXISTS ("
        " SELECT 1 FROM rm_audit WHERE object_id = %(o)s AND (tenant_id = %(t)s OR object_id = %(t)s))"
        " ORDER BY notification_id"
    ), {"o": oid, "t": UUID(tenant_id)})
    if not rows:
        raise NotFound(f"no object with id {obj_id} in this tenant's history")
    return rows


def revert_change(app: ConfigApplication, pool, actor: Actor, tenant_id: str, position: int) -> Result:
    """Undo the change recorded at one position of the action history, as a new change."""
    rows = _rows(pool, "SELECT * FROM rm_audit WHERE notification_id = %s", (position,))
    if not rows or (str(rows[0]["tenant_id"]) != tenant_id and str(rows[0]["object_id"]) != tenant_id):
        raise NotFound(f"no recorded change at position {position} in this tenant's history")
    row = rows[0]
    oid, version = row["object_id"], row["version"]
    events = list(app.events.get(oid, gt=version - 1, lte=version))
    if not events:
        raise NotFound(f"no event at position {position}")
    event = events[0]
    if isinstance(event, DirectoryObject.Created):
        return app.revert_create(actor, str(oid), version)
    if isinstance(event, DirectoryObject.Changed):
        return app.revert_diff(actor, str(oid), event.diff)
    raise Invalid("position", f"a {row['action']} cannot be reverted")


def restore_object(app: ConfigApplication, pool, actor: Actor, tenant_id: str, obj_id: str, at: datetime) -> Result:
    """Bring an object back to its state at ``at`` (a new change, or a new object if it was deleted since)."""
    then = object_at(app, pool, tenant_id, obj_id, at)
    if then is None:
        raise NotFound(f"object {obj_id} did not exist in this tenant at {at.isoformat()}")
    old = app.repository.get(UUID(obj_id), version=then["version"])
    return app.restore(actor, old)
