"""RFC 9457 problem+json for every error, with the offending field names."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, SerializationException, ValidationException

from ..errors import DomainError

log = logging.getLogger(__name__)
MEDIA = "application/problem+json"
_UNKNOWN = re.compile(r"(?:unknown|missing required) field `([^`]+)`")
_MISSING_PARAM = re.compile(r"Missing required \w+ parameter '([^']+)'")


def problem(status: int, title: str, detail: str, **extra) -> Response:
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail, **extra}
    return Response(body, status_code=status, media_type=MEDIA)


def domain_error(_: Request, exc: DomainError) -> Response:
    extra = dict(exc.extra)
    if exc.fields:
        extra["fields"] = exc.fields
        extra["errors"] = [{"field": f, "message": exc.detail} for f in exc.fields]
    return problem(exc.status, exc.title, exc.detail, **extra)


def _public_name(request: Request, key: str) -> str:
    """The name the client used: a parameter's query/header alias, "body" for the whole body."""
    if key == "data":
        return "body"
    handler = request.route_handler
    signatures = [handler.parsed_fn_signature]
    try:  # parameters declared by a dependency (e.g. shared filters) have their aliases there
        signatures += [p.parsed_fn_signature for p in handler.resolve_dependencies().values()]
    except AttributeError:
        pass
    param = next((s.parameters[key] for s in signatures if key in getattr(s, "parameters", {})), None)
    kwarg = getattr(param, "kwarg_definition", None)
    if kwarg is None:
        return key
    return getattr(kwarg, "query", None) or getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None) or key


def validation_error(request: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra or []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        field = str(item.get("key") or "")
        unknown = _UNKNOWN.search(message)
        if unknown:
            field = unknown.group(1) if field in ("", "data") else f"{field}.{unknown.group(1)}"
        elif field == "data" and message == "'data'":  # litestar's words for an empty body
            message = "a JSON object is required"
        field = _public_name(request, field) if field else "body"
        errors.append({"field": field, "message": message, "source": item.get("source")})
    if not errors:
        missing = _MISSING_PARAM.match(str(exc.detail))
        if missing:  # a required query parameter or header was not sent
            return problem(422, "Invalid input", str(exc.detail), fields=[missing.group(1)],
                           errors=[{"field": missing.group(1), "message": "required", "source": missing.group(0).split()[2]}])
        return problem(400, "Bad request", str(exc.detail))
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, fields=[e["field"] for e in errors], errors=errors)


def http_error(_: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotFoundException):
        return problem(404, "Not found", str(exc.detail))
    if isinstance(exc.__cause__, SerializationException):  # the body is not JSON at all
        return problem(400, "Bad request", f"the body is not valid JSON: {exc.detail}", fields=["body"])
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    return problem(exc.status_code, title, str(exc.detail))


def internal_error(request: Request, exc: Exception) -> Response:
    # Log the cause (never request bodies: they may hold passwords).
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal server error", f"{type(exc).__name__}; see the server log")


HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: internal_error,
}
