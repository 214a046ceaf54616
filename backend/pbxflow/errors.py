"""Domain errors; the API maps each to a problem+json status."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, fields: list[str] | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or []
        self.extra = extra or {}


class Invalid(DomainError):
    status = 422
    title = "Invalid input"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", fields=[field])
        self.field = field


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class VersionConflict(Conflict):
    title = "Version conflict"

    def __init__(self, expected: int, current: int):
        super().__init__(
            f"expected version {expected} but the object is at version {current}; reload and retry",
            extra={"current_version": current},
        )
        self.current = current


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"


class PublishRefused(DomainError):
    """A scheme with validation errors is not published; the findings name nodes and ports."""

    status = 422
    title = "Scheme has errors"

    def __init__(self, findings: list[dict]):
        first = findings[0]["message"] if findings else ""
        super().__init__(f"the scheme has {len(findings)} error(s); first: {first}", fields=["graph"],
                         extra={"findings": findings})
