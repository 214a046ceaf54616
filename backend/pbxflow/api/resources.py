"""REST resources for every object kind, built from the kind registry.

Conventions (API.md): lists are {"total", "items"} with limit/offset/search/order;
create answers 201 with Location; updates take If-Match: <version> and a stale
version is a 409; another tenant's object is a 404.
"""

from typing import Annotated, Any

from litestar import Request, Response, delete, get, patch, post
from litestar.params import Dependency, Parameter

from ..application import Result
from ..context import Actor
from ..domain import kinds
from ..domain.numbers import AllocateIn, TenantNumberPatch
from ..errors import DomainError, Forbidden, Invalid
from ..queries import ANY_TENANT
from ..runtime import Runtime
from .auth import require_operator, require_tenant, reveals_secrets

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
Limit = Annotated[int, Parameter(ge=1, le=500, description="page size")]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000_000, description="rows to skip")]  # PostgreSQL OFFSET is a bigint
# Query text reaches PostgreSQL, which cannot hold NUL: control characters are a 422, not a 500.
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
Search = Annotated[str | None, Parameter(max_length=100, pattern=NO_CONTROL, description="text to find in names and numbers")]
Order = Annotated[str | None, Parameter(max_length=40, pattern=NO_CONTROL, description="field to order by, prefix - for descending")]
TENANT_ADMIN_TENANT_FIELDS = {"name", "timezone", "language", "email", "pin", "description", "pickup_code",
                              "voicemail_greeting_code"}
SELF_FIELDS = {"name", "email", "password"}
from .threads import threaded


async def check_body_types(request: Request) -> None:
    """Litestar converts bodies leniently ("5" -> 5, 0 -> false, 1.0 -> 1); the API takes the JSON
    types it declares. Checks a handler's struct-typed ``data`` strictly, naming the field."""
    import msgspec

    param = request.route_handler.parsed_fn_signature.parameters.get("data")
    struct = getattr(param, "annotation", None)
    if request.method in ("POST", "PUT", "PATCH") and isinstance(struct, type) and issubclass(struct, msgspec.Struct):
        kinds.convert(await request.json(), struct)


def expected_version(request: Request) -> int | None:
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise DomainError("If-Match must be the object's version number, e.g. If-Match: 3", fields=["If-Match"])
    return int(value)


def represent(row: dict, actor: Actor) -> dict:
    kind = kinds.get(row["kind"])
    return {
        "id": str(row["id"]),
        "version": row["version"],
        "tenant_id": str(row["tenant_id"]) if row["tenant_id"] else None,
        **kind.public(row["data"], reveal_secrets=reveals_secrets(actor)),
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def page(runtime: Runtime, kind_name: str, tenant: Any, actor: Actor, limit: int, offset: int, search, order, where=None) -> dict:
    result = runtime.read.list(kind_name, tenant, limit=limit, offset=offset, search=search, order=order, where=where)
    return {"total": result.total, "items": [represent(r, actor) for r in result.items], "limit": limit, "offset": offset}


def answer(runtime: Runtime, result: Result, actor: Actor, tenant: Any, *, status: int = 200, location: str | None = None) -> Response:
    runtime.wait(result.notification_id)
    row = runtime.read.get(result.kind, result.id, tenant)
    headers = {"ETag": f'"{row["version"]}"'}
    if result.notification_id is not None:
        headers["X-Event-Position"] = str(result.notification_id)
    if location:
        headers["Location"] = location
    return Response(represent(row, actor), status_code=status, headers=headers)


def deleted(runtime: Runtime, result: Result) -> None:
    runtime.wait(result.notification_id)


def body_dict(data) -> dict:
    import msgspec

    return msgspec.to_builtins(data)


# --- tenant-scoped collections --------------------------------------------------

def tenant_collection(runtime: Runtime, kind: kinds.Kind) -> list:
    col = kind.collection
    base = f"/api/tenants/{{tenant_id:str}}/{col}"
    item = f"{base}/{{obj_id:str}}"
    CreateT, PatchT = kind.create_struct, kind.patch_struct

    def check_self(actor: Actor, tenant_id: str, obj_id: str, fields: set[str] | None) -> bool:
        """Users may read and change (some of) their own record."""
        if kind.name == "user" and actor.id == obj_id and actor.tenant_id == tenant_id:
            if fields is not None and not fields <= SELF_FIELDS:
                raise Forbidden(f"you may change only {', '.join(sorted(SELF_FIELDS))} of your own account")
            return True
        return False

    @get(base, tags=[col], operation_id=f"list_{col}", summary=f"List {col} of a tenant")
    @threaded
    def list_(tenant_id: str, actor: ActorDep, limit: Limit = 50, offset: Offset = 0, search: Search = None, order: Order = None) -> dict:
        require_tenant(actor, tenant_id, write=False)
        runtime.app.tenant_doc(tenant_id)  # 404 for a tenant that does not exist
        return page(runtime, kind.name, tenant_id, actor, limit, offset, search, order)

    @post(base, tags=[col], operation_id=f"create_{col}", summary=f"Create one of a tenant's {col}")
    @threaded
    def create(tenant_id: str, actor: ActorDep, data: CreateT) -> Response:
        require_tenant(actor, tenant_id, write=True)
        result = runtime.app.create(actor, kind.name, tenant_id, body_dict(data))
        return answer(runtime, result, actor, tenant_id, status=201, location=f"/api/tenants/{tenant_id}/{col}/{result.id}")

    @get(item, tags=[col], operation_id=f"get_{col}")
    @threaded
    def read(tenant_id: str, obj_id: str, actor: ActorDep) -> Response:
        if not check_self(actor, tenant_id, obj_id, None):
            require_tenant(actor, tenant_id, write=False)
        row = runtime.read.get(kind.name, obj_id, tenant_id)
        return Response(represent(row, actor), headers={"ETag": f'"{row["version"]}"'})

    @patch(item, tags=[col], operation_id=f"update_{col}",
           summary="Change fields; send If-Match: <version>")
    @threaded
    def update(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: PatchT) -> Response:
        changes = body_dict(data)
        if not check_self(actor, tenant_id, obj_id, set(changes)):
            require_tenant(actor, tenant_id, write=True)
        result = runtime.app.update(actor, kind.name, tenant_id, obj_id, expected_version(request), changes)
        return answer(runtime, result, actor, tenant_id)

    @delete(item, tags=[col], operation_id=f"delete_{col}", status_code=204)
    @threaded
    def remove(request: Request, tenant_id: str, obj_id: str, actor: ActorDep) -> None:
        require_tenant(actor, tenant_id, write=True)
        if kind.name == "user" and obj_id == actor.id:
            raise Forbidden("you cannot delete your own account")
        return deleted(runtime, runtime.app.delete(actor, kind.name, tenant_id, obj_id, expected_version(request)))

    return [list_, create, read, update, remove]


# --- platform collections (operators) ---------------------------------------------

def platform_collection(runtime: Runtime, kind: kinds.Kind, path: str, *, read_any: bool = False) -> list:
    col = path.rsplit("/", 1)[-1]
    item = f"{path}/{{obj_id:str}}"
    CreateT, PatchT = kind.create_struct, kind.patch_struct
    tenant = None if kind.name == "user" else ANY_TENANT

    @get(path, tags=[col], operation_id=f"list_platform_{col}")
    @threaded
    def list_(actor: ActorDep, limit: Limit = 50, offset: Offset = 0, search: Search = None, order: Order = None) -> dict:
        require_operator(actor)
        return page(runtime, kind.name, tenant, actor, limit, offset, search, order)

    @post(path, tags=[col], operation_id=f"create_platform_{col}")
    @threaded
    def create(actor: ActorDep, data: CreateT) -> Response:
        require_operator(actor)
        result = runtime.app.create(actor, kind.name, None, body_dict(data))
        return answer(runtime, result, actor, tenant, status=201, location=f"{path}/{result.id}")

    @get(item, tags=[col], operation_id=f"get_platform_{col}")
    @threaded
    def read(obj_id: str, actor: ActorDep) -> Response:
        require_operator(actor)
        row = runtime.read.get(kind.name, obj_id, tenant)
        return Response(represent(row, actor), headers={"ETag": f'"{row["version"]}"'})

    @patch(item, tags=[col], operation_id=f"update_platform_{col}")
    @threaded
    def update(request: Request, obj_id: str, actor: ActorDep, data: PatchT) -> Response:
        require_operator(actor)
        runtime.read.get(kind.name, obj_id, tenant)  # 404 outside this collection
        result = runtime.app.update(actor, kind.name, None, obj_id, expected_version(request), body_dict(data))
        return answer(runtime, result, actor, tenant)

    @delete(item, tags=[col], operation_id=f"delete_platform_{col}", status_code=204)
    @threaded
    def remove(request: Request, obj_id: str, actor: ActorDep) -> None:
        require_operator(actor)
        if obj_id == actor.id:
            raise Forbidden("you cannot delete your own account")
        runtime.read.get(kind.name, obj_id, tenant)
        return deleted(runtime, runtime.app.delete(actor, kind.name, None, obj_id, expected_version(request)))

    return [list_, create, read, update, remove]


# --- tenants ------------------------------------------------------------------------

def tenant_resource(runtime: Runtime) -> list:
    kind = kinds.get("tenant")
    CreateT, PatchT = kind.create_struct, kind.patch_struct

    @get("/api/tenants", tags=["tenants"], operation_id="list_tenants")
    @threaded
    def list_(actor: ActorDep, limit: Limit = 50, offset: Offset = 0, search: Search = None, order: Order = None) -> dict:
        if actor.is_operator:
            return page(runtime, "tenant", None, actor, limit, offset, search, order)
        rows = [runtime.read.get("tenant", actor.tenant_id, None)] if actor.tenant_id and offset == 0 else []
        return {"total": 1 if actor.tenant_id else 0, "items": [represent(r, actor) for r in rows], "limit": limit, "offset": offset}

    @post("/api/tenants", tags=["tenants"], operation_id="create_tenants")
    @threaded
    def create(actor: ActorDep, data: CreateT) -> Response:
        require_operator(actor)
        result = runtime.app.create(actor, "tenant", None, body_dict(data))
        return answer(runtime, result, actor, None, status=201, location=f"/api/tenants/{result.id}")

    @get("/api/tenants/{tenant_id:str}", tags=["tenants"], operation_id="get_tenants")
    @threaded
    def read(tenant_id: str, actor: ActorDep) -> Response:
        if not actor.is_operator and actor.tenant_id != tenant_id:
            from ..errors import NotFound

            raise NotFound(f"no tenant with id {tenant_id}")
        row = runtime.read.get("tenant", tenant_id, None)
        return Response(represent(row, actor), headers={"ETag": f'"{row["version"]}"'})

    @patch("/api/tenants/{tenant_id:str}", tags=["tenants"], operation_id="update_tenants")
    @threaded
    def update(request: Request, tenant_id: str, actor: ActorDep, data: PatchT) -> Response:
        changes = body_dict(data)
        if not actor.is_operator:
            require_tenant(actor, tenant_id, write=True)
            extra = set(changes) - TENANT_ADMIN_TENANT_FIELDS
            if extra:
                raise Forbidden(f"only a platform operator may change {', '.join(sorted(extra))}")
        result = runtime.app.update(actor, "tenant", None, tenant_id, expected_version(request), changes)
        return answer(runtime, result, actor, None)

    @delete("/api/tenants/{tenant_id:str}", tags=["tenants"], operation_id="delete_tenants", status_code=204)
    @threaded
    def remove(request: Request, tenant_id: str, actor: ActorDep) -> None:
        require_operator(actor)
        return deleted(runtime, runtime.app.delete(actor, "tenant", None, tenant_id, expected_version(request)))

    return [list_, create, read, update, remove]


# --- numbers allocated to a tenant ----------------------------------------------------

def tenant_numbers(runtime: Runtime) -> list:
    base = "/api/tenants/{tenant_id:str}/numbers"

    @get(base, tags=["numbers"], operation_id="list_tenant_numbers")
    @threaded
    def list_(tenant_id: str, actor: ActorDep, limit: Limit = 50, offset: Offset = 0, search: Search = None, order: Order = None) -> dict:
        require_tenant(actor, tenant_id, write=False)
        runtime.app.tenant_doc(tenant_id)
        return page(runtime, "number", tenant_id, actor, limit, offset, search, order)

    @post(base, tags=["numbers"], operation_id="allocate_tenant_number",
          summary="Allocate a number from the platform pool to the tenant (operator)")
    @threaded
    def allocate(tenant_id: str, actor: ActorDep, data: AllocateIn) -> Response:
        require_operator(actor)
        result = runtime.app.allocate_number(actor, tenant_id, data.number)
        return answer(runtime, result, actor, tenant_id, status=201, location=f"{base.replace('{tenant_id:str}', tenant_id)}/{result.id}")

    @get(f"{base}/{{obj_id:str}}", tags=["numbers"], operation_id="get_tenant_number")
    @threaded
    def read(tenant_id: str, obj_id: str, actor: ActorDep) -> Response:
        require_tenant(actor, tenant_id, write=False)
        row = runtime.read.get("number", obj_id, tenant_id)
        return Response(represent(row, actor), headers={"ETag": f'"{row["version"]}"'})

    @patch(f"{base}/{{obj_id:str}}", tags=["numbers"], operation_id="update_tenant_number",
           summary="Set which extension the number rings (tenant admin); send If-Match: <version>")
    @threaded
    def update(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: TenantNumberPatch) -> Response:
        require_tenant(actor, tenant_id, write=True)
        result = runtime.app.update(actor, "number", tenant_id, obj_id, expected_version(request), body_dict(data))
        return answer(runtime, result, actor, tenant_id)

    @delete(f"{base}/{{obj_id:str}}", tags=["numbers"], operation_id="release_tenant_number", status_code=204,
            summary="Return the number to the platform pool (operator)")
    @threaded
    def release(request: Request, tenant_id: str, obj_id: str, actor: ActorDep) -> None:
        require_operator(actor)
        return deleted(runtime, runtime.app.release_number(actor, tenant_id, obj_id, expected_version(request)))

    return [list_, allocate, read, update, release]
