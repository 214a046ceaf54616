"""The HTTP API (litestar) and the web app's static files."""

import os
from pathlib import Path
from typing import Annotated

from litestar import Litestar, Request, Response, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.params import Dependency
from litestar.response import File

from ..context import Actor
from ..domain import kinds
from ..runtime import Runtime
from . import problems
from .audit import make_audit_handlers
from .history import make_history_handlers
from .components import make_component_handlers
from .schemes import make_scheme_handlers
from .media import make_handlers as make_media_handlers
from .auth import RateLimiter, make_auth_handlers, resolve_actor
from .resources import check_body_types, platform_collection, tenant_collection, tenant_numbers, tenant_resource

TENANT_KINDS = ("user", "extension", "schedule", "classifier", "ivr_menu", "voice_message", "group", "pickup_group", "voicemail_box", "scheme", "webhook")
from .threads import threaded


def create_app(runtime: Runtime, static_dir: Path | None = None) -> Litestar:
    async def session_guard(connection, handler) -> None:
        """Authenticate before litestar reads parameters and body: without a session every
        protected route answers 401, never a 400/422 about input (guards run first)."""
        if "actor" in handler.parsed_fn_signature.parameters:
            connection.state["actor"] = await threaded(resolve_actor)(connection, runtime)

    async def actor_dependency(request: Request) -> Actor:
        actor = request.state.get("actor") or await threaded(resolve_actor)(request, runtime)
        await check_body_types(request)  # after authentication: a stranger learns nothing from a 422
        return actor

    @get("/api/health", tags=["system"])
    @threaded
    def health() -> dict:
        head = runtime.app.head_position()
        seen = runtime.view.max_tracking_id(runtime.app.name) or 0
        running = runtime.runner is None or not runtime.runner.is_interrupted.is_set()
        return {"status": "ok" if running else "degraded", "events": head, "projected": seen, "lag": max(head - seen, 0)}

    @get("/api/asterisk/status", tags=["system"], summary="Whether the live PBX matches the configuration")
    @threaded
    def asterisk_status(actor: Annotated[Actor, Dependency(skip_validation=True)]) -> dict:
        from .auth import require_operator

        require_operator(actor)
        applier = runtime.asterisk
        if applier is None:
            return {"enabled": False}
        st = applier.status
        return {"enabled": True, "in_sync": st.in_sync, "position": st.position, "applied_position": st.applied_position,
                "pending_modules": sorted(st.pending_modules), "last_error": st.last_error,
                "last_changed": st.last_changed, "last_apply_ms": round(st.last_apply_ms, 1)}

    handlers = [health, asterisk_status, *make_auth_handlers(runtime, RateLimiter()), *make_audit_handlers(runtime)]
    handlers += tenant_resource(runtime)
    handlers += tenant_numbers(runtime)
    handlers += make_history_handlers(runtime)
    handlers += make_component_handlers(runtime)
    handlers += make_media_handlers(runtime)  # media upload/audio, voicemail messages
    handlers += make_scheme_handlers(runtime)  # scheme editing, publishing, revisions, simulation
    for name in TENANT_KINDS:
        handlers += tenant_collection(runtime, kinds.get(name))
    handlers += platform_collection(runtime, kinds.get("number"), "/api/numbers")
    handlers += platform_collection(runtime, kinds.get("trunk"), "/api/trunks")
    handlers += platform_collection(runtime, kinds.get("user"), "/api/operators")
    from ..calls.api import make_call_handlers

    handlers += make_call_handlers(runtime)  # call history, protocol, active calls, presence, SSE (F-CAL)
    from ..calls.webhooks_api import make_webhook_handlers

    handlers += make_webhook_handlers(runtime)  # webhook delivery log (F-CAL-7)
    from ..reports.api import make_report_handlers

    handlers += make_report_handlers(runtime)  # reports: call search, exports, dashboard, archives (F-REP)
    from ..reports.cc_api import make_cc_handlers

    handlers += make_cc_handlers(runtime)  # contact-centre reports, operator states, Erlang C forecast (F-REP-2..4)
    from .sip_server import make_sip_server_handlers

    handlers += make_sip_server_handlers(os.environ)  # the SIP address phones register at
    if static_dir is not None:
        handlers.append(spa_handler(static_dir))

    return Litestar(
        route_handlers=handlers,
        dependencies={"actor": Provide(actor_dependency)},
        guards=[session_guard],
        exception_handlers=problems.HANDLERS,
        openapi_config=OpenAPIConfig(
            title="pbxflow", version="0.1.0", path="/api/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=1_000_000,
        debug=False,
    )


def spa_handler(static_dir: Path):
    root = static_dir.resolve()

    @get(["/", "/{path:path}"], include_in_schema=False, sync_to_thread=False)
    def spa(path: str = "") -> Response:
        if path.startswith("/api/") or path == "/api":
            return problems.problem(404, "Not found", f"no API route {path}")
        candidate = (root / path.lstrip("/")).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            # The file name gives the media type; inline, or a browser downloads the app.
            return File(candidate, filename=candidate.name, content_disposition_type="inline")
        index = root / "index.html"
        if not index.is_file():
            return problems.problem(404, "Not found", "the web app is not built (run make run)")
        # Client-side routes fall back to the app shell.
        return File(index, filename="index.html", content_disposition_type="inline")

    return spa
