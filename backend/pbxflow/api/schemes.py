"""Routing scheme endpoints beyond CRUD (F-RTE-1..4).

The scheme itself is a generic tenant collection (``/api/tenants/{tenant_id}/schemes``: create
with ``{name, description?, graph?}``, PATCH name/description, DELETE releases its entry
numbers). Here:

- ``GET  /api/scheme-catalogue`` — node types, their params (JSON schema) and output ports.
- ``POST …/schemes/{id}/commands`` — one editing command on the draft (``{"op": "add_node" | "move_node" |
  "remove_node" | "set_params" | "connect" | "disconnect", …}``); answers the scheme as GET does.
- ``PUT  …/schemes/{id}/draft`` — replace the whole draft (``{nodes, edges}``).
- ``GET  …/schemes/{id}/validation`` — errors and warnings of the draft, naming nodes and ports.
- ``POST …/schemes/{id}/publish`` — ``{comment?}``: the draft becomes the next revision (201);
  errors refuse it (422 with ``findings``).
- ``GET  …/schemes/{id}/revisions`` (newest first), ``…/revisions/{number}``.
- ``GET  …/schemes/{id}/diff?from=&to=`` — revision number, ``published`` or ``draft``.
- ``POST …/schemes/{id}/revert`` — ``{revision, comment?}``: that revision's graph published again as
  a new revision (and made the draft).
- ``POST …/schemes/{id}/simulate`` — where a call goes (draft, ``published`` or a revision).
- ``GET/PUT …/schemes/{id}/rules`` — the draft as an ordered first-match rule list (F-RTE-6),
  stored as the same graph (409 on GET when the draft is drawn freely).

Writes (commands, draft, publish, revert) take ``If-Match: <version>`` of the scheme (a stale
one is a 409 with ``current_version``) and need the tenant admin role; reads and simulation
need a role that may read the tenant's configuration.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.params import Dependency, Parameter
from psycopg.sql import SQL

from .. import scheme_service
from ..context import Actor
from ..domain.schemes import SCHEME_REVISION, Comment, revision_id
from ..errors import Conflict, Invalid, NotFound
from ..routing import graph as g
from ..routing.catalogue import catalogue_view
from ..routing.rules import rules_of, to_nodes as rules_to_nodes
from ..runtime import Runtime
from .auth import require_tenant
from .resources import NO_CONTROL, Limit, Offset, answer, body_dict, expected_version
from .threads import threaded

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
ITEM = "/api/tenants/{tenant_id:str}/schemes/{obj_id:str}"
MAX_REVISION = 1_000_000_000
WHICH = "a revision number, 'published' or 'draft'"


def _revision_number(text: str) -> int | None:
    """A revision number written in ASCII digits, or None."""
    if re.fullmatch(r"[0-9]{1,10}", text) and 1 <= int(text) <= MAX_REVISION:
        return int(text)
    return None


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    comment: Comment = ""


class RevertIn(msgspec.Struct, forbid_unknown_fields=True):
    revision: Annotated[int, msgspec.Meta(ge=1, le=MAX_REVISION)]
    comment: Comment = ""


def make_scheme_handlers(runtime: Runtime) -> list:
    read = runtime.read

    def scheme_row(actor: Actor, tenant_id: str, obj_id: str, *, write: bool) -> dict:
        """The scheme's read-model row: 404 for another tenant's (or no) scheme, 403 without the right."""
        require_tenant(actor, tenant_id, write=write)
        return read.get("scheme", obj_id, tenant_id)

    def revision_rows(row: dict, *, number: int | None = None, limit: int = 1, offset: int = 0) -> tuple[int, list[dict]]:
        """Published revisions of a scheme, newest first, with who published each and when."""
        conds = [SQL("o.kind = 'scheme_revision'"), SQL("o.tenant_id = %s"), SQL("o.data->>'scheme_id' = %s")]
        params: list[Any] = [row["tenant_id"], str(row["id"])]
        if number is not None:
            conds.append(SQL("o.id = %s"))
            params.append(revision_id(str(row["id"]), number))
        cond = SQL(" AND ").join(conds)
        total = read._rows(SQL("SELECT count(*) AS n FROM {} o WHERE {}").format(read.objects, cond), params)[0]["n"]
        rows = read._rows(SQL(
            "SELECT o.data, o.created_at, a.actor_id, a.actor_login FROM {} o"
            " LEFT JOIN {} a ON a.object_id = o.id AND a.action = 'create'"
            " WHERE {} ORDER BY (o.data->>'number')::bigint DESC LIMIT %s OFFSET %s"
        ).format(read.objects, read.audit, cond), [*params, limit, offset])
        return total, rows

    def revision_view(scheme: dict, rev: dict, *, graph: bool) -> dict:
        out = SCHEME_REVISION.public(rev["data"], reveal_secrets=False)
        if not graph:
            out.pop("graph")
        out["live"] = scheme["data"].get("published_revision") == out["number"]
        out["author"] = {"id": rev["actor_id"], "login": rev["actor_login"]}
        out["published_at"] = rev["created_at"].isoformat()
        return out

    def revision(row: dict, number: int, field: str) -> dict:
        found = revision_rows(row, number=number)[1]
        if not found:
            if field == "number":
                raise NotFound(f"scheme {row['id']} has no revision {number}", fields=["number"])
            raise Invalid(field, f"the scheme has no revision {number} (it has {row['data'].get('revisions', 0)})")
        return found[0]

    def graph_of(row: dict, which: str, field: str) -> tuple[Any, dict]:
        """The graph a ``from``/``to`` value names: 'draft', 'published' or a revision number."""
        if which == "draft":
            return "draft", g.to_graph(row["data"])
        if which == "published":
            number = row["data"].get("published_revision")
            if not number:
                raise Invalid(field, "the scheme has not been published")
        elif _revision_number(which) is not None:
            number = _revision_number(which)
        else:
            raise Invalid(field, f"{which!r}: {WHICH}")
        return number, g.to_graph(revision(row, number, field)["data"].get("nodes") or {})

    @get("/api/scheme-catalogue", tags=["schemes"], operation_id="scheme_catalogue",
         summary="Node types of routing schemes: params (JSON schema) and output ports")
    async def catalogue(actor: ActorDep) -> dict:
        items = catalogue_view()
        return {"total": len(items), "items": items}

    @post(f"{ITEM}/commands", tags=["schemes"], operation_id="scheme_command", status_code=200,
          summary="One editing command on the scheme's draft; send If-Match: <version>",
          description='Body: {"op": "add_node", "node": {"type", "id"?, "params"?, "position"?}} | '
                      '{"op": "move_node", "id", "position": {"x", "y"}} | {"op": "remove_node", "id"} | '
                      '{"op": "set_params", "id", "params"} | {"op": "connect", "from", "port", "to"} | '
                      '{"op": "disconnect", "from", "port"}. Answers the scheme as GET does.')
    @threaded
    def command(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: dict[str, Any]) -> Response:
        scheme_row(actor, tenant_id, obj_id, write=True)
        result = runtime.app.edit_scheme(actor, tenant_id, obj_id, expected_version(request), data)
        return answer(runtime, result, actor, tenant_id)

    @put(f"{ITEM}/draft", tags=["schemes"], operation_id="replace_scheme_draft",
         summary="Replace the whole draft with {nodes, edges}; send If-Match: <version>")
    @threaded
    def replace_draft(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: g.GraphIn) -> Response:
        scheme_row(actor, tenant_id, obj_id, write=True)
        result = runtime.app.replace_scheme_draft(actor, tenant_id, obj_id, expected_version(request), body_dict(data))
        return answer(runtime, result, actor, tenant_id)

    @get(f"{ITEM}/validation", tags=["schemes"], operation_id="validate_scheme",
         summary="Errors (they block publishing) and warnings of the draft, naming nodes and ports")
    @threaded
    def validation(tenant_id: str, obj_id: str, actor: ActorDep) -> dict:
        row = scheme_row(actor, tenant_id, obj_id, write=False)
        items = scheme_service.findings(runtime, tenant_id, str(row["id"]), row["data"])
        return {"version": row["version"], **scheme_service.report(items)}

    def publish_answer(tenant_id: str, actor: Actor, results) -> Response:
        scheme_result, rev_result = results  # saved together: wait for the later of the two
        runtime.wait(max((n for n in (scheme_result.notification_id, rev_result.notification_id) if n is not None), default=None))
        row = read.get("scheme", scheme_result.id, tenant_id)
        number = rev_result.data["number"]
        view = revision_view(row, revision(row, number, "number"), graph=True)
        view["scheme_version"] = row["version"]
        location = f"/api/tenants/{tenant_id}/schemes/{scheme_result.id}/revisions/{number}"
        return Response(view, status_code=201, headers={"Location": location, "X-Scheme-Version": str(row["version"])})

    @post(f"{ITEM}/publish", tags=["schemes"], operation_id="publish_scheme",
          summary="Publish the draft as the next revision; send If-Match: <version>",
          description="Answers 201 with the revision. A draft with errors is refused: 422 with `findings`.")
    @threaded
    def publish(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: PublishIn) -> Response:
        row = scheme_row(actor, tenant_id, obj_id, write=True)
        results = scheme_service.publish(runtime, actor, tenant_id, str(row["id"]), expected_version(request), data.comment)
        return publish_answer(tenant_id, actor, results)

    @post(f"{ITEM}/revert", tags=["schemes"], operation_id="revert_scheme",
          summary="Publish an earlier revision's graph again, as a new revision (the draft becomes it too)")
    @threaded
    def revert(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: RevertIn) -> Response:
        row = scheme_row(actor, tenant_id, obj_id, write=True)
        revision(row, data.revision, "revision")
        comment = data.comment or f"revert to revision {data.revision}"
        results = scheme_service.publish(runtime, actor, tenant_id, str(row["id"]), expected_version(request), comment,
                                         revert_to=data.revision)
        return publish_answer(tenant_id, actor, results)

    @get(f"{ITEM}/revisions", tags=["schemes"], operation_id="list_scheme_revisions",
         summary="Published revisions of the scheme, newest first (without their graphs)")
    @threaded
    def revisions(tenant_id: str, obj_id: str, actor: ActorDep, limit: Limit = 50, offset: Offset = 0) -> dict:
        row = scheme_row(actor, tenant_id, obj_id, write=False)
        total, rows = revision_rows(row, limit=limit, offset=offset)
        return {"total": total, "items": [revision_view(row, r, graph=False) for r in rows], "limit": limit, "offset": offset}

    @get(f"{ITEM}/revisions/{{number:str}}", tags=["schemes"], operation_id="get_scheme_revision",
         summary="One published revision with its graph")
    @threaded
    def one_revision(tenant_id: str, obj_id: str, number: str, actor: ActorDep) -> dict:
        row = scheme_row(actor, tenant_id, obj_id, write=False)
        wanted = _revision_number(number)
        if wanted is None:
            raise Invalid("number", f"{number[:20]!r} is not a revision number (1, 2, …)")
        return revision_view(row, revision(row, wanted, "number"), graph=True)

    @get(f"{ITEM}/diff", tags=["schemes"], operation_id="diff_scheme",
         summary="What changed between two revisions, or a revision and the draft",
         description="`from` and `to`: a revision number, `published` or `draft` (defaults: published, draft).")
    @threaded
    def diff(tenant_id: str, obj_id: str, actor: ActorDep,
             since: Annotated[str | None, Parameter(query="from", max_length=20, pattern=NO_CONTROL, description=WHICH)] = None,
             until: Annotated[str | None, Parameter(query="to", max_length=20, pattern=NO_CONTROL, description=WHICH)] = None) -> dict:
        row = scheme_row(actor, tenant_id, obj_id, write=False)
        a_label, a = graph_of(row, since or "published", "from")
        b_label, b = graph_of(row, until or "draft", "to")
        return {"from": a_label, "to": b_label, **g.diff(a, b)}

    @post(f"{ITEM}/simulate", tags=["schemes"], operation_id="simulate_scheme", status_code=200,
          summary="Where a call goes through the draft, the published revision or a revision",
          description='Body: {"number", "caller"?, "at"? (ISO time with offset), "keys"?: [{"key", "at"}], '
                      '"callees"?: {number: {"behaviour": answer|busy|no_answer|unavailable, "after"?, "talk"?}}, '
                      '"revision"?: number | "published" | "draft" (default)}.')
    @threaded
    def simulate(tenant_id: str, obj_id: str, actor: ActorDep, data: dict[str, Any]) -> dict:
        row = scheme_row(actor, tenant_id, obj_id, write=False)
        return scheme_service.run_simulation(runtime, tenant_id, str(row["id"]), data)

    @get(f"{ITEM}/rules", tags=["schemes"], operation_id="get_scheme_rules",
         summary="The draft as an ordered first-match rule list (F-RTE-6), when it is one",
         description="409 when the draft is drawn freely on the canvas (it is not a rule list).")
    @threaded
    def get_rules(tenant_id: str, obj_id: str, actor: ActorDep) -> dict:
        row = scheme_row(actor, tenant_id, obj_id, write=False)
        spec = rules_of(row["data"])
        if spec is None:
            raise Conflict("the scheme is drawn freely on the canvas: it has no rule view")
        return {"version": row["version"], **spec}

    @put(f"{ITEM}/rules", tags=["schemes"], operation_id="put_scheme_rules",
         summary="Replace the draft with the graph an ordered rule list draws (F-RTE-6); send If-Match: <version>",
         description='Body: {"numbers": [...], "rules": [{"when": {"caller_prefixes"?, "classifier_id"?, '
                     '"schedule_id"?, "schedule_state"?: open|closed}, "target": {"type", "params"}}], '
                     '"otherwise": {"type", "params"}}. Answers the scheme as GET does.')
    @threaded
    def put_rules(request: Request, tenant_id: str, obj_id: str, actor: ActorDep, data: dict[str, Any]) -> Response:
        scheme_row(actor, tenant_id, obj_id, write=True)
        nodes = rules_to_nodes(data)
        graph = g.to_graph(nodes)
        result = runtime.app.replace_scheme_draft(actor, tenant_id, obj_id, expected_version(request), graph)
        return answer(runtime, result, actor, tenant_id)

    return [catalogue, command, replace_draft, validation, publish, revert, revisions, one_revision, diff, simulate,
            get_rules, put_rules]
